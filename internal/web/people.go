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
		EntityID: strings.TrimSpace(r.FormValue("entity_id")), Color: strings.TrimSpace(r.FormValue("color")),
		HAUserID: strings.TrimSpace(r.FormValue("ha_user_id"))}
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
		h.personRowFailed(w, r, err)
		return
	}
	done(w, r, "/people", "Saved "+strings.TrimSpace(name))
}

// personRowFailed shows the People page with err above it: a row's own
// forms are not the add form, so their reasons do not go next to its fields.
func (h *Handler) personRowFailed(w http.ResponseWriter, r *http.Request, err error) {
	p := h.newPage(w, r, "people", "People")
	if !formFailed(p, err) {
		h.fail(w, r, err)
		return
	}
	if len(p.Errors) > 0 {
		reasons := make([]string, 0, len(p.Errors))
		for _, k := range sortedKeys(p.Errors) {
			reasons = append(reasons, p.Errors[k]) // each names its field
		}
		p.FormError = "Not saved: " + strings.Join(reasons, " ")
		p.Errors = map[string]string{}
	}
	h.showPeople(w, r, p)
}

// postPersonHAUser links the person to the HA user looking (action=me,
// under ingress only: the id is the proxy's, never the form's) or unlinks
// them (action=unlink), through the same update as the REST API's.
func (h *Handler) postPersonHAUser(w http.ResponseWriter, r *http.Request) {
	v, _ := r.Context().Value(viewerKey{}).(viewer)
	var id, msg string
	switch action := r.FormValue("action"); action {
	case "me":
		if v.UserID == "" {
			h.personRowFailed(w, r, domain.Invalid("ha_user_id", nil, "can only be linked to you when the panel is opened in Home Assistant"))
			return
		}
		id, msg = v.UserID, "The panel now opens on %s for you"
	case "unlink":
		msg = "Unlinked %s from their Home Assistant user"
	default:
		h.personRowFailed(w, r, domain.Invalid("action", action, "must be me or unlink"))
		return
	}
	p, err := h.opts.Service.UpdatePerson(r.Context(), r.PathValue("person"), app.PersonPatch{HAUserID: &id}, 0)
	if err != nil {
		h.personRowFailed(w, r, err)
		return
	}
	done(w, r, "/people", fmt.Sprintf(msg, p.Value.Name))
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
	Habits   []app.Versioned[app.StoredHabit]
	Archived []app.Versioned[app.StoredHabit]
	// Editing is the habit being edited, nil on the list.
	Editing  *app.StoredHabit
	Weekdays []weekday
	// Month is the editing habit's calendar, nil when it could not be read.
	Month *monthGrid
}

// monthGrid is a habit's month as the panel draws it: weeks from Monday,
// blank cells before the 1st and after the last day.
type monthGrid struct {
	Title      string // "March 2026"
	Month      string // 2026-03
	Prev, Next string // neighbouring months, YYYY-MM
	Amount     bool   // the habit has an amount target: setting a day asks for it
	Avoids     bool   // a limit habit: a check-in records a slip, not a done day
	Weeks      [][]monthCell
}

type monthCell struct {
	Day      string // YYYY-MM-DD; empty for padding
	N        int    // day of the month
	Status   string
	Quantity string
	Settable bool // from the habit's start to today
	Recorded bool // the day has check-ins to clear
	Today    bool
}

