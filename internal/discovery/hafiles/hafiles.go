// Package hafiles writes the Home Assistant files of homeassistant/ for a
// household: the dashboard (one view per person with their habits and
// today's routine), the Assist sentences with the household's people,
// habits, amounts and activity types, and the package of scripts and
// intent scripts with the voice default person.
//
// Entity ids come from the discovery payloads LifeOps publishes
// (discovery.Configs), never spelled out a second time, so a generated
// dashboard names exactly the entities HA gets.
package hafiles

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
)

//go:embed package.yaml
var packageYAML string

//go:embed sentences.yaml
var sentencesYAML string

// File names the generated files, as the command, the API and the panel
// call them.
const (
	FileDashboard = "dashboard"
	FileSentences = "sentences"
	FilePackage   = "package"
)

// FileNames lists the files Generate writes, in the order a household sets
// them up.
func FileNames() []string { return []string{FilePackage, FileSentences, FileDashboard} }

// Languages are the languages the sentences are written in.
func Languages() []string { return []string{"en"} }

// Household is what the files are written for: the household as the
// discovery payloads announce it, the habits that take an amount, and the
// activity types.
type Household struct {
	Discovery discovery.Household
	// Amounts are the habits with an amount target (at least or at most),
	// by habit id.
	Amounts map[int64]Amount
	// ActivityTypes are the catalogue's types, shipped and the household's.
	ActivityTypes []ActivityType
}

// Amount is a habit's target amount.
type Amount struct {
	Value float64
	Unit  string // free text as the household wrote it ("l", "glasses")
}

// ActivityType is an activity type as voice names it.
type ActivityType struct {
	Key  string
	Name string
}

// Options choose what the files say.
type Options struct {
	// Language of the sentences; empty means "en".
	Language string
	// VoicePerson is the person "my" means in a sentence (id, slug or
	// name); empty means the first person.
	VoicePerson string
}

// Files are the generated files.
type Files struct {
	Dashboard []byte
	Sentences []byte
	Package   []byte
	// Paths are where each goes under HA's configuration folder.
	Paths map[string]string
}

// Get returns one file by its name (FileNames).
func (f Files) Get(name string) ([]byte, bool) {
	switch name {
	case FileDashboard:
		return f.Dashboard, true
	case FileSentences:
		return f.Sentences, true
	case FilePackage:
		return f.Package, true
	}
	return nil, false
}

// Source is what Read needs of the app; *app.Service satisfies it.
type Source interface {
	discovery.Source
	ActivityTypes(ctx context.Context) ([]domain.ActivityType, error)
	Habits(ctx context.Context, personRef string) ([]app.Versioned[app.StoredHabit], error)
}

var _ Source = (*app.Service)(nil)

// Read reads the household as the discovery bridge announces it, plus the
// habits' amounts and the activity types.
func Read(ctx context.Context, src Source, version, baseTopic, prefix string) (Household, error) {
	b := discovery.NewBridge(discovery.BridgeOptions{Source: src, Version: version, BaseTopic: baseTopic, Prefix: prefix})
	dh, err := b.Household(ctx)
	if err != nil {
		return Household{}, err
	}
	h := Household{Discovery: dh, Amounts: map[int64]Amount{}}
	for _, p := range dh.People {
		habits, err := src.Habits(ctx, strconv.FormatInt(p.ID, 10))
		if err != nil {
			return Household{}, fmt.Errorf("habits of %s: %w", p.Slug, err)
		}
		for _, hb := range habits {
			if t := hb.Value.Target; t.Kind == domain.TargetAtLeast || t.Kind == domain.TargetAtMost {
				h.Amounts[hb.Value.ID] = Amount{Value: t.Value, Unit: t.Unit}
			}
		}
	}
	types, err := src.ActivityTypes(ctx)
	if err != nil {
		return Household{}, err
	}
	for _, t := range types {
		h.ActivityTypes = append(h.ActivityTypes, ActivityType{Key: t.Key, Name: t.Name})
	}
	return h, nil
}

