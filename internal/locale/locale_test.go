package locale_test

import (
	"slices"
	"testing"

	"github.com/lifeops/lifeops/internal/locale"
)

// Every language has every key of English and no other, with the same
// placeholders: a contributor's file that misses one fails here, not in a
// household's notification.
func TestEveryLanguageHasEveryKey(t *testing.T) {
	t.Parallel()
	langs := locale.Languages()
	if !slices.Contains(langs, "en") || !slices.Contains(langs, "de") {
		t.Fatalf("languages %v: want at least en and de", langs)
	}
	en := locale.Table(locale.English)
	if len(en) < 20 {
		t.Fatalf("English has only %d keys", len(en))
	}
	for _, lang := range langs {
		table := locale.Table(lang)
		for key, want := range en {
			got, ok := table[key]
			if !ok {
				t.Errorf("%s: key %q missing", lang, key)
				continue
			}
			if got == "" {
				t.Errorf("%s: key %q is empty", lang, key)
			}
			if g, w := locale.Placeholders(got), locale.Placeholders(want); !slices.Equal(g, w) {
				t.Errorf("%s: key %q has placeholders %v, English has %v", lang, key, g, w)
			}
		}
		for key := range table {
			if _, ok := en[key]; !ok {
				t.Errorf("%s: key %q is not in en.json", lang, key)
			}
		}
	}
}

func TestTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "entity.habit_amount", []any{"habit", "Water"}, "Water amount"},
		{"de", "entity.habit_amount", []any{"habit", "Wasser"}, "Wasser Menge"},
		{"de-CH", "notify.level_up.title", []any{"level", 6}, "Stufe 6!"},
		{"DE", "entity.mood", nil, "Stimmung"},
		{"fr", "entity.mood", nil, "Mood"}, // no French table: English
		{"", "entity.mood", nil, "Mood"},
		{"en", "no.such.key", nil, "no.such.key"},
	}
	for _, tt := range tests {
		if got := locale.For(tt.lang).T(tt.key, tt.args...); got != tt.want {
			t.Errorf("For(%q).T(%q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

func TestSetting(t *testing.T) {
	t.Parallel()
	s := locale.NewSetting("")
	if s.Lang() != "en" {
		t.Errorf("before HA answers: %q, want en", s.Lang())
	}
	changed := 0
	s.OnChange(func() { changed++ })
	s.SetFromHA("de-DE")
	if s.Lang() != "de" || changed != 1 {
		t.Errorf("after HA says de-DE: %q (changes %d), want de (1)", s.Lang(), changed)
	}
	s.SetFromHA("de")
	if changed != 1 {
		t.Errorf("same language again counted as a change")
	}
	s.SetFromHA("ja") // no table: English
	if s.Lang() != "en" || changed != 2 {
		t.Errorf("after HA says ja: %q (changes %d), want en (2)", s.Lang(), changed)
	}
	o := locale.NewSetting("de")
	o.SetFromHA("en")
	if o.Lang() != "de" {
		t.Errorf("override de, HA en: %q, want de", o.Lang())
	}
}
