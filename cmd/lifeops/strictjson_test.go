package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// strictJSON decodes one JSON value and fails on a key repeated within an
// object, which encoding/json silently accepts (the last one wins) and log
// pipelines handle each in their own way.
func strictJSON(line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := strictValue(dec, "$"); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the value")
	}
	return nil
}

func strictValue(dec *json.Decoder, at string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] {
				return fmt.Errorf("duplicate key %q in %s", key, at)
			}
			seen[key] = true
			if err := strictValue(dec, at+"."+key); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := strictValue(dec, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

func TestStrictJSONRejectsDuplicates(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`{"component":"mqtt","component":"mqtt"}`,
		`{"a":{"b":1,"b":2}}`,
		`{"a":[{"x":1,"x":1}]}`,
		`{"a":1} {"b":2}`,
		`{"a":`,
	} {
		if strictJSON([]byte(bad)) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	for _, good := range []string{`{"component":"mqtt","message":"x","a":{"component":"y"}}`, `[1,{"a":1},{"a":2}]`} {
		if err := strictJSON([]byte(good)); err != nil {
			t.Errorf("refused %s: %v", good, err)
		}
	}
}

// checkLogLines fails t for every line of a JSON log that a strict decoder
// refuses.
func checkLogLines(t *testing.T, what, log string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		if err := strictJSON([]byte(line)); err != nil {
			t.Errorf("%s logged a line a strict JSON decoder refuses (%v): %s", what, err, line)
		}
	}
}