// Generate writes the files for h.
func Generate(h Household, o Options) (Files, error) {
	if o.Language == "" {
		o.Language = "en"
	}
	if !slices.Contains(Languages(), o.Language) {
		return Files{}, invalid("language", o.Language, "must be one of "+strings.Join(Languages(), ", ")+" (the languages the sentences are written in)")
	}
	if len(h.Discovery.People) == 0 {
		return Files{}, invalid("people", nil, "the household has nobody yet; add a person first, the files are written for the people LifeOps has")
	}
	if err := h.Discovery.Validate(); err != nil {
		return Files{}, err
	}
	voice := h.Discovery.People[0]
	if o.VoicePerson != "" {
		p, ok := findPerson(h.Discovery.People, o.VoicePerson)
		if !ok {
			names := make([]string, len(h.Discovery.People))
			for i, p := range h.Discovery.People {
				names[i] = p.Slug
			}
			return Files{}, invalid("voice_person", o.VoicePerson, "must be a person's id, slug or name: "+strings.Join(names, ", "))
		}
		voice = p
	}
	ids, err := entityIDs(h.Discovery)
	if err != nil {
		return Files{}, err
	}
	return Files{
		Dashboard: dashboard(h, ids),
		Sentences: sentences(h),
		Package:   []byte(strings.Replace(packageYAML, "__VOICE_PERSON__", strconv.FormatInt(voice.ID, 10), 1)),
		Paths: map[string]string{
			FilePackage:   "packages/lifeops.yaml",
			FileSentences: "custom_sentences/" + o.Language + "/lifeops.yaml",
			FileDashboard: "dashboards/lifeops.yaml",
		},
	}, nil
}

// invalid is a bad option: it names the field, the value and what is allowed.
func invalid(field string, value any, reason string) error {
	v := &domain.ValidationError{}
	v.Add(field, value, reason)
	return v
}

// Generator writes one file at a time for the household in the database:
// what the command, the REST API and the panel call.
type Generator struct {
	Source    Source
	Version   string
	BaseTopic string
	Prefix    string
}

// File writes the file name (one of FileNames) and says where it goes
// under HA's configuration folder.
func (g Generator) File(ctx context.Context, name, language, voicePerson string) (path string, content []byte, err error) {
	if !slices.Contains(FileNames(), name) {
		return "", nil, invalid("file", name, "must be one of "+strings.Join(FileNames(), ", "))
	}
	h, err := Read(ctx, g.Source, g.Version, g.BaseTopic, g.Prefix)
	if err != nil {
		return "", nil, err
	}
	files, err := Generate(h, Options{Language: language, VoicePerson: voicePerson})
	if err != nil {
		return "", nil, err
	}
	content, _ = files.Get(name)
	return files.Paths[name], content, nil
}

func findPerson(people []discovery.Person, ref string) (discovery.Person, bool) {
	for _, p := range people {
		if strconv.FormatInt(p.ID, 10) == ref || p.Slug == ref {
			return p, true
		}
	}
	for _, p := range people {
		if strings.EqualFold(p.Name, strings.TrimSpace(ref)) || strings.EqualFold(p.Slug, strings.TrimSpace(ref)) {
			return p, true
		}
	}
	return discovery.Person{}, false
}

