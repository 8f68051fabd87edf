package addontest

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/postgres"
)

// published is what LifeOps publishes to Home Assistant, as the code
// generates it: the entities of a household (with their attributes), the
// event entity's types, and the action events with their fields.
type published struct {
	catalog discovery.Catalog
	actions map[string][]hass.ActionField
}

// demoPublished seeds the demo household (Alex and Sam, the people the HA
// files are written for) in a fresh database and reads it the way the entity
// bridge announces it.
func demoPublished(t *testing.T) published {
	t.Helper()
	return publishedBy(t, demoService(t))
}

// demoService is a service over a fresh database holding the demo household.
func demoService(t *testing.T) *app.Service {
	t.Helper()
	svc := newService(t)
	if err := svc.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

// newService is a service over a fresh, empty database.
func newService(t *testing.T) *app.Service {
	t.Helper()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	return app.New(app.Options{Store: postgres.NewStore(dbtest.New(t)), Logger: zerolog.Nop(), Tree: tree,
		Location: func() *time.Location { return time.UTC }})
}

// publishedBy reads svc's household the way the entity bridge announces it.
func publishedBy(t *testing.T, svc *app.Service) published {
	t.Helper()
	ctx := context.Background()
	b := discovery.NewBridge(discovery.BridgeOptions{Source: svc, Version: "0.0.0", BaseTopic: "lifeops", Prefix: "homeassistant"})
	h, err := b.Household(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	return published{catalog: discovery.NewCatalog(h), actions: hass.ActionFields()}
}

// haFiles reads every file under homeassistant/, keyed by its path relative
// to the repository root.
func haFiles(t *testing.T) map[string][]byte {
	t.Helper()
	root := repoRoot(t)
	files := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(root, "homeassistant"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestHomeAssistantFilesNameWhatLifeOpsPublishes(t *testing.T) {
	t.Parallel()
	files := haFiles(t)
	for _, want := range []string{
		"homeassistant/packages/lifeops.yaml",
		"homeassistant/custom_sentences/en/lifeops.yaml",
		"homeassistant/dashboards/lifeops.yaml",
		"homeassistant/blueprints/automation/lifeops/bedtime_wind_down.yaml",
		"homeassistant/blueprints/automation/lifeops/morning_brief.yaml",
		"homeassistant/blueprints/automation/lifeops/low_readiness_day.yaml",
		"homeassistant/blueprints/automation/lifeops/streak_at_risk.yaml",
		"homeassistant/blueprints/automation/lifeops/level_up_celebration.yaml",
	} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s is missing", want)
		}
	}
	pub := demoPublished(t)
	c := checkHA(files, pub)
	for _, p := range c.problems {
		t.Error(p)
	}
	// The walk must have seen what it checks, or it passes on nothing.
	if c.entities < 60 || c.intents < 9 || c.scripts != len(hass.ActionEvents()) || c.blueprints != 5 || c.eventTypes < 2 {
		t.Errorf("checked only %d entity ids, %d intents, %d scripts, %d blueprints, %d event types",
			c.entities, c.intents, c.scripts, c.blueprints, c.eventTypes)
	}
	t.Logf("checked %d entity ids, %d intents, %d scripts, %d blueprints, %d event types against %d published entities",
		c.entities, c.intents, c.scripts, c.blueprints, c.eventTypes, len(pub.catalog.Entities))
}

// TestHomeAssistantCheckerCatchesMistakes: each one-word slip in the real
// files must be reported.
func TestHomeAssistantCheckerCatchesMistakes(t *testing.T) {
	t.Parallel()
	files := haFiles(t)
	pub := demoPublished(t)
	tests := []struct {
		file, old, new, want string
	}{
		{"homeassistant/dashboards/lifeops.yaml", "sensor.lifeops_alex_life_score", "sensor.lifeops_alex_life_scroe", "life_scroe"},
		{"homeassistant/dashboards/lifeops.yaml", "button.lifeops_sam_journal_check_in", "button.lifeops_sam_jounral_check_in", "jounral"},
		{"homeassistant/packages/lifeops.yaml", "['sensor', 'xp_to_next_level']", "['sensor', 'xp_to_next_lvl']", "xp_to_next_lvl"},
		{"homeassistant/packages/lifeops.yaml", "~ '_streak']", "~ '_streek']", "_streek"},
		{"homeassistant/packages/lifeops.yaml", "{% set w = action_response %}", "{% set w = action_response %}{{ states('sensor.lifeops_' ~ person ~ '_level') }}", "builds an entity id from a slug"},
		{"homeassistant/custom_sentences/en/lifeops.yaml", "{amount} {unit} [of] {quantity_habit} [for", "{amount} {units} [of] {quantity_habit} [for", "units"},
		{"homeassistant/packages/lifeops.yaml", "quantity: \"{{ quantity }}\"", "amount: \"{{ quantity }}\"", "amount"},
		{"homeassistant/packages/lifeops.yaml", "'explanation'", "'explanations'", "explanations"},
		{"homeassistant/packages/lifeops.yaml", "      duration_min:\n        name: Minutes", "      duration_mins:\n        name: Minutes", "duration_mins"},
		{"homeassistant/packages/lifeops.yaml", "event: lifeops_log_mood", "event: lifeops_log_moods", "lifeops_log_moods"},
		{"homeassistant/packages/lifeops.yaml", "          node: \"{{ node }}\"", "          nodes: \"{{ node }}\"", "nodes"},
		{"homeassistant/packages/lifeops.yaml", "  LifeOpsLevel:", "  LifeOpsLevels:", "LifeOpsLevel"},
		{"homeassistant/packages/lifeops.yaml", "action: script.lifeops_check_in", "action: script.lifeops_checkin", "lifeops_checkin"},
		{"homeassistant/custom_sentences/en/lifeops.yaml", "{minutes} minutes of {activity} [for", "{minute} minutes of {activity} [for", "minute"},
		{"homeassistant/custom_sentences/en/lifeops.yaml", "\"I did [my] {habit}\"", "\"I did [my] {activity}\"", "slot activity"},
		{"homeassistant/packages/lifeops.yaml", "minutes of {{ activity | replace('_', ' ') }}.", "minutes of {{ item | replace('_', ' ') }}.", "slot item"},
		{"homeassistant/blueprints/automation/lifeops/level_up_celebration.yaml", "event_type == 'level_up'", "event_type == 'levelup'", "levelup"},
		{"homeassistant/blueprints/automation/lifeops/streak_at_risk.yaml", "at: !input remind_at", "at: !input remind_time", "remind_time"},
		{"homeassistant/blueprints/automation/lifeops/streak_at_risk.yaml", "'attributes.at_risk'", "'attributes.at_rsik'", "at_rsik"},
		{"homeassistant/blueprints/automation/lifeops/morning_brief.yaml", "domain: automation", "domain: automaton", "domain"},
		{"homeassistant/blueprints/automation/lifeops/low_readiness_day.yaml", "reason: rest", "reason: rest\n          duration: 1", "duration"},
		{"homeassistant/blueprints/automation/lifeops/bedtime_wind_down.yaml", "        time:\n", "        clock:\n", "clock"},
	}
	for _, tt := range tests {
		mutated := map[string][]byte{}
		for k, v := range files {
			mutated[k] = v
		}
		orig := string(files[tt.file])
		if !strings.Contains(orig, tt.old) {
			t.Errorf("%s no longer contains %q: update the mistake", tt.file, tt.old)
			continue
		}
		mutated[tt.file] = []byte(strings.Replace(orig, tt.old, tt.new, 1))
		got := strings.Join(checkHA(mutated, pub).problems, "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q → %q went unnoticed; problems:\n%s", tt.file, tt.old, tt.new, got)
		}
	}
}

// haCheck collects the problems of the files and counts what was checked.
type haCheck struct {
	pub        published
	problems   []string
	entities   int
	intents    int
	scripts    int
	blueprints int
	eventTypes int

	allAttributes map[string]bool
	scriptFields  map[string]map[string]bool // script object id → fields
	scriptNeeds   map[string][]string        // script object id → required fields
	intentSlots   map[string]map[string]bool // intent → the slots its sentences fill
	intentCode    map[string]string          // intent → the Jinja code of its intent_script
}

func (c *haCheck) bad(file, format string, a ...any) {
	c.problems = append(c.problems, file+": "+fmt.Sprintf(format, a...))
}

func checkHA(files map[string][]byte, pub published) *haCheck {
	c := &haCheck{pub: pub, allAttributes: map[string]bool{}, scriptFields: map[string]map[string]bool{}, scriptNeeds: map[string][]string{},
		intentSlots: map[string]map[string]bool{}, intentCode: map[string]string{}}
	for _, e := range pub.catalog.Entities {
		for _, a := range e.Attributes {
			c.allAttributes[a] = true
		}
	}
	docs := map[string]*yaml.Node{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		switch filepath.Ext(name) {
		case ".yaml":
		case ".md":
			continue
		default:
			c.bad(name, "only YAML files and README.md belong under homeassistant/")
			continue
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(files[name], &doc); err != nil {
			c.bad(name, "%v", err)
			continue
		}
		if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
			c.bad(name, "top level is not a mapping")
			continue
		}
		docs[name] = doc.Content[0]
	}
	// Scripts first: intent_script and blueprints call them.
	var sentences, intentScripts []string
	for _, name := range names {
		if root := docs[name]; root != nil && strings.HasPrefix(name, "homeassistant/packages/") {
			c.checkScripts(name, get(root, "script"))
			is := get(root, "intent_script")
			for _, in := range keys(is) {
				intentScripts = append(intentScripts, in)
				c.intentCode[in] = jinja(get(is, in))
			}
		}
	}
	for _, name := range names {
		root := docs[name]
		if root == nil {
			continue
		}
		switch {
		case strings.HasPrefix(name, "homeassistant/custom_sentences/"):
			sentences = append(sentences, c.checkSentences(name, root)...)
		case strings.HasPrefix(name, "homeassistant/blueprints/"):
			c.checkBlueprint(name, root)
		}
		c.walk(name, root)
	}
	c.intents = len(sentences)
	c.checkSlots()
	for _, in := range sentences {
		if !slices.Contains(intentScripts, in) {
			c.bad("homeassistant/packages", "intent %s has sentences but no intent_script", in)
		}
	}
	for _, in := range intentScripts {
		if !slices.Contains(sentences, in) {
			c.bad("homeassistant/custom_sentences", "intent_script %s has no sentences", in)
		}
	}
	return c
}

// --- YAML node helpers -----------------------------------------------------

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// get is m[key] for a mapping node, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return nil
}

