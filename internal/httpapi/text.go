package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// multilineFields are the body fields whose text may hold line breaks and
// tabs (a note is free prose). Every other string is a single line.
var multilineFields = map[string]bool{"note": true}

// badText says what is wrong with one string of a request, or "" when
// nothing is: PostgreSQL text cannot hold NUL, bytes that are not UTF-8 would
// be stored garbled, and control characters forge log lines and break the
// entity names Home Assistant shows.
func badText(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "must not contain a NUL character"
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			if multiline {
				return "must not contain control characters other than line breaks and tabs"
			}
			return "must not contain control characters (line breaks included)"
		}
	}
	return ""
}

// checkParams refuses bad text in the operation's path and query
// parameters, naming the first such parameter.
func checkParams(ctx huma.Context, o *huma.Operation) *huma.ErrorDetail {
	for _, p := range o.Parameters {
		var v string
		switch p.In {
		case "path":
			v = ctx.Param(p.Name)
		case "query":
			v = ctx.Query(p.Name)
		default:
			continue
		}
		if why := badText(v, false); why != "" {
			return &huma.ErrorDetail{Location: p.In + "." + p.Name, Message: why}
		}
	}
	return nil
}

// errNotJSON stops the walk at a body that is not JSON; Huma's own decoding
// then answers it.
var errNotJSON = errors.New("not JSON")

// checkBody walks a JSON body and refuses bad text in any string, keys
// included, naming where it is ("body.items[0].title"). Invalid UTF-8 is
// found in the raw bytes of each token, because decoding replaces it.
func checkBody(b []byte) *huma.ErrorDetail {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	w := bodyWalker{dec: dec, raw: b}
	d, err := w.value("body", false)
	if err != nil {
		return nil
	}
	return d
}

type bodyWalker struct {
	dec  *json.Decoder
	raw  []byte
	last int64 // input offset after the previous token
}

func (w *bodyWalker) token() (json.Token, []byte, error) {
	tok, err := w.dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, nil, errNotJSON
		}
		return nil, nil, err
	}
	start, end := w.last, w.dec.InputOffset()
	w.last = end
	return tok, w.raw[start:end], nil
}

func (w *bodyWalker) str(loc string, raw []byte, s string, multiline bool) *huma.ErrorDetail {
	why := badText(s, multiline)
	if why == "" && !utf8.Valid(raw) {
		why = "must be valid UTF-8"
	}
	if why == "" {
		return nil
	}
	d := &huma.ErrorDetail{Location: loc, Message: why}
	if utf8.Valid(raw) {
		d.Value = s
	}
	return d
}

// value walks one JSON value at loc.
func (w *bodyWalker) value(loc string, multiline bool) (*huma.ErrorDetail, error) {
	tok, raw, err := w.token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case string:
		return w.str(loc, raw, t, multiline), nil
	case json.Delim:
		switch t {
		case '{':
			for w.dec.More() {
				ktok, kraw, err := w.token()
				if err != nil {
					return nil, err
				}
				key, _ := ktok.(string)
				kloc := loc + "." + key
				if d := w.str(loc, kraw, key, false); d != nil {
					d.Message = "field names " + d.Message
					return d, nil
				}
				if d, err := w.value(kloc, multilineFields[key]); d != nil || err != nil {
					return d, err
				}
			}
		case '[':
			for i := 0; w.dec.More(); i++ {
				if d, err := w.value(loc+"["+strconv.Itoa(i)+"]", multiline); d != nil || err != nil {
					return d, err
				}
			}
		default:
			return nil, errNotJSON
		}
		_, _, err := w.token() // the closing delimiter
		return nil, err
	}
	return nil, nil
}

// textProblem answers a refused string as a 422 naming its field.
func textProblem(api huma.API, ctx huma.Context, d *huma.ErrorDetail) {
	_ = huma.WriteErr(api, ctx, 422, "validation failed: "+strings.TrimPrefix(d.Location, "body.")+" "+d.Message, d)
}