// habitMonth reads the calendar of month (YYYY-MM; empty: this month).
func (h *Handler) habitMonth(r *http.Request, person string, hb app.StoredHabit, month string) (*monthGrid, error) {
	today := h.opts.Service.CurrentDay()
	first := domain.NewDay(today.Year, today.Month, 1)
	if t, err := time.Parse("2006-01", month); err == nil && t.Year() >= 1970 && t.Year() < 9999 {
		first = domain.NewDay(t.Year(), t.Month(), 1)
	}
	last := domain.NewDay(first.Year, first.Month+1, 1).Add(-1)
	days, err := h.opts.Service.HabitCalendar(r.Context(), person, strconv.FormatInt(hb.ID, 10), first, last)
	if err != nil {
		return nil, err
	}
	prev := first.Add(-1)
	g := &monthGrid{Title: fmt.Sprintf("%s %d", first.Month, first.Year), Month: fmt.Sprintf("%04d-%02d", first.Year, int(first.Month)),
		Prev: fmt.Sprintf("%04d-%02d", prev.Year, int(prev.Month)), Next: fmt.Sprintf("%04d-%02d", last.Add(1).Year, int(last.Add(1).Month)),
		Amount: hb.Target.Kind != domain.TargetCheck, Avoids: hb.Avoids()}
	week := make([]monthCell, (int(first.Weekday())+6)%7) // Monday first
	for _, d := range days {
		c := monthCell{Day: d.Day.String(), N: d.Day.Day, Status: string(d.Status), Today: d.Day == today,
			Settable: !d.Day.Before(hb.Start) && !d.Day.After(today) && !hb.Archived, Recorded: d.CheckIns > 0}
		if d.Value > 0 && g.Amount {
			c.Quantity = strconv.FormatFloat(d.Value, 'f', -1, 64)
		}
		week = append(week, c)
		if len(week) == 7 {
			g.Weeks = append(g.Weeks, week)
			week = nil
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, monthCell{})
		}
		g.Weeks = append(g.Weeks, week)
	}
	return g, nil
}

// postHabitDay sets or clears one day of a habit from the month grid.
func (h *Handler) postHabitDay(w http.ResponseWriter, r *http.Request) {
	person, ref := r.FormValue("person"), r.PathValue("habit")
	back := withPerson("/habits/"+url.PathEscape(ref), person) + "&month=" + url.QueryEscape(r.FormValue("month"))
	if person == "" {
		back = "/habits/" + url.PathEscape(ref) + "?month=" + url.QueryEscape(r.FormValue("month"))
	}
	day, err := domain.ParseDay(r.PathValue("day"))
	if err != nil {
		err = domain.Invalid("day", r.PathValue("day"), "must be a date YYYY-MM-DD")
	} else if r.FormValue("action") == "clear" {
		if _, err = h.opts.Service.ClearHabitDay(r.Context(), person, ref, day); err == nil {
			done(w, r, back, "Cleared "+day.String())
			return
		}
	} else {
		var v domain.ValidationError
		qty := 0.0
		if s := strings.TrimSpace(r.FormValue("quantity")); s != "" {
			if qty, err = strconv.ParseFloat(s, 64); err != nil {
				v.Add("quantity", s, "must be a number")
			}
		}
		if err = v.Err(); err == nil {
			if _, err = h.opts.Service.SetHabitDay(r.Context(), app.SetDayInput{Person: person, Habit: ref, Day: day, Quantity: qty,
				Source: domain.SourceManual}); err == nil {
				done(w, r, back, "Set "+day.String())
				return
			}
		}
	}
	status, msg := classify(err)
	if status == http.StatusInternalServerError {
		h.fail(w, r, err)
		return
	}
	done(w, r, back, msg)
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
	h.showHabitPage(w, r, p, editing, "")
}

func (h *Handler) showHabitPage(w http.ResponseWriter, r *http.Request, p *page, editing *app.StoredHabit, month string) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := habitsData{Editing: editing, Weekdays: weekdays}
	if editing != nil && p.Person != nil {
		var err error
		if d.Month, err = h.habitMonth(r, p.Person.Slug, *editing, month); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if p.Person != nil && editing == nil {
		var err error
		if d.Habits, err = h.opts.Service.Habits(r.Context(), p.Person.Slug); err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Archived, err = h.opts.Service.ArchivedHabits(r.Context(), p.Person.Slug); err != nil {
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
	h.showHabitPage(w, r, p, &hb.Value, r.FormValue("month"))
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

func (h *Handler) postHabitUnarchive(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	hb, err := h.opts.Service.UnarchiveHabit(r.Context(), person, r.PathValue("habit"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, withPerson("/habits", person), "Brought back the habit "+hb.Value.Name)
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
