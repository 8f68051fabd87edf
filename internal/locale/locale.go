// Package locale owns the words LifeOps shows people in Home Assistant:
// entity names, the event entity's event texts and notifications, one
// table per language (<lang>.json beside this file, embedded). A
// contributor adds a language by adding a file with every key of en.json;
// the package's tests refuse a file with a missing or extra key or with
// placeholders that differ from English.
//
// Only names and sentences are translated. Entity ids, unique ids, units and
// event types never change with the language, so switching it renames
// entities in HA without breaking a dashboard, an automation or the
// long-term statistics.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// English is the language every other falls back to, key by key.
const English = "en"

//go:embed *.json
var files embed.FS

// tables are the parsed files by language. They are read once, on first
// use, from the embedded files; nothing writes them afterwards.
var tables = sync.OnceValues(func() (map[string]map[string]string, error) {
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, name := range names {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("locale %s: %w", name, err)
		}
		out[strings.TrimSuffix(name, ".json")] = m
	}
	if _, ok := out[English]; !ok {
		return nil, fmt.Errorf("locale: no %s.json", English)
	}
	return out, nil
})

func mustTables() map[string]map[string]string {
	t, err := tables()
	if err != nil {
		// The files are embedded at build time and checked by the tests.
		panic(err)
	}
	return t
}

// Languages lists the languages there is a table for, sorted.
func Languages() []string {
	var out []string
	for lang := range mustTables() {
		out = append(out, lang)
	}
	slices.Sort(out)
	return out
}

// Table returns the raw table of lang (nil when there is none), for tests
// and tools.
func Table(lang string) map[string]string { return mustTables()[lang] }

// Supported reports whether lang (after Normalize) has a table.
func Supported(lang string) bool {
	_, ok := mustTables()[Normalize(lang)]
	return ok
}

// Normalize turns a language tag as HA reports it ("de", "de-CH", "pt_BR",
// "EN") into the name of a table: its primary subtag, lowercase.
func Normalize(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// Texts are the words of one language.
type Texts struct {
	lang string
	m    map[string]string
	en   map[string]string
}

// For returns the texts of lang, or English when there is no table for it.
func For(lang string) Texts {
	t := mustTables()
	l := Normalize(lang)
	m, ok := t[l]
	if !ok {
		l, m = English, t[English]
	}
	return Texts{lang: l, m: m, en: t[English]}
}

// Lang is the language the texts are in.
func (t Texts) Lang() string {
	if t.lang == "" {
		return English
	}
	return t.lang
}

// T is the text of key with its placeholders ({name}) filled from args,
// given as name, value pairs. A key a language lacks falls back to English;
// a key no table has comes back as the key itself, so a typo shows.
func (t Texts) T(key string, args ...any) string {
	if t.m == nil {
		t = For(English)
	}
	s, ok := t.m[key]
	if !ok {
		if s, ok = t.en[key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// Placeholders lists the distinct placeholders of s, sorted.
func Placeholders(s string) []string {
	out := placeholder.FindAllString(s, -1)
	slices.Sort(out)
	return slices.Compact(out)
}

// Setting is the household's language: an override (the language option)
// or else Home Assistant's configured language, else English. It is safe
// for concurrent use.
type Setting struct {
	override string
	fromHA   atomic.Pointer[string]
	mu       sync.Mutex
	onChange []func()
}

// NewSetting returns a Setting; override "" follows Home Assistant. An
// override must be Supported (the config checks it).
func NewSetting(override string) *Setting {
	return &Setting{override: Normalize(override)}
}

// OnChange registers f to run after the language changed.
func (s *Setting) OnChange(f func()) {
	s.mu.Lock()
	s.onChange = append(s.onChange, f)
	s.mu.Unlock()
}

// SetFromHA records Home Assistant's language (get_config's language).
func (s *Setting) SetFromHA(lang string) {
	before := s.Lang()
	l := Normalize(lang)
	s.fromHA.Store(&l)
	if s.Lang() == before {
		return
	}
	s.mu.Lock()
	fns := slices.Clone(s.onChange)
	s.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// Lang is the language in use: the override, else HA's when there is a
// table for it, else English.
func (s *Setting) Lang() string {
	if s == nil {
		return English
	}
	if s.override != "" {
		return For(s.override).Lang()
	}
	if l := s.fromHA.Load(); l != nil {
		return For(*l).Lang()
	}
	return English
}

// Texts are the words of the language in use.
func (s *Setting) Texts() Texts { return For(s.Lang()) }
