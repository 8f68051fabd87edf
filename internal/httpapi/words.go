package httpapi

import (
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/domain"
)

// huma checks request bodies and parameters against the schema before a
// handler runs, in a schema's words ("expected number >= 0") under the
// detail "validation failed". plainWords says the same in plain words.
var plainWords = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^expected number$`), "must be a number, e.g. 0.5 (without quotes)"},
	{regexp.MustCompile(`^expected integer$`), "must be a whole number (without quotes)"},
	{regexp.MustCompile(`^expected string$`), "must be text (in quotes)"},
	{regexp.MustCompile(`^expected boolean$`), "must be true or false"},
	{regexp.MustCompile(`^expected array$`), "must be a list"},
	{regexp.MustCompile(`^expected object$`), "must be an object"},
	{regexp.MustCompile(`^expected number >= (.+)$`), "must be at least $1"},
	{regexp.MustCompile(`^expected number > (.+)$`), "must be more than $1"},
	{regexp.MustCompile(`^expected number <= (.+)$`), "must be at most $1"},
	{regexp.MustCompile(`^expected number < (.+)$`), "must be less than $1"},
	{regexp.MustCompile(`^expected length >= (\d+)$`), "must be at least $1 characters long"},
	{regexp.MustCompile(`^expected length <= (\d+)$`), "must be at most $1 characters long"},
	{regexp.MustCompile(`^expected array length >= (\d+)$`), "must list at least $1 entries"},
	{regexp.MustCompile(`^expected array length <= (\d+)$`), "must list at most $1 entries"},
	{regexp.MustCompile(`^expected value to be one of (.+)$`), "must be one of $1"},
	{regexp.MustCompile(`^expected required property (\S+) to be present$`), "$1 is required"},
	{regexp.MustCompile(`^unexpected property$`), "is not a field of this request; check its spelling"},
	{regexp.MustCompile(`^expected string to be RFC 3339 date-time$`), "must be a time like 2026-11-26T07:30:00+01:00"},
	{regexp.MustCompile(`^expected string to be RFC 3339 date$`), "must be a date like 2026-12-24"},
	{regexp.MustCompile(`^expected string to match pattern (.+)$`), "must match the pattern $1"},
}

func plainWord(msg string) string {
	for _, w := range plainWords {
		if w.re.MatchString(msg) {
			return w.re.ReplaceAllString(msg, w.with)
		}
	}
	return msg
}

// plainProblems is a response transformer: a 422 written with huma's
// "validation failed" (its schema checks, badParam, the Idempotency-Key
// check) gets each message as a sentence naming the field (as the caller
// spells it, without huma's body./query. location) and its value, and the
// detail all of them. errors[].location and value stay as huma makes them.
func plainProblems(_ huma.Context, _ string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok || m == nil || m.Detail != "validation failed" {
		return v, nil
	}
	out := *m
	out.Errors = make([]*huma.ErrorDetail, len(m.Errors))
	sentences := make([]string, 0, len(m.Errors))
	for i, d := range m.Errors {
		if d == nil {
			continue
		}
		msg := plainWord(d.Message)
		_, field, nested := strings.Cut(d.Location, ".")
		var text string
		switch {
		case !nested || field == "":
			text = strings.TrimSpace(domain.FieldError{Reason: msg}.Sentence())
		case strings.HasPrefix(msg, "must ") || strings.HasPrefix(msg, "is "):
			f := domain.FieldError{Field: field, Value: d.Value, Reason: msg}
			if _, isMap := d.Value.(map[string]any); isMap {
				f.Value = nil // the whole object an unknown field sits in
			}
			text = f.Sentence()
		default:
			text = domain.FieldError{Field: field, Reason: "is not accepted: " + msg}.Sentence()
		}
		sentences = append(sentences, text)
		out.Errors[i] = &huma.ErrorDetail{Location: d.Location, Message: text, Value: d.Value}
	}
	out.Detail = "The request is not valid."
	if len(sentences) > 0 {
		out.Detail = strings.Join(sentences, " ")
	}
	return &out, nil
}
