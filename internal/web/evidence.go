package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

// evidenceData is the Evidence rules page: each rule with when it last
// matched, the recent matches, and the form to add a rule.
type evidenceData struct {
	Rules   []ruleRow
	Matches []matchRow
	Habits  []app.Versioned[app.StoredHabit]
	// Sensors are what the sources list (HA's entities, Zigbee2MQTT's
	// properties) and what LifeOps has readings of: the picker of the
	// sensor fields.
	Sensors []sensorOption
	// Lists says which sources have listed their sensors (new keys of
	// theirs are checked against the list) and which have not.
	Lists []string
	// Items are the titles of the person's routine items: the picker of
	// the routine item field.
	Items []string
}

type sensorOption struct {
	Sensor string
	Label  string // "Bed occupancy · on · 2026-03-01 07:12", without the name when it has none
}

// sourceNames are the sources of sensor lists as people know them.
var sourceNames = []struct{ key, name, what, one string }{
	{evidence.SourceHA, "Home Assistant", "entities", "entity"},
	{evidence.SourceZigbee2MQTT, "Zigbee2MQTT", "properties", "property"},
}

type ruleRow struct {
	ID          int64
	Name        string
	Sensors     string
	When        string
	Action      string
	Enabled     bool
	LastMatched string // "" when never
}

type matchRow struct {
	ID      int64
	Rule    string
	At      string
	Sensor  string
	State   string
	Did     string
	Error   string
	Undone  bool
	Undoing bool // the match did something that can be undone
}

// recentMatches is how many matches the page lists.
const recentMatches = 20

func (h *Handler) getEvidence(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "evidence", "Evidence rules")
	p.Form.Set("condition.op", "on")
	p.Form.Set("action.kind", "check_in")
	p.Form.Set("enabled", "on")
	h.showEvidence(w, r, p)
}

func (h *Handler) showEvidence(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	var d evidenceData
	if p.Person != nil {
		ctx, ref, loc := r.Context(), p.Person.Slug, h.opts.Location()
		rules, err := h.opts.Service.Rules(ctx, ref)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Habits, err = h.opts.Service.Habits(ctx, ref); err != nil {
			h.fail(w, r, err)
			return
		}
		archived, err := h.opts.Service.ArchivedHabits(ctx, ref)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		habitNames := map[string]string{}
		for _, hb := range append(slices.Clone(d.Habits), archived...) {
			habitNames[strconv.FormatInt(hb.Value.ID, 10)] = hb.Value.Name
		}
		sensors, err := h.opts.Service.Sensors(ctx, app.SensorFilter{})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, s := range sensors {
			var label []string
			if s.Name != "" {
				label = append(label, s.Name)
			}
			if s.At != nil {
				label = append(label, s.State, stamp(*s.At, loc))
			}
			d.Sensors = append(d.Sensors, sensorOption{Sensor: s.Sensor, Label: strings.Join(label, " · ")})
		}
		lists, err := h.opts.Service.SensorSources(ctx)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, src := range sourceNames {
			i := slices.IndexFunc(lists, func(l app.SensorSourceList) bool { return l.Source == src.key })
			if i < 0 {
				d.Lists = append(d.Lists, fmt.Sprintf("%s has not listed its %s yet: any key of the right shape is taken.", src.name, src.what))
				continue
			}
			what := src.what
			if lists[i].Sensors == 1 {
				what = src.one
			}
			d.Lists = append(d.Lists, fmt.Sprintf("%s listed %d %s at %s; a rule may name one of them or a sensor LifeOps has readings of.",
				src.name, lists[i].Sensors, what, stamp(lists[i].ListedAt, loc)))
		}
		routines, err := h.opts.Service.ListRoutines(ctx, ref)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, rt := range routines {
			for _, it := range rt.Value.Items {
				if !slices.Contains(d.Items, it.Title) {
					d.Items = append(d.Items, it.Title)
				}
			}
		}
		names := map[int64]string{}
		for _, v := range rules {
			rl := v.Value
			names[rl.ID] = rl.Name
			row := ruleRow{ID: rl.ID, Name: rl.Name, Sensors: strings.Join(rl.Sensors, ", "), When: ruleWhen(rl), Action: ruleAction(rl.Action, habitNames), Enabled: rl.Enabled}
			last, err := h.opts.Service.Matches(ctx, ref, rl.ID, 0, 1)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if len(last) > 0 {
				row.LastMatched = stamp(last[0].MatchedAt, loc)
			}
			d.Rules = append(d.Rules, row)
		}
		matches, err := h.opts.Service.Matches(ctx, ref, 0, 0, recentMatches)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, m := range matches {
			name := names[m.RuleID]
			if name == "" {
				name = fmt.Sprintf("rule %d (removed)", m.RuleID)
			}
			d.Matches = append(d.Matches, matchRow{ID: m.ID, Rule: name, At: stamp(m.MatchedAt, loc), Sensor: m.Sensor, State: m.State,
				Did: matchDid(m), Error: m.Error, Undone: m.UndoneAt != nil,
				Undoing: m.UndoneAt == nil && (m.CheckInID != 0 || m.ActivityID != 0 || m.ItemID != 0)})
		}
	}
	p.Data = d
	h.render(w, r, "evidence", p)
}

