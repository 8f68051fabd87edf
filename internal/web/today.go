package web

import (
	"crypto/rand"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// funcs are the helpers every template may call.
var funcs = template.FuncMap{
	"pct": func(f float64) int { return int(math.Round(f * 100)) },
	"seq": func(from, to int) []int {
		var out []int
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	},
	"num": func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
	"title": func(s string) string {
		s = strings.ReplaceAll(s, "_", " ")
		return upperFirst(s)
	},
	"add":  func(a, b int) int { return a + b },
	"list": func(s ...string) []string { return s },
	// gauge is the stroke-dasharray of a score ring of radius 52.
	"gauge": func(score int) string {
		c := 2 * math.Pi * 52
		return fmt.Sprintf("%.1f %.1f", c*float64(score)/100, c)
	},
	"hasInt": func(list []string, v int) bool {
		for _, s := range list {
			if s == strconv.Itoa(v) {
				return true
			}
		}
		return false
	},
}

// todayData is the Today page.
type todayData struct {
	View     app.TodayView
	Timeline []timelineRow
	Habits   []habitRow
	// XPPercent places the person on the way to the next level.
	XPPercent int
	// Key makes this rendering's check-in forms idempotent: a double click
	// or a re-sent post records one check-in; the next rendering has a new key.
	Key string
	// Activities are the types the activity form offers.
	Activities []activityChoice
	// History is the score of the last historyDays as a chart.
	History template.HTML
}

type timelineRow struct {
	ItemID  int64
	Time    string
	Title   string
	Routine string
	Status  routine.Status
	Open    bool
	XP      int
}

type habitRow struct {
	ID       int64
	Name     string
	Status   domain.DayStatus
	Streak   int
	Best     int
	AtRisk   bool
	Target   string
	Quantity bool // the target counts an amount: the check-in asks for one
	Negative bool
}

func (h *Handler) getToday(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "today", "Today")
	h.showToday(w, r, p)
}

func (h *Handler) showToday(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Person == nil {
		h.render(w, r, "today", p)
		return
	}
	ctx := r.Context()
	ref := p.Person.Slug
	view, err := h.opts.Service.Today(ctx, ref)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	entries, err := h.opts.Service.Timeline(ctx, ref, view.Day)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := todayData{View: view, Key: rand.Text()}
	if total := view.XPIntoLevel + view.XPToNext; total > 0 {
		d.XPPercent = int(100 * view.XPIntoLevel / total)
	}
	loc := h.opts.Location()
	for _, e := range entries {
		d.Timeline = append(d.Timeline, timelineRow{ItemID: e.ItemID, Time: e.Planned.In(loc).Format("15:04"), Title: e.Title,
			Routine: e.RoutineName, Status: e.Status, Open: e.Open(), XP: e.XP})
	}
	for _, ht := range view.Habits {
		hb := ht.Habit
		row := habitRow{ID: hb.ID, Name: hb.Name, Status: ht.Result.Status, Streak: ht.Streak.Current, Best: ht.Streak.Best,
			AtRisk: ht.Streak.AtRisk, Target: targetText(hb.Habit), Negative: hb.Kind == domain.HabitNegative,
			Quantity: hb.Target.Kind != domain.TargetCheck}
		d.Habits = append(d.Habits, row)
	}
	types, err := h.opts.Service.ActivityTypes(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, t := range types {
		d.Activities = append(d.Activities, activityChoice{Key: t.Key, Name: t.Name, Unit: string(t.Unit)})
	}
	from := view.Day.Add(-(historyDays - 1))
	stored, err := h.opts.Service.ScoreHistory(ctx, ref, from, view.Day)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	byDay := map[domain.Day]app.StoredScore{}
	for _, s := range stored {
		byDay[s.Day] = s
	}
	var days []domain.Day
	for day := from; !day.After(view.Day); day = day.Add(1) {
		days = append(days, day)
	}
	d.History = scoreChart(days, byDay)
	p.Data = d
	p.Title = "Today · " + p.Person.Name
	h.render(w, r, "today", p)
}

// targetText says what a day of the habit asks for.
func targetText(hb domain.Habit) string {
	unit := ""
	if hb.Target.Unit != "" {
		unit = " " + hb.Target.Unit
	}
	switch hb.Target.Kind {
	case domain.TargetAtLeast:
		return "at least " + strconv.FormatFloat(hb.Target.Value, 'f', -1, 64) + unit
	case domain.TargetAtMost:
		return "at most " + strconv.FormatFloat(hb.Target.Value, 'f', -1, 64) + unit
	}
	if hb.Kind == domain.HabitNegative {
		return "avoid"
	}
	return "once"
}

func (h *Handler) postCheckIn(w http.ResponseWriter, r *http.Request) {
	person, habit := r.FormValue("person"), r.FormValue("habit")
	in := app.CheckInInput{Person: person, Habit: habit, Source: domain.SourceManual}
	if k := r.FormValue("key"); k != "" && len(k) <= 64 {
		in.IdempotencyKey = "web:" + k + ":" + habit
	}
	var err error
	if q := strings.TrimSpace(r.FormValue("quantity")); q != "" {
		in.Quantity, err = strconv.ParseFloat(q, 64)
		if err != nil || math.IsNaN(in.Quantity) || math.IsInf(in.Quantity, 0) {
			err = domain.Invalid("quantity", q, "must be a number")
		}
	}
	var res app.CheckInResult
	if err == nil {
		res, err = h.opts.Service.CheckIn(r.Context(), in)
	}
	if err != nil {
		h.formAgain(w, r, err, "today", "Today", func(p *page) { h.showToday(w, r, p) })
		return
	}
	if res.Replayed {
		done(w, r, withPerson("/", person), "Already checked in "+res.Habit.Name+" from this page")
		return
	}
	msg := fmt.Sprintf("Checked in %s: +%d XP", res.Habit.Name, res.XP)
	if res.Streak.Current > 1 {
		msg += fmt.Sprintf(", %d-day streak", res.Streak.Current)
	}
	done(w, r, withPerson("/", person), msg)
}

func (h *Handler) postTimeline(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	res, err := h.opts.Service.SetItemStatus(r.Context(), app.ItemStatusInput{Person: person, Item: r.FormValue("item"),
		Status: routine.Status(r.FormValue("status")), Source: domain.SourceManual})
	if err != nil {
		h.formAgain(w, r, err, "today", "Today", func(p *page) { h.showToday(w, r, p) })
		return
	}
	var msg string
	switch res.Entry.Status {
	case routine.StatusDone:
		msg = fmt.Sprintf("%s done: +%d XP", res.Entry.Title, res.XP)
	case routine.StatusSkipped:
		msg = res.Entry.Title + " skipped"
	default:
		msg = res.Entry.Title + " is " + string(res.Entry.Status) + " again"
	}
	done(w, r, withPerson("/", person), msg)
}