func keys(m *yaml.Node) []string {
	m = resolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i].Value)
	}
	return out
}

func scalar(n *yaml.Node) string {
	if n = resolve(n); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// strs is a scalar or a sequence of scalars as a list.
func strs(n *yaml.Node) []string {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, x := range n.Content {
		out = append(out, scalar(x))
	}
	return out
}

// --- the walk over every node ------------------------------------------------

var (
	// Jinja string concatenation, 'sensor.lifeops_' ~ p ~ '_level', is
	// rewritten to 'sensor.lifeops_{{p}}_level' before ids are looked for.
	concatMiddle = regexp.MustCompile(`['"]\s*~\s*([A-Za-z_][\w.]*)\s*~\s*['"]`)
	concatEnd    = regexp.MustCompile(`['"]\s*~\s*([A-Za-z_][\w.]*)`)
	// Placeholders in descriptions: sensor.lifeops_<person>_life_score.
	placeholder  = regexp.MustCompile(`<[a-z][a-z ]*>`)
	entityRef    = regexp.MustCompile(`\b(sensor|binary_sensor|button|select|switch|event)\.lifeops_(?:[a-z0-9_]|\{\{[^}]*\}\})*`)
	templatePart = regexp.MustCompile(`\{\{[^}]*\}\}`)
	stateAttr    = regexp.MustCompile(`state_attr\(\s*([^,()]+?)\s*,\s*'(\w+)'\s*\)`)
	attrAccess   = regexp.MustCompile(`(\w+)?\.?attributes\.(\w+)`)
	eventTypeCmp = regexp.MustCompile(`event_type\s*[!=]=\s*['"](\w+)['"]`)
	scriptRef    = regexp.MustCompile(`\bscript\.(lifeops_\w+)`)
	// The voice scripts' find_person step picks a person's entity by its
	// platform and the end of its id: ['sensor', 'life_score'], or
	// ['sensor', (habit …) ~ '_streak'] for a habit's.
	wantedEntity = regexp.MustCompile(`\[\s*'(sensor|binary_sensor|button|select|switch|event)'\s*,\s*(?:'(\w+)'|[^\]]*~\s*'_(\w+)')\s*\]`)
)

func normalize(s string) string {
	for {
		next := concatMiddle.ReplaceAllString(s, "{{$1}}")
		next = concatEnd.ReplaceAllString(next, "{{$1}}'")
		next = placeholder.ReplaceAllString(next, "{{x}}")
		if next == s {
			return s
		}
		s = next
	}
}

// matching lists the catalog entities an id (possibly with {{…}} parts)
// can stand for.
func (c *haCheck) matching(ref string) []discovery.CatalogEntity {
	parts := templatePart.Split(ref, -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re := regexp.MustCompile(`^` + strings.Join(parts, `[a-z0-9_]+`) + `$`)
	var out []discovery.CatalogEntity
	for _, e := range c.pub.catalog.Entities {
		if re.MatchString(e.EntityID) {
			out = append(out, e)
		}
	}
	return out
}

func (c *haCheck) walk(file string, n *yaml.Node) {
	n = resolve(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		c.checkString(file, n.Value)
	case yaml.SequenceNode:
		for _, x := range n.Content {
			c.walk(file, x)
		}
	case yaml.MappingNode:
		c.checkMapping(file, n)
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.walk(file, n.Content[i+1])
		}
	}
}

func (c *haCheck) checkString(file, s string) {
	s = normalize(s)
	for _, ref := range entityRef.FindAllString(s, -1) {
		c.entities++
		if len(c.matching(ref)) == 0 {
			c.bad(file, "%s is not an entity LifeOps publishes", ref)
		}
		// HA keeps an entity's id when the person's slug changes, so an id
		// built from the slug finds nothing after a rename.
		if strings.HasPrefix(file, "homeassistant/packages/") && strings.Contains(ref, "{{") {
			c.bad(file, "%s builds an entity id from a slug: find the entity by the person's device instead", ref)
		}
	}
	for _, m := range wantedEntity.FindAllStringSubmatch(s, -1) {
		c.entities++
		ref := m[1] + ".lifeops_{{x}}_" + cmp.Or(m[2], "{{x}}_"+m[3])
		if len(c.matching(ref)) == 0 {
			c.bad(file, "no %s LifeOps publishes has an id ending in _%s", m[1], cmp.Or(m[2], m[3]))
		}
	}
	for _, m := range stateAttr.FindAllStringSubmatch(s, -1) {
		arg, attr := strings.Trim(m[1], `'"`), m[2]
		if ents := c.matching(arg); strings.HasPrefix(m[1], "'") && entityRef.MatchString(arg) && len(ents) > 0 {
			if !slices.ContainsFunc(ents, func(e discovery.CatalogEntity) bool { return slices.Contains(e.Attributes, attr) }) {
				c.bad(file, "%s has no attribute %s", arg, attr)
			}
		} else if !c.allAttributes[attr] {
			c.bad(file, "no LifeOps entity has an attribute %s (state_attr(%s, …))", attr, m[1])
		}
	}
	for _, m := range attrAccess.FindAllStringSubmatch(s, -1) {
		if m[1] == "this" { // the automation's own attributes
			continue
		}
		if !c.allAttributes[m[2]] {
			c.bad(file, "no LifeOps entity has an attribute %s", m[2])
		}
	}
	for _, m := range eventTypeCmp.FindAllStringSubmatch(s, -1) {
		c.checkEventType(file, m[1])
	}
	for _, m := range scriptRef.FindAllStringSubmatch(s, -1) {
		if _, ok := c.scriptFields[m[1]]; !ok {
			c.bad(file, "script.%s is not a script of packages/lifeops.yaml", m[1])
		}
	}
}

func (c *haCheck) checkEventType(file, t string) {
	c.eventTypes++
	if !slices.Contains(discovery.EventTypes(), discovery.EventType(t)) {
		c.bad(file, "event type %s is not one the event entity fires (%v)", t, discovery.EventTypes())
	}
}

func (c *haCheck) checkMapping(file string, m *yaml.Node) {
	// Firing an action event.
	if ev := scalar(get(m, "event")); ev != "" {
		fields, ok := c.pub.actions[ev]
		if !ok {
			c.bad(file, "event %s is not a LifeOps action (%v)", ev, hass.ActionEvents())
		} else {
			c.checkEventData(file, ev, fields, keys(get(m, "event_data")))
		}
	}
	// Listening to a bus event.
	if t := scalar(get(m, "trigger")) + scalar(get(m, "platform")); t == "event" {
		for _, ev := range strs(get(m, "event_type")) {
			if strings.HasPrefix(ev, "lifeops_") && ev != hass.ResultEvent && !slices.Contains(hass.ActionEvents(), ev) {
				c.bad(file, "event %s is never fired on the bus by LifeOps or its scripts", ev)
			}
			if ev == hass.ResultEvent {
				for _, k := range keys(get(m, "event_data")) {
					if !slices.Contains(hass.ResultFields(), k) {
						c.bad(file, "%s carries no field %s (%v)", ev, k, hass.ResultFields())
					}
				}
			}
		}
	}
	// A state trigger or condition on the event entity's event_type.
	if scalar(get(m, "attribute")) == "event_type" {
		for _, k := range []string{"to", "from", "state"} {
			for _, t := range strs(get(m, k)) {
				c.checkEventType(file, t)
			}
		}
	}
	// Calling one of the package's scripts: its fields, and what it needs.
	if a := scalar(get(m, "action")); strings.HasPrefix(a, "script.lifeops_") {
		id := strings.TrimPrefix(a, "script.")
		if fields, ok := c.scriptFields[id]; ok {
			data := keys(get(m, "data"))
			for _, k := range data {
				if !fields[k] {
					c.bad(file, "%s has no field %s", a, k)
				}
			}
			for _, need := range c.scriptNeeds[id] {
				if !slices.Contains(data, need) {
					c.bad(file, "%s is called without its required field %s", a, need)
				}
			}
		}
	}
	// A dashboard row or card showing one attribute of an entity.
	if attr, ent := scalar(get(m, "attribute")), scalar(get(m, "entity")); attr != "" && strings.Contains(ent, ".lifeops_") {
		ents := c.matching(ent)
		if len(ents) > 0 && !slices.ContainsFunc(ents, func(e discovery.CatalogEntity) bool { return slices.Contains(e.Attributes, attr) }) {
			c.bad(file, "%s has no attribute %s", ent, attr)
		}
	}
	// A trigger on an attribute of an entity given as a blueprint input.
	if attr := scalar(get(m, "attribute")); attr != "" && attr != "event_type" && get(m, "entity_id") != nil &&
		get(m, "entity_id").Tag == "!input" && !c.allAttributes[attr] {
		c.bad(file, "no LifeOps entity has an attribute %s", attr)
	}
}

// checkEventData: the data an action event is fired with are its fields,
// all of its required ones among them.
func (c *haCheck) checkEventData(file, ev string, fields []hass.ActionField, data []string) {
	for _, k := range data {
		if k != hass.RequestIDField && !slices.ContainsFunc(fields, func(f hass.ActionField) bool { return f.Name == k }) {
			c.bad(file, "%s has no field %s", ev, k)
		}
	}
	for _, f := range fields {
		if f.Required && !slices.Contains(data, f.Name) {
			c.bad(file, "%s is fired without its required field %s", ev, f.Name)
		}
	}
}

// checkScripts: one script per action; its fields are exactly the action's,
// required exactly when the action requires them, and it fires the action
// with every field.
func (c *haCheck) checkScripts(file string, scripts *yaml.Node) {
	covered := map[string]bool{}
	for _, id := range keys(scripts) {
		s := get(scripts, id)
		var fired []*yaml.Node
		var find func(n *yaml.Node)
		find = func(n *yaml.Node) {
			n = resolve(n)
			if n == nil {
				return
			}
			if n.Kind == yaml.MappingNode && scalar(get(n, "event")) != "" {
				fired = append(fired, n)
			}
			for _, x := range n.Content {
				find(x)
			}
		}
		find(get(s, "sequence"))
		fields := map[string]bool{}
		var needs []string
		for _, f := range keys(get(s, "fields")) {
			fields[f] = true
			fn := get(get(s, "fields"), f)
			if scalar(get(fn, "required")) == "true" {
				needs = append(needs, f)
			}
			if sel := get(fn, "selector"); sel == nil || len(keys(sel)) != 1 {
				c.bad(file, "script %s field %s needs exactly one selector", id, f)
			}
			if scalar(get(fn, "name")) == "" {
				c.bad(file, "script %s field %s has no name", id, f)
			}
		}
		c.scriptFields[id], c.scriptNeeds[id] = fields, needs
		// The step that fires the action is sent again, as the very same
		// step (an alias, so with the same request_id), when no answer
		// came: fired twice, one node.
		sends := len(fired)
		fired = slices.CompactFunc(fired, func(a, b *yaml.Node) bool { return a == b })
		if len(fired) != 1 {
			continue
		}
		if _, isAction := c.pub.actions[scalar(get(fired[0], "event"))]; isAction && sends != 2 {
			c.bad(file, "script %s fires its action %d times: once, then once more with the same request_id when no answer came", id, sends)
		}
		ev := scalar(get(fired[0], "event"))
		actionFields, ok := c.pub.actions[ev]
		if !ok {
			continue // the walk reports the unknown event
		}
		if id != ev {
			c.bad(file, "script %s fires %s: name it after the action", id, ev)
		}
		c.scripts++
		covered[ev] = true
		data := keys(get(fired[0], "event_data"))
		for _, f := range actionFields {
			if !fields[f.Name] {
				c.bad(file, "script %s lacks the field %s of %s", id, f.Name, ev)
			}
			if slices.Contains(needs, f.Name) != f.Required {
				c.bad(file, "script %s field %s: required is %v, the action says %v", id, f.Name, slices.Contains(needs, f.Name), f.Required)
			}
			if !slices.Contains(data, f.Name) {
				c.bad(file, "script %s does not pass %s on to %s", id, f.Name, ev)
			}
		}
		for f := range fields {
			if !slices.ContainsFunc(actionFields, func(a hass.ActionField) bool { return a.Name == f }) {
				c.bad(file, "script %s field %s is not a field of %s", id, f, ev)
			}
		}
	}
	for _, ev := range hass.ActionEvents() {
		if !covered[ev] {
			c.bad(file, "no script fires %s", ev)
		}
	}
}

var (
	slotRef = regexp.MustCompile(`\{(\w+)(?::(\w+))?\}`)
	ruleRef = regexp.MustCompile(`<(\w+)>`)
)

// checkSentences returns the intents of a custom sentences file after
// checking that every list and expansion rule its sentences use exists.
func (c *haCheck) checkSentences(file string, root *yaml.Node) []string {
	if scalar(get(root, "language")) == "" {
		c.bad(file, "language is missing")
	}
	lists := map[string]bool{"name": true, "area": true, "floor": true} // HA's own
	for _, l := range keys(get(root, "lists")) {
		lists[l] = true
	}
	rules := map[string]bool{}
	for _, r := range keys(get(root, "expansion_rules")) {
		rules[r] = true
	}
	check := func(where, s string) {
		for _, m := range slotRef.FindAllStringSubmatch(s, -1) {
			if !lists[m[1]] {
				c.bad(file, "%s: list {%s} is not defined", where, m[1])
			}
		}
		for _, m := range ruleRef.FindAllStringSubmatch(s, -1) {
			if !rules[m[1]] {
				c.bad(file, "%s: expansion rule <%s> is not defined", where, m[1])
			}
		}
	}
	for _, r := range keys(get(root, "expansion_rules")) {
		check("expansion rule "+r, scalar(get(get(root, "expansion_rules"), r)))
	}
	// slotsOf lists the slots a sentence fills, through expansion rules too.
	var slotsOf func(s string, depth int) []string
	slotsOf = func(s string, depth int) []string {
		var out []string
		for _, m := range slotRef.FindAllStringSubmatch(s, -1) {
			out = append(out, cmp.Or(m[2], m[1]))
		}
		for _, m := range ruleRef.FindAllStringSubmatch(s, -1) {
			if depth < 5 {
				out = append(out, slotsOf(scalar(get(get(root, "expansion_rules"), m[1])), depth+1)...)
			}
		}
		return out
	}
	intents := keys(get(root, "intents"))
	for _, in := range intents {
		filled := map[string]bool{}
		c.intentSlots[in] = filled
		blocks := get(get(root, "intents"), in)
		data := get(blocks, "data")
		if data == nil || len(data.Content) == 0 {
			c.bad(file, "intent %s has no data", in)
			continue
		}
		for _, block := range data.Content {
			ss := strs(get(block, "sentences"))
			if len(ss) == 0 {
				c.bad(file, "intent %s has a block without sentences", in)
			}
			for _, s := range ss {
				check("intent "+in, s)
				for _, slot := range slotsOf(s, 0) {
					filled[slot] = true
				}
			}
			for _, slot := range keys(get(block, "slots")) {
				filled[slot] = true
			}
		}
	}
	return intents
}

// selectors HA knows (homeassistant/helpers/selector.py).
var selectors = []string{"action", "addon", "area", "assist_pipeline", "attribute", "backup_location", "boolean",
	"color_rgb", "color_temp", "condition", "config_entry", "constant", "conversation_agent", "country", "date",
	"datetime", "device", "duration", "entity", "floor", "icon", "label", "language", "location", "media",
	"navigation", "number", "object", "qr_code", "select", "state", "statistic", "target", "template", "text",
	"theme", "time", "trigger", "ui_action", "ui_color"}

// checkBlueprint: valid blueprint metadata, every input with a name and one
// known selector, every !input used declared and every declared one used.
func (c *haCheck) checkBlueprint(file string, root *yaml.Node) {
	c.blueprints++
	bp := get(root, "blueprint")
	if bp == nil {
		c.bad(file, "no blueprint: metadata")
		return
	}
	for _, k := range []string{"name", "description"} {
		if strings.TrimSpace(scalar(get(bp, k))) == "" {
			c.bad(file, "blueprint.%s is missing", k)
		}
	}
	want := strings.Split(strings.TrimPrefix(file, "homeassistant/blueprints/"), "/")[0]
	if d := scalar(get(bp, "domain")); d != want {
		c.bad(file, "blueprint.domain is %q, want %q (the folder it is in)", d, want)
	}
	if u, err := url.Parse(scalar(get(bp, "source_url"))); err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Path, "/"+file) {
		c.bad(file, "blueprint.source_url %q must be an https URL ending in /%s", scalar(get(bp, "source_url")), file)
	}
	declared := map[string]bool{}
	var collect func(in *yaml.Node)
	collect = func(in *yaml.Node) {
		for _, name := range keys(in) {
			n := get(in, name)
			if sub := get(n, "input"); sub != nil { // a section of inputs
				collect(sub)
				continue
			}
			declared[name] = true
			if scalar(get(n, "name")) == "" {
				c.bad(file, "input %s has no name", name)
			}
			sel := keys(get(n, "selector"))
			if len(sel) != 1 || !slices.Contains(selectors, sel[0]) {
				c.bad(file, "input %s: selector %v must be one of HA's selectors", name, sel)
			}
		}
	}
	collect(get(bp, "input"))
	if len(declared) == 0 {
		c.bad(file, "blueprint.input declares nothing")
	}
	used := map[string]bool{}
	var find func(n *yaml.Node)
	find = func(n *yaml.Node) {
		n = resolve(n)
		if n == nil {
			return
		}
		if n.Tag == "!input" {
			used[n.Value] = true
			if !declared[n.Value] {
				c.bad(file, "!input %s is not declared in blueprint.input", n.Value)
			}
		}
		for _, x := range n.Content {
			find(x)
		}
	}
	find(root)
	for name := range declared {
		if !used[name] {
			c.bad(file, "input %s is declared but never used", name)
		}
	}
	if get(root, "triggers") == nil && get(root, "trigger") == nil {
		c.bad(file, "no triggers")
	}
	if get(root, "actions") == nil && get(root, "action") == nil {
		c.bad(file, "no actions")
	}
}

