package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func (h *Handler) getPeople(w http.ResponseWriter, r *http.Request) {
	h.showPeople(w, r, h.newPage(w, r, "people", "People"))
}

func (h *Handler) showPeople(w http.ResponseWriter, r *http.Request, p *page) {
	people, err := h.opts.Service.People(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, v := range people {
		p.People = append(p.People, v.Value)
	}
	h.render(w, r, "people", p)
}

// peopleFailed shows the People page again with err on it.
func (h *Handler) peopleFailed(w http.ResponseWriter, r *http.Request, err error) {
	h.formAgain(w, r, err, "people", "People", func(p *page) { h.showPeople(w, r, p) })
}

func (h *Handler) postPerson(w http.ResponseWriter, r *http.Request) {
	in := app.PersonInput{Name: r.FormValue("name"), Slug: strings.TrimSpace(r.FormValue("slug")),
		EntityID: strings.TrimSpace(r.FormValue("entity_id")), Color: strings.TrimSpace(r.FormValue("color"))}
	created, err := h.opts.Service.CreatePerson(r.Context(), in)
	if err != nil {
		h.peopleFailed(w, r, err)
		return
	}
	done(w, r, "/people", fmt.Sprintf("Added %s", created.Value.Name))
}

func (h *Handler) postPersonRename(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("person")
	var patch app.PersonPatch
	name := r.FormValue("name")
	patch.Name = &name
	if c := strings.TrimSpace(r.FormValue("color")); c != "" {
		patch.Color = &c
	}
	_, err := h.opts.Service.UpdatePerson(r.Context(), ref, patch, 0)
	if err != nil {
		// The row's own form is not the add form: its reasons go above.
		p := h.newPage(w, r, "people", "People")
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
		if len(p.Errors) > 0 {
			reasons := make([]string, 0, len(p.Errors))
			for _, k := range sortedKeys(p.Errors) {
				reasons = append(reasons, k+" "+p.Errors[k])
			}
			p.FormError = "Not saved: " + strings.Join(reasons, "; ") + "."
			p.Errors = map[string]string{}
		}
		h.showPeople(w, r, p)
		return
	}
	done(w, r, "/people", "Saved "+strings.TrimSpace(name))
}

func (h *Handler) postPersonDelete(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("person")
	if err := h.opts.Service.DeletePerson(r.Context(), ref); err != nil {
		h.peopleFailed(w, r, err)
		return
	}
	done(w, r, "/people", "Removed the person and everything recorded about them")
}

// habitsData is the Habits page: the list and the form to add (or, on a
// habit's own page, edit) one.
type habitsData struct {
	Habits []app.Versioned[app.StoredHabit]
	// Editing is the habit being edited, nil on the list.
	Editing  *app.StoredHabit
	Weekdays []weekday
}

type weekday struct {
	N    int
	Name string
}

var weekdays = func() []weekday {
	out := make([]weekday, 7)
	for i := range 7 {
		d := time.Weekday((i + 1) % 7) // Monday first
		out[i] = weekday{N: int(d), Name: d.String()[:3]}
	}
	return out
}()

func (h *Handler) getHabits(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "habits", "Habits")
	p.Form.Set("schedule.kind", "daily")
	p.Form.Set("target.kind", "check")
	p.Form.Set("kind", "positive")
	h.showHabits(w, r, p, nil)
}

func (h *Handler) showHabits(w http.ResponseWriter, r *http.Request, p *page, editing *app.StoredHabit) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := habitsData{Editing: editing, Weekdays: weekdays}
	if p.Person != nil && editing == nil {
		var err error
		if d.Habits, err = h.opts.Service.Habits(r.Context(), p.Person.Slug); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	p.Data = d
	name := "habits"
	if editing != nil {
		name = "habit"
		p.Title = "Edit " + editing.Name
	}
	h.render(w, r, name, p)
}

