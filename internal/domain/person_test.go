package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Anna":                    "anna",
		"Anna-Lena Müller":        "anna_lena_mueller",
		"  Zoë  O'Brien ":         "zoe_o_brien",
		"Bjørn Ærø":               "bjoern_aeroe",
		"Élodie":                  "elodie",
		"42 Douglas":              "p_42_douglas",
		"!!!":                     "person",
		"":                        "person",
		"名前":                      "person",
		strings.Repeat("ab ", 30): "ab_ab_ab_ab_ab_ab_ab_ab_ab_ab_ab_ab_ab_a",
	}
	for in, want := range tests {
		got := Slugify(in)
		if got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if !ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a valid slug", in, got)
		}
	}
}

func TestValidatePerson(t *testing.T) {
	t.Parallel()
	good := Person{Name: "Anna", Slug: "anna", EntityID: "person.anna", Color: "#3a7bd5"}
	if err := ValidatePerson(good); err != nil {
		t.Fatalf("good person: %v", err)
	}
	noLink := good
	noLink.EntityID = ""
	if err := ValidatePerson(noLink); err != nil {
		t.Fatalf("person without HA link: %v", err)
	}
	bad := Person{Name: " ", Slug: "1anna", EntityID: "sensor.anna", Color: "3a7bd5"}
	err := ValidatePerson(bad)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[f.Field] = true
	}
	for _, f := range []string{"name", "slug", "entity_id", "color"} {
		if !fields[f] {
			t.Errorf("field %s not named in %v", f, err)
		}
	}
}