var (
	jinjaCode = regexp.MustCompile(`\{\{.*?\}\}|\{%.*?%\}`)
	jinjaName = regexp.MustCompile(`[A-Za-z_]\w*`)
)

// jinja is the template code (inside {{ }} and {% %}) of every string under n.
func jinja(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return strings.Join(jinjaCode.FindAllString(strings.ReplaceAll(n.Value, "\n", " "), -1), " ")
	}
	var b strings.Builder
	for _, x := range n.Content {
		b.WriteString(jinja(x) + " ")
	}
	return b.String()
}

// checkSlots: an intent_script uses every slot its sentences fill, and a
// slot it reads that no sentence of its intent fills must be guarded
// (x is defined, x | default): otherwise it renders empty.
func (c *haCheck) checkSlots() {
	every := map[string]bool{}
	for _, slots := range c.intentSlots {
		for s := range slots {
			every[s] = true
		}
	}
	for in, code := range c.intentCode {
		filled, ok := c.intentSlots[in]
		if !ok {
			continue // reported as an intent_script without sentences
		}
		used := map[string]bool{}
		for _, w := range jinjaName.FindAllString(code, -1) {
			used[w] = true
		}
		for s := range filled {
			if !used[s] {
				c.bad("homeassistant/packages", "intent_script %s never uses the slot %s its sentences fill", in, s)
			}
		}
		for s := range used {
			guarded := regexp.MustCompile(`\b` + s + `\s*(\|\s*default\b|is\s+defined\b)`).MatchString(code)
			if every[s] && !filled[s] && !guarded {
				c.bad("homeassistant/packages", "intent_script %s reads the slot %s, which no sentence of %s fills", in, s, in)
			}
		}
	}
}
