package httpapi

import (
	"errors"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/lifeops/lifeops/internal/domain"
)

// huma checks request bodies and parameters against the schema before a
// handler runs; its words are a schema's ("expected number >= 0"). These
// say the same in plain words, and every 422 it writes gets a detail that
// names each field with its value (plainProblem). huma keeps the words in
// package variables for this purpose; they are set before any operation is
// registered (required-field messages are formatted at registration).
func init() {
	validation.MsgExpectedNumber = "must be a number, e.g. 0.5 (without quotes)"
	validation.MsgExpectedInteger = "must be a whole number (without quotes)"
	validation.MsgExpectedString = "must be text (in quotes)"
	validation.MsgExpectedBoolean = "must be true or false"
	validation.MsgExpectedArray = "must be a list"
	validation.MsgExpectedObject = "must be an object"
	validation.MsgExpectedMinimumNumber = "must be at least %v"
	validation.MsgExpectedExclusiveMinimumNumber = "must be more than %v"
	validation.MsgExpectedMaximumNumber = "must be at most %v"
	validation.MsgExpectedExclusiveMaximumNumber = "must be less than %v"
	validation.MsgExpectedMinLength = "must be at least %d characters long"
	validation.MsgExpectedMaxLength = "must be at most %d characters long"
	validation.MsgExpectedMinItems = "must list at least %d entries"
	validation.MsgExpectedMaxItems = "must list at most %d entries"
	validation.MsgExpectedOneOf = "must be one of \"%s\""
	validation.MsgExpectedRequiredProperty = "%s is required"
	validation.MsgUnexpectedProperty = "is not a field of this request; check its spelling"
	validation.MsgExpectedRFC3339DateTime = "must be a time like 2026-11-26T07:30:00+01:00"
	validation.MsgExpectedRFC3339Date = "must be a date like 2026-12-24"
	validation.MsgExpectedMatchPattern = "must match the pattern %s"
	prev := huma.NewError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		if msg == "validation failed" {
			msg, errs = plainProblem(errs)
		}
		return prev(status, msg, errs...)
	}
}

// plainProblem rewrites a schema 422's details: each message a sentence
// naming the field (as the caller spells it, without huma's body./query.
// location) and its value, and the detail all of them.
func plainProblem(errs []error) (string, []error) {
	out := make([]error, len(errs))
	sentences := make([]string, 0, len(errs))
	for i, err := range errs {
		var d *huma.ErrorDetail
		if !errors.As(err, &d) || d == nil {
			out[i] = err
			if err != nil {
				sentences = append(sentences, err.Error())
			}
			continue
		}
		_, field, nested := strings.Cut(d.Location, ".")
		var text string
		switch {
		case !nested || field == "":
			text = strings.TrimSpace(domain.FieldError{Reason: d.Message}.Sentence())
		case strings.HasPrefix(d.Message, "must ") || strings.HasPrefix(d.Message, "is "):
			f := domain.FieldError{Field: field, Value: d.Value, Reason: d.Message}
			if _, isMap := d.Value.(map[string]any); isMap {
				f.Value = nil
			}
			text = f.Sentence()
		default:
			text = domain.FieldError{Field: field, Reason: "is not accepted: " + d.Message}.Sentence()
		}
		sentences = append(sentences, text)
		out[i] = &huma.ErrorDetail{Location: d.Location, Message: text, Value: d.Value}
	}
	if len(sentences) == 0 {
		return "The request is not valid.", out
	}
	return strings.Join(sentences, " "), out
}