// entityIDs reads, from the discovery payloads themselves, each person's
// entity ids by component key (life_score, habit_<id>_streak, …).
func entityIDs(h discovery.Household) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	for _, m := range discovery.Configs(h) {
		var p struct {
			Device struct {
				Identifiers []string `json:"identifiers"`
			} `json:"device"`
			Components map[string]struct {
				DefaultEntityID string `json:"default_entity_id"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			return nil, fmt.Errorf("discovery payload %s: %w", m.Topic, err)
		}
		if len(p.Device.Identifiers) == 0 {
			continue
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(p.Device.Identifiers[0], "lifeops_"), 10, 64)
		if err != nil {
			continue // the household device
		}
		ids := map[string]string{}
		for key, c := range p.Components {
			ids[key] = c.DefaultEntityID
		}
		out[id] = ids
	}
	return out, nil
}

// --- YAML writing ------------------------------------------------------------

// q writes s as a YAML scalar: plain when that reads back as the same
// string, else double-quoted (a JSON string is a valid YAML one).
func q(s string) string {
	plain := s != "" && s == strings.TrimSpace(s)
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' ||
			(i > 0 && (r == ' ' || r == '-' || r == '(' || r == ')' || r == '\''))
		if !ok {
			plain = false
			break
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		plain = false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		plain = false
	}
	if plain {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

type writer struct{ strings.Builder }

func (w *writer) line(indent int, format string, a ...any) {
	w.WriteString(strings.Repeat("  ", indent))
	fmt.Fprintf(w, format, a...)
	w.WriteByte('\n')
}

// --- dashboard ---------------------------------------------------------------

const dashboardHeader = `# LifeOps dashboard: one view per person, core cards only. Generated by
# LifeOps for this household (` + "`lifeops ha dashboard`" + `, GET /api/v1/ha/dashboard or
# the panel's "Home Assistant" page): generate it again after adding people,
# habits or routine items.
#
# Add it as a YAML dashboard in configuration.yaml:
#
#   lovelace:
#     dashboards:
#       lifeops:
#         mode: yaml
#         title: LifeOps
#         icon: mdi:sword
#         filename: dashboards/lifeops.yaml
#
# Habits with a target amount show today's total (their number entity, where
# any amount can be typed) on a button that logs a portion (an eighth of the
# target) through script.lifeops_check_in from packages/lifeops.yaml.
`

func dashboard(h Household, ids map[int64]map[string]string) []byte {
	var w writer
	w.WriteString(dashboardHeader)
	w.line(0, "title: LifeOps")
	w.line(0, "views:")
	for i, p := range h.Discovery.People {
		e := ids[p.ID]
		icon := "mdi:account-outline"
		if i == 0 {
			icon = "mdi:account"
		}
		w.line(1, "- title: %s", q(p.Name))
		w.line(2, "path: %s", q(strings.ReplaceAll(p.Slug, "-", "_")))
		w.line(2, "icon: %s", icon)
		w.line(2, "cards:")
		w.line(3, "- type: gauge")
		w.line(4, "name: Life score")
		w.line(4, "entity: %s", e["life_score"])
		w.line(4, "min: 0")
		w.line(4, "max: 100")
		w.line(4, "needle: true")
		w.line(4, "severity:")
		w.line(5, "red: 0")
		w.line(5, "yellow: 45")
		w.line(5, "green: 70")
		w.line(3, "- type: markdown")
		w.line(4, "title: Today")
		w.line(4, "content: >-")
		w.line(5, "{{ state_attr('%s', 'explanation') or 'No score yet today.' }}", e["life_score"])
		w.line(3, "- type: history-graph")
		w.line(4, "title: Life score, last 14 days")
		w.line(4, "hours_to_show: 336")
		w.line(4, "entities:")
		w.line(5, "- entity: %s", e["life_score"])
		w.line(6, "name: Life score")
		w.line(5, "- entity: %s", e["mood"])
		w.line(6, "name: Mood")
		w.line(3, "- type: markdown")
		w.line(4, "title: Insights")
		w.line(4, "content: |")
		w.line(5, "{%% for i in state_attr('%s', 'insights') or [] %%}", e["top_insight"])
		w.line(5, "- {{ i.sentence }}")
		w.line(5, "{%% else %%}No insight yet: variables need 21 days.{%% endfor %%}")
		w.line(3, "- type: entities")
		w.line(4, "title: Character")
		w.line(4, "entities:")
		for _, row := range [][2]string{{"level", "Level"}, {"xp", "XP"}, {"xp_to_next_level", "XP to next level"}, {"unspent_points", "Unspent points"}} {
			w.line(5, "- entity: %s", e[row[0]])
			w.line(6, "name: %s", row[1])
		}
		w.line(5, "- type: divider")
		for _, s := range discovery.Stats() {
			w.line(5, "- entity: %s", e["stat_"+strings.ToLower(string(s))])
			w.line(6, "name: %s", s)
		}
		if len(p.Habits) > 0 {
			w.line(3, "- type: entities")
			w.line(4, "title: Streaks")
			w.line(4, "entities:")
			for _, hb := range p.Habits {
				key := "habit_" + strconv.FormatInt(hb.ID, 10)
				w.line(5, "- entity: %s", e[key+"_streak"])
				w.line(6, "name: %s", q(hb.Name))
				w.line(5, "- type: attribute")
				w.line(6, "entity: %s", e[key+"_streak"])
				w.line(6, "attribute: best")
				w.line(6, "name: %s", q(hb.Name+", best"))
				w.line(6, "suffix: \" d\"")
				w.line(5, "- entity: %s", e[key+"_done_today"])
				if hb.Negative {
					w.line(6, "name: Avoided today")
				} else {
					w.line(6, "name: Done today")
				}
			}
		}
		w.line(3, "- type: entities")
		w.line(4, "title: Today's routine")
		w.line(4, "entities:")
		w.line(5, "- entity: %s", e["routine_progress"])
		w.line(6, "name: Progress")
		w.line(5, "- entity: %s", e["routine_next_item"])
		w.line(6, "name: Next")
		for _, it := range p.RoutineItems {
			w.line(5, "- entity: %s", e["routine_item_"+strconv.FormatInt(it.ID, 10)+"_complete"])
			w.line(6, "name: %s", q(it.Title))
			w.line(6, "action_name: Done")
		}
		w.line(5, "- entity: %s", e["vacation"])
		w.line(6, "name: On vacation")
		if len(p.Habits) > 0 {
			w.line(3, "- type: grid")
			w.line(4, "title: Check in")
			w.line(4, "columns: 3")
			w.line(4, "square: false")
			w.line(4, "cards:")
			for _, hb := range p.Habits {
				key := "habit_" + strconv.FormatInt(hb.ID, 10)
				if a, ok := h.Amounts[hb.ID]; ok {
					// A habit of amounts has no check-in button: its number
					// entity shows today's total, and a tap logs a portion.
					portion := Portion(a.Value)
					w.line(5, "- type: button")
					w.line(6, "entity: %s", e[key+"_amount"])
					w.line(6, "show_state: true")
					w.line(6, "name: %s", q(fmt.Sprintf("%s +%s %s", hb.Name, strconv.FormatFloat(portion, 'f', -1, 64), a.Unit)))
					w.line(6, "tap_action:")
					w.line(7, "action: perform-action")
					w.line(7, "perform_action: script.lifeops_check_in")
					w.line(7, "data:")
					w.line(8, "person: %q", strconv.FormatInt(p.ID, 10))
					w.line(8, "habit: %s", q(hb.Slug))
					w.line(8, "quantity: %s", strconv.FormatFloat(portion, 'f', -1, 64))
					continue
				}
				button := e[key+"_check_in"]
				w.line(5, "- type: button")
				w.line(6, "entity: %s", button)
				w.line(6, "name: %s", q(hb.Name))
				w.line(6, "tap_action:")
				w.line(7, "action: perform-action")
				w.line(7, "perform_action: button.press")
				w.line(7, "target:")
				w.line(8, "entity_id: %s", button)
			}
		}
		w.line(3, "- type: logbook")
		w.line(4, "title: Recent achievements and level-ups")
		w.line(4, "hours_to_show: 168")
		w.line(4, "entities:")
		w.line(5, "- %s", e["events"])
	}
	return []byte(w.String())
}

// Portion is what one tap of a habit's amount button logs: an eighth of
// the target (a glass of a 2 l water habit), rounded to two significant
// digits, and at least 0.01.
func Portion(target float64) float64 {
	if !(target > 0) || math.IsInf(target, 0) {
		return 1
	}
	v := target / 8
	mag := math.Pow(10, math.Floor(math.Log10(v))-1)
	v = math.Round(v/mag) * mag
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 2, 64), 64)
	return max(v, 0.01)
}

// --- sentences ---------------------------------------------------------------

// unitWords are the spoken forms of the units the intent script converts
// between (its factors table), by the unit's short name.
var unitWords = []struct {
	unit, family string
	words        []string
}{
	{"ml", "volume", []string{"ml", "milliliter", "milliliters", "millilitre", "millilitres"}},
	{"cl", "volume", []string{"cl", "centiliter", "centiliters", "centilitre", "centilitres"}},
	{"dl", "volume", []string{"dl", "deciliter", "deciliters", "decilitre", "decilitres"}},
	{"l", "volume", []string{"l", "liter", "liters", "litre", "litres"}},
	{"glass", "volume", []string{"glass", "glasses"}},
	{"cup", "volume", []string{"cup", "cups"}},
	{"g", "mass", []string{"g", "gram", "grams"}},
	{"kg", "mass", []string{"kg", "kilogram", "kilograms", "kilo", "kilos"}},
	{"m", "distance", []string{"m", "meter", "meters", "metre", "metres"}},
	{"km", "distance", []string{"km", "kilometer", "kilometers", "kilometre", "kilometres"}},
	{"min", "time", []string{"min", "minute", "minutes"}},
	{"h", "time", []string{"h", "hour", "hours"}},
}

// UnitOf is the short name the intent script knows a habit's unit by ("l"
// for "litres", "glass" for "glasses"), or the unit as written, in lower
// case, when it is none of them.
func UnitOf(unit string) string {
	u := strings.ToLower(strings.TrimSpace(unit))
	for _, uw := range unitWords {
		if slices.Contains(uw.words, u) {
			return uw.unit
		}
	}
	return u
}

type listValue struct{ in, out string }

func sentences(h Household) []byte {
	var people, habits, amounts, units, activities []listValue
	seen := map[string]map[string]bool{}
	add := func(list *[]listValue, name, in, out string) {
		in = strings.TrimSpace(in)
		key := strings.ToLower(in)
		if in == "" {
			return
		}
		if seen[name] == nil {
			seen[name] = map[string]bool{}
		}
		if seen[name][key] {
			return // the first of two people's habits of one name wins
		}
		seen[name][key] = true
		*list = append(*list, listValue{in, out})
	}
	families := map[string]bool{}
	// "Ana" for Ana Lúcia, as people say it, unless two people share it.
	firstNames := map[string]int{}
	for _, p := range h.Discovery.People {
		firstNames[strings.ToLower(firstName(p.Name))]++
		firstNames[strings.ToLower(strings.TrimSpace(p.Name))]++
	}
	for _, p := range h.Discovery.People {
		add(&people, "person", p.Name, strconv.FormatInt(p.ID, 10))
		if first := firstName(p.Name); first != "" && firstNames[strings.ToLower(first)] == 1 {
			add(&people, "person", first, strconv.FormatInt(p.ID, 10))
		}
		for _, hb := range p.Habits {
			add(&habits, "habit", hb.Name, hb.Slug)
			a, ok := h.Amounts[hb.ID]
			if !ok {
				continue
			}
			unit := UnitOf(a.Unit)
			if unit == "" {
				continue // an amount without a unit cannot be spoken
			}
			out := hb.Slug + ":" + unit
			add(&amounts, "quantity_habit", hb.Name, out)
			if rest, ok := objectOf(hb.Name); ok {
				add(&amounts, "quantity_habit", rest, out) // "water" for "Drink water"
			}
			known := false
			for _, uw := range unitWords {
				if uw.unit == unit {
					families[uw.family], known = true, true
				}
			}
			if !known {
				add(&units, "unit", unit, unit)
			}
		}
	}
	for _, uw := range unitWords {
		if families[uw.family] {
			for _, word := range uw.words {
				add(&units, "unit", word, uw.unit)
			}
		}
	}
	for _, t := range h.ActivityTypes {
		add(&activities, "activity", t.Name, t.Key)
		add(&activities, "activity", strings.ReplaceAll(t.Key, "_", " "), t.Key)
		if g, ok := gerund(t.Name); ok {
			add(&activities, "activity", g, t.Key) // "30 minutes of running"
		}
	}
	var w writer
	list := func(name string, values []listValue) {
		w.line(1, "%s:", name)
		if len(values) == 0 {
			w.line(2, "values: []")
			return
		}
		w.line(2, "values:")
		for _, v := range values {
			w.line(3, "- in: %s", dq(v.in))
			w.line(4, "out: %s", dq(v.out))
		}
	}
	list("person", people)
	list("habit", habits)
	list("quantity_habit", amounts)
	list("unit", units)
	list("activity", activities)
	return []byte(strings.Replace(sentencesYAML, "  # __LISTS__\n", w.String(), 1))
}

// gerund is how a short one-word activity is said after "minutes of":
// running for Run, walking for Walk, hiking for Hike.
func gerund(name string) (string, bool) {
	w := strings.ToLower(strings.TrimSpace(name))
	n := len(w)
	if n < 3 || n > 5 || strings.HasSuffix(w, "ing") || strings.ContainsFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) {
		return "", false
	}
	vowel := func(b byte) bool { return strings.IndexByte("aeiou", b) >= 0 }
	last := w[n-1]
	switch {
	case last == 'e' && w[n-2] != 'e':
		return w[:n-1] + "ing", true // hike
	case vowel(last):
		return "", false // yoga, judo: said as they are
	case last == 'y' || last == 'w' || last == 'x' || !vowel(w[n-2]) || vowel(w[n-3]):
		return w + "ing", true // row, walk, read, cook
	default:
		return w + string(last) + "ing", true // run, swim, jog
	}
}

// firstName is the first word of a name of several, "" for one word.
func firstName(name string) string {
	first, _, ok := strings.Cut(strings.TrimSpace(name), " ")
	if !ok {
		return ""
	}
	return strings.TrimRight(first, ":;,.")
}

// dq double-quotes s as YAML (and JSON) does.
func dq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// objectOf is what a habit named after a verb is about: "water" for "Drink
// water", so "I drank 2 glasses of water" finds it.
func objectOf(name string) (string, bool) {
	verb, rest, ok := strings.Cut(strings.TrimSpace(name), " ")
	if !ok {
		return "", false
	}
	switch strings.ToLower(verb) {
	case "drink", "eat", "take", "walk", "read", "do", "have":
		return strings.TrimSpace(rest), strings.TrimSpace(rest) != ""
	}
	return "", false
}