func ruleWhen(rl evidence.Rule) string {
	s := string(rl.Condition.Op)
	if rl.Condition.Value != "" {
		s += " " + rl.Condition.Value
	}
	if rl.For > 0 {
		s += " for " + rl.For.String()
	}
	if rl.Window != nil {
		s += fmt.Sprintf(", %s–%s", rl.Window.Start, rl.Window.End)
	}
	return s
}

// ruleAction says what a rule does, naming its habit: a check-in rule
// stores the habit's id (a rename keeps it working), names maps ids to
// names.
func ruleAction(a evidence.Action, names map[string]string) string {
	switch a.Kind {
	case evidence.ActionCheckIn:
		if name, ok := names[a.Habit]; ok {
			return "check in " + name
		}
		return "check in a habit that is gone (" + a.Habit + ")"
	case evidence.ActionRoutineItem:
		return "complete " + a.Item
	case evidence.ActionActivity:
		return "log " + a.Activity
	}
	return string(a.Kind)
}

func matchDid(m app.EvidenceMatch) string {
	var did []string
	if m.CheckInID != 0 {
		did = append(did, "checked in")
	}
	if m.ActivityID != 0 {
		did = append(did, "logged an activity")
	}
	if m.ItemID != 0 {
		did = append(did, "completed a routine item")
	}
	if m.Quantity != nil {
		did = append(did, "quantity "+strconv.FormatFloat(*m.Quantity, 'f', -1, 64))
	}
	return strings.Join(did, ", ")
}

func (h *Handler) postRule(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	in, err := ruleInput(r)
	if err == nil {
		var created app.Versioned[evidence.Rule]
		created, err = h.opts.Service.CreateRule(r.Context(), person, in)
		if err == nil {
			done(w, r, withPerson("/evidence", person), "Added the rule "+created.Value.Name)
			return
		}
	}
	h.evidenceFailed(w, r, err)
}

func (h *Handler) evidenceFailed(w http.ResponseWriter, r *http.Request, err error) {
	h.formAgain(w, r, err, "evidence", "Evidence rules", func(p *page) { h.showEvidence(w, r, p) })
}

func (h *Handler) postRuleDelete(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	id, err := strconv.ParseInt(r.PathValue("rule"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound, "no such rule")
		return
	}
	if err := h.opts.Service.DeleteRule(r.Context(), person, id); err != nil {
		h.evidenceFailed(w, r, err)
		return
	}
	done(w, r, withPerson("/evidence", person), "Removed the rule; its matches stay")
}

func (h *Handler) postMatchUndo(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	id, err := strconv.ParseInt(r.PathValue("match"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound, "no such match")
		return
	}
	if _, err := h.opts.Service.UndoMatch(r.Context(), person, id); err != nil {
		h.evidenceFailed(w, r, err)
		return
	}
	done(w, r, withPerson("/evidence", person), "Undid what the match did")
}

// ruleInput reads the rule form with the REST API's field names. Sensors
// come from one or more sensor fields, each holding one key or several
// separated by commas or lines; the duration is in seconds, as
// the API's for_seconds.
func ruleInput(r *http.Request) (app.RuleInput, error) {
	var v domain.ValidationError
	in := app.RuleInput{Name: r.FormValue("name"), Enabled: r.FormValue("enabled") != "",
		Condition: evidence.Condition{Op: evidence.Op(r.FormValue("condition.op")), Value: strings.TrimSpace(r.FormValue("condition.value"))},
		Action: evidence.Action{Kind: evidence.ActionKind(r.FormValue("action.kind")), Habit: strings.TrimSpace(r.FormValue("action.habit")),
			Item: strings.TrimSpace(r.FormValue("action.item")), Activity: strings.TrimSpace(r.FormValue("action.activity"))}}
	// Only the target field of the chosen action counts: the form shows
	// all three.
	switch in.Action.Kind {
	case evidence.ActionCheckIn:
		in.Action.Item, in.Action.Activity = "", ""
	case evidence.ActionRoutineItem:
		in.Action.Habit, in.Action.Activity = "", ""
	case evidence.ActionActivity:
		in.Action.Habit, in.Action.Item = "", ""
	}
	for _, field := range r.Form["sensors"] {
		for _, s := range strings.FieldsFunc(field, func(c rune) bool { return c == ',' || c == '\n' || c == '\r' }) {
			if s = strings.TrimSpace(s); s != "" {
				in.Sensors = append(in.Sensors, s)
			}
		}
	}
	if s := strings.TrimSpace(r.FormValue("for_seconds")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > int64(evidence.MaxFor/time.Second) {
			v.Add("for_seconds", s, "must be whole seconds between 0 and 86400")
		}
		in.For = time.Duration(n) * time.Second
	}
	start, end := strings.TrimSpace(r.FormValue("window.start")), strings.TrimSpace(r.FormValue("window.end"))
	if start != "" || end != "" {
		st, err := domain.ParseClock(start)
		if err != nil {
			v.Add("window.start", start, "must be a time HH:MM")
		}
		en, err := domain.ParseClock(end)
		if err != nil {
			v.Add("window.end", end, "must be a time HH:MM up to 24:00")
		}
		in.Window = &evidence.Window{Start: st, End: en}
	}
	if k := r.FormValue("action.quantity.kind"); k != "" {
		q := &evidence.Quantity{Kind: evidence.QuantityKind(k)}
		if s := strings.TrimSpace(r.FormValue("action.quantity.value")); s != "" {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				v.Add("action.quantity.value", s, "must be a number")
			}
			q.Value = x
		}
		in.Action.Quantity = q
	}
	return in, v.Err()
}
