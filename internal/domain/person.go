package domain

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person is a member of the household.
type Person struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`                // seeds entity ids: sensor.lifeops_<slug>_…
	EntityID string `json:"entity_id,omitempty"` // optional HA person.* link
	Color    string `json:"color"`               // "#rrggbb"
	// HAUserID is the Home Assistant user who is this person (the id HA's
	// ingress proxy sends as X-Remote-User-Id), so the panel opens on them;
	// empty when unlinked. One HA user is one person at most.
	HAUserID string `json:"ha_user_id,omitempty"`
}

// MaxHAUserIDLen is the longest HA user id accepted; HA's are 32 hex digits.
const MaxHAUserIDLen = 64

// ValidHAUserID reports whether s looks like an HA user id: 1–64 letters,
// digits, - or _ (HA's own are 32 lowercase hex digits).
func ValidHAUserID(s string) bool {
	if len(s) == 0 || len(s) > MaxHAUserIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// MaxSlugLen is the longest slug.
const MaxSlugLen = 40

// ValidSlug reports whether s is 1–40 characters of a-z, 0-9 and _, starting
// with a letter: safe inside HA entity ids and MQTT topics.
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > MaxSlugLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// transliterations spells letters that have no ASCII base letter the way a
// German, Nordic or French speaker would type them.
func transliterate(r rune) string {
	switch r {
	case 'ä', 'Ä':
		return "ae"
	case 'ö', 'Ö', 'ø', 'Ø':
		return "oe"
	case 'ü', 'Ü':
		return "ue"
	case 'ß':
		return "ss"
	case 'æ', 'Æ':
		return "ae"
	case 'å', 'Å':
		return "aa"
	case 'œ', 'Œ':
		return "oe"
	case 'ł', 'Ł':
		return "l"
	case 'đ', 'Đ', 'ð', 'Ð':
		return "d"
	case 'þ', 'Þ':
		return "th"
	}
	return ""
}

// stripAccent maps common precomposed Latin letters to their base letter.
// Without golang.org/x/text there is no Unicode decomposition, so this covers
// the Latin-1 and Latin Extended-A letters people's names actually use.
func stripAccent(r rune) rune {
	const from = "àáâãāăąçćĉċčďèéêëēĕėęěĝğġģĥìíîïĩīĭįıĵķĺļľñńņňòóôõōŏőŕŗřśŝşšţťùúûũūŭůűųŵýÿŷźżž"
	const to = "aaaaaaacccccdeeeeeeeeegggghiiiiiiiiijklllnnnnooooooorrrsssstttuuuuuuuuuwyyyzzz"
	r = unicode.ToLower(r)
	i := 0
	for _, f := range from {
		if f == r {
			return rune(to[i])
		}
		i++
	}
	return r
}

// Slugify derives a slug from a display name: "Anna-Lena Müller" →
// "anna_lena_mueller". The result always satisfies ValidSlug: a name that
// does not start with a letter gets a "p_" prefix, and a name with nothing
// usable becomes "person".
func Slugify(name string) string {
	var b strings.Builder
	sep := false
	for _, r := range name {
		if t := transliterate(r); t != "" {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteString(t)
			continue
		}
		r = stripAccent(r)
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
			continue
		}
		sep = true
	}
	s := b.String()
	if s == "" {
		return "person"
	}
	if s[0] < 'a' || s[0] > 'z' {
		s = "p_" + s
	}
	if len(s) > MaxSlugLen {
		s = strings.TrimRight(s[:MaxSlugLen], "_")
	}
	return s
}

// ValidEntityID reports whether id is an HA entity id of the given domain
// ("person.anna" for domain "person").
func ValidEntityID(id, domain string) bool {
	obj, ok := strings.CutPrefix(id, domain+".")
	if !ok || obj == "" {
		return false
	}
	for i := 0; i < len(obj); i++ {
		if c := obj[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ValidColor reports whether c is "#rrggbb" (hex digits in either case).
func ValidColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		ch := c[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			return false
		}
	}
	return true
}

// ValidatePerson checks a person's fields, naming every bad one.
func ValidatePerson(p Person) error {
	var v ValidationError
	validateName(&v, "name", p.Name, 80)
	if !ValidSlug(p.Slug) {
		v.Add("slug", p.Slug, "must be 1-40 lowercase letters, digits or _, starting with a letter")
	}
	if p.EntityID != "" && !ValidEntityID(p.EntityID, "person") {
		v.Add("entity_id", p.EntityID, "must be a person entity like person.anna")
	}
	if p.HAUserID != "" && !ValidHAUserID(p.HAUserID) {
		v.Add("ha_user_id", p.HAUserID, "must be a Home Assistant user id: up to 64 letters, digits, - or _ (Settings → People → Users shows it)")
	}
	if !ValidColor(p.Color) {
		v.Add("color", p.Color, "must be a colour like #3a7bd5")
	}
	return v.Err()
}

// validateName requires a non-blank name of at most maxLen characters.
func validateName(v *ValidationError, field, name string, maxLen int) {
	switch n := utf8.RuneCountInString(name); {
	case strings.TrimSpace(name) == "":
		v.Add(field, nil, "is required")
	case n > maxLen:
		v.Add(field, nil, "must be at most "+strconv.Itoa(maxLen)+" characters")
	case !utf8.ValidString(name):
		v.Add(field, nil, "must be valid UTF-8")
	}
}

// FindPerson picks the person ref names among people, as people say names:
// the id, the slug or the display name, in any case and with the spaces of
// speech ("Anna", "anna", " ANNA "). When none or several match, the error
// lists the household so the caller can say it again.
func FindPerson(people []Person, ref string) (Person, error) {
	want := strings.TrimSpace(ref)
	if want == "" {
		return Person{}, Invalid("person", nil, "is required: "+peopleHint(people))
	}
	for _, p := range people { // an exact id or slug always wins
		if want == p.Slug || want == strconv.FormatInt(p.ID, 10) {
			return p, nil
		}
	}
	var found []Person
	for _, p := range people {
		if strings.EqualFold(want, p.Slug) || strings.EqualFold(want, strings.TrimSpace(p.Name)) ||
			strings.EqualFold(strings.ReplaceAll(want, " ", "_"), p.Slug) {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Person{}, NotFound("No person is called %q; %s.", ref, peopleHint(people))
	}
	return Person{}, Conflict("%d people are called %q (%s); name one by slug.", len(found), ref, listPeople(found))
}

func peopleHint(people []Person) string {
	if len(people) == 0 {
		return "the household has no people yet"
	}
	return "the household has " + listPeople(people)
}

// listPeople names each person with their slug: `Anna (anna), Ben (ben)`.
func listPeople(people []Person) string {
	parts := make([]string, len(people))
	for i, p := range people {
		if p.Name == p.Slug {
			parts[i] = p.Slug
			continue
		}
		parts[i] = fmt.Sprintf("%s (%s)", p.Name, p.Slug)
	}
	return strings.Join(parts, ", ")
}
