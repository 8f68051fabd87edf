package domain

import (
	"errors"
	"slices"
	"testing"
)

// fieldsOf lists the fields a validation error names (nil for nil).
func fieldsOf(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T: %v", err, err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

func lookup(t testing.TB, key string) ActivityType {
	t.Helper()
	at, ok := Catalogue{}.Lookup(key)
	if !ok {
		t.Fatalf("no activity type %q", key)
	}
	return at
}