// getHabit is the edit form of one habit.
func (h *Handler) getHabit(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "habits", "Habit")
	hb, err := h.opts.Service.Habit(r.Context(), r.FormValue("person"), r.PathValue("habit"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Form = habitForm(hb.Value)
	p.Form.Set("version", strconv.Itoa(hb.Version))
	h.showHabits(w, r, p, &hb.Value)
}

func (h *Handler) postHabit(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	in, err := habitInput(r)
	if err == nil {
		var created app.Versioned[app.StoredHabit]
		created, err = h.opts.Service.CreateHabit(r.Context(), person, in)
		if err == nil {
			done(w, r, withPerson("/habits", person), "Added the habit "+created.Value.Name)
			return
		}
	}
	h.formAgain(w, r, err, "habits", "Habits", func(p *page) { h.showHabits(w, r, p, nil) })
}

func (h *Handler) postHabitUpdate(w http.ResponseWriter, r *http.Request) {
	person, ref := r.FormValue("person"), r.PathValue("habit")
	cur, err := h.opts.Service.Habit(r.Context(), person, ref)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := habitInput(r)
	if err == nil {
		var v int
		if v, err = strconv.Atoi(r.FormValue("version")); err != nil {
			v = 0
		}
		_, err = h.opts.Service.UpdateHabit(r.Context(), person, ref, in, v)
		if err == nil {
			done(w, r, withPerson("/habits", person), "Saved the habit "+strings.TrimSpace(in.Name))
			return
		}
	}
	h.formAgain(w, r, err, "habits", "Habit", func(p *page) { h.showHabits(w, r, p, &cur.Value) })
}

func (h *Handler) postHabitArchive(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	if err := h.opts.Service.ArchiveHabit(r.Context(), person, r.PathValue("habit")); err != nil {
		p := h.newPage(w, r, "habits", "Habits")
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
		h.showHabits(w, r, p, nil)
		return
	}
	done(w, r, withPerson("/habits", person), "Archived the habit: its history stays")
}

// habitForm fills the form from a stored habit.
func habitForm(hb app.StoredHabit) url.Values {
	f := url.Values{
		"name": {hb.Name}, "slug": {hb.Slug}, "kind": {string(hb.Kind)},
		"schedule.kind": {string(hb.Schedule.Kind)}, "target.kind": {string(hb.Target.Kind)}, "target.unit": {hb.Target.Unit},
		"start": {hb.Start.String()},
	}
	if hb.Schedule.Times > 0 {
		f["schedule.times"] = []string{strconv.Itoa(hb.Schedule.Times)}
	}
	if hb.Schedule.Every > 0 {
		f["schedule.every"] = []string{strconv.Itoa(hb.Schedule.Every)}
	}
	for _, d := range hb.Schedule.Weekdays {
		f["schedule.weekdays"] = append(f["schedule.weekdays"], strconv.Itoa(int(d)))
	}
	if hb.Target.Kind != domain.TargetCheck {
		f["target.value"] = []string{strconv.FormatFloat(hb.Target.Value, 'f', -1, 64)}
	}
	if !hb.Window.IsZero() {
		f["window.from"] = []string{hb.Window.From.String()}
		f["window.until"] = []string{hb.Window.Until.String()}
	}
	return f
}

// habitInput reads the habit form into the app's input with the REST API's
// field names, naming every field that does not parse; the app then checks
// the rest with the same rules as for the API.
func habitInput(r *http.Request) (app.HabitInput, error) {
	var v domain.ValidationError
	in := app.HabitInput{Name: r.FormValue("name"), Slug: strings.TrimSpace(r.FormValue("slug")),
		Kind:     domain.HabitKind(r.FormValue("kind")),
		Schedule: domain.Schedule{Kind: domain.ScheduleKind(r.FormValue("schedule.kind"))},
		Target:   domain.Target{Kind: domain.TargetKind(r.FormValue("target.kind")), Unit: strings.TrimSpace(r.FormValue("target.unit"))}}
	if in.Kind == "" {
		in.Kind = domain.HabitPositive
	}
	if in.Target.Kind == "" {
		in.Target.Kind = domain.TargetCheck
	}
	switch in.Schedule.Kind {
	case domain.ScheduleWeekdays:
		for _, s := range r.Form["schedule.weekdays"] {
			d, err := strconv.Atoi(s)
			if err != nil || d < 0 || d > 6 {
				v.Add("schedule.weekdays", s, "must be weekdays from 0 (Sunday) to 6 (Saturday)")
				continue
			}
			in.Schedule.Weekdays = append(in.Schedule.Weekdays, time.Weekday(d))
		}
	case domain.ScheduleTimesPerWeek, domain.ScheduleTimesPerMonth:
		in.Schedule.Times = formInt(&v, r, "schedule.times")
	case domain.ScheduleEveryNDays:
		in.Schedule.Every = formInt(&v, r, "schedule.every")
	}
	if in.Target.Kind != domain.TargetCheck {
		s := strings.TrimSpace(r.FormValue("target.value"))
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			v.Add("target.value", s, "must be a number")
		}
		in.Target.Value = x
	}
	from, until := strings.TrimSpace(r.FormValue("window.from")), strings.TrimSpace(r.FormValue("window.until"))
	if from != "" || until != "" {
		f, err := domain.ParseClock(from)
		if err != nil {
			v.Add("window.from", from, "must be a time HH:MM")
		}
		u, err := domain.ParseClock(until)
		if err != nil {
			v.Add("window.until", until, "must be a time HH:MM up to 24:00")
		}
		in.Window = domain.TimeWindow{From: f, Until: u}
	}
	if s := strings.TrimSpace(r.FormValue("start")); s != "" {
		d, err := domain.ParseDay(s)
		if err != nil {
			v.Add("start", s, "must be a date YYYY-MM-DD")
		}
		in.Start = d
	}
	return in, v.Err()
}

// formInt reads a whole number; empty is 0, which the app's rules refuse
// where a number is needed.
func formInt(v *domain.ValidationError, r *http.Request, field string) int {
	s := strings.TrimSpace(r.FormValue(field))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(field, s, "must be a whole number")
	}
	return n
}
