package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

type routinesData struct {
	Routines  []routineRow
	Weekdays  []weekday
	MaxItemXP int
	// DailyXPCeiling is the most XP a day credits, whatever the items pay.
	DailyXPCeiling int
}

type routineRow struct {
	ID       int64
	Name     string
	Schedule string
	Items    []string
}

func (h *Handler) getRoutines(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "routines", "Routines")
	p.Form.Set("schedule.kind", "daily")
	p.Form.Set("grace_min", strconv.Itoa(routine.DefaultGraceMin))
	p.Form.Set("xp", "10")
	h.showRoutines(w, r, p)
}

func (h *Handler) showRoutines(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := routinesData{Weekdays: weekdays, MaxItemXP: routine.MaxItemXP, DailyXPCeiling: domain.DailyXPCeiling}
	if p.Person != nil {
		list, err := h.opts.Service.ListRoutines(r.Context(), p.Person.Slug)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, v := range list {
			rt := v.Value
			row := routineRow{ID: rt.ID, Name: rt.Name, Schedule: scheduleText(rt.Schedule)}
			for _, it := range rt.Items {
				line := anchorText(it.Anchor) + "  " + it.Title
				if it.XP > 0 {
					line += fmt.Sprintf("  +%d XP", it.XP)
				}
				line += fmt.Sprintf(" (grace %d min)", it.Grace())
				row.Items = append(row.Items, line)
			}
			d.Routines = append(d.Routines, row)
		}
	}
	p.Data = d
	h.render(w, r, "routines", p)
}

func scheduleText(s routine.Schedule) string {
	switch s.Kind {
	case routine.ScheduleDaily:
		return "every day"
	case routine.ScheduleWeekdays:
		return "Monday to Friday"
	case routine.ScheduleDays:
		names := make([]string, len(s.Days))
		for i, d := range s.Days {
			names[i] = d.String()[:3]
		}
		return strings.Join(names, ", ")
	case routine.ScheduleEveryNDays:
		return fmt.Sprintf("every %d days from %s", s.Every, s.Anchor)
	case routine.ScheduleRRule:
		return s.RRule
	}
	return string(s.Kind)
}

func anchorText(a routine.Anchor) string {
	if a.Kind == routine.AnchorWake {
		return fmt.Sprintf("wake%+d", a.OffsetMin)
	}
	return a.At.String()
}

func (h *Handler) postRoutine(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	in, err := routineInput(r)
	if err == nil {
		var created app.Versioned[routine.Routine]
		created, err = h.opts.Service.CreateRoutine(r.Context(), person, in)
		if err == nil {
			done(w, r, withPerson("/routines", person), "Added the routine "+created.Value.Name)
			return
		}
	}
	h.formAgain(w, r, err, "routines", "Routines", func(p *page) { h.showRoutines(w, r, p) })
}

func (h *Handler) postRoutineDelete(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	id, err := strconv.ParseInt(r.PathValue("routine"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound, "no such routine")
		return
	}
	if err := h.opts.Service.DeleteRoutine(r.Context(), person, id); err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, withPerson("/routines", person), "Removed the routine; its past timeline stays")
}

// itemXP is a line's own XP at its end: "07:30 Stretch +15 XP".
var itemXP = regexp.MustCompile(`(?i)\s+\+(\d+)\s*xp$`)

// routineInput reads the routine form: a name, a schedule, the XP each item
// pays unless its line says otherwise, and one item a line, "07:30 Title"
// (a clock time) or "wake+15 Title" (minutes after waking up), optionally
// ending in "+15 XP". The XP limit is the domain's (routine.Validate), so
// the form and the REST API refuse the same values.
func routineInput(r *http.Request) (app.RoutineInput, error) {
	var v domain.ValidationError
	defaultXP := 0
	if s := strings.TrimSpace(r.FormValue("xp")); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			v.Add("xp", s, fmt.Sprintf("must be a whole number of XP from 0 to %d", routine.MaxItemXP))
		case n < 0 || n > routine.MaxItemXP:
			v.Add("xp", n, fmt.Sprintf("must be from 0 to %d XP; items pay at most %d", routine.MaxItemXP, routine.MaxItemXP))
		default:
			defaultXP = n
		}
	}
	in := app.RoutineInput{Name: r.FormValue("name"), Schedule: routine.Schedule{Kind: routine.ScheduleKind(r.FormValue("schedule.kind"))}}
	switch in.Schedule.Kind {
	case routine.ScheduleDays:
		for _, s := range r.Form["schedule.days"] {
			d, err := strconv.Atoi(s)
			if err != nil || d < 0 || d > 6 {
				v.Add("schedule.days", s, "must be weekdays from 0 (Sunday) to 6 (Saturday)")
				continue
			}
			in.Schedule.Days = append(in.Schedule.Days, time.Weekday(d))
		}
	case routine.ScheduleEveryNDays:
		in.Schedule.Every = formInt(&v, r, "schedule.every")
		if s := strings.TrimSpace(r.FormValue("schedule.anchor")); s != "" {
			d, err := domain.ParseDay(s)
			if err != nil {
				v.Add("schedule.anchor", s, "must be a date YYYY-MM-DD")
			}
			in.Schedule.Anchor = d
		}
	}
	// Grace applies to every item; left empty it is the default (60), and
	// 0 is honoured: missed right at the planned time.
	var grace *int
	if s := strings.TrimSpace(r.FormValue("grace_min")); s != "" {
		g, err := strconv.Atoi(s)
		if err != nil || g < 0 || g > routine.MaxGraceMin {
			v.Add("grace_min", s, "must be 0 to 1440 minutes (leave it empty for the default, 60)")
		}
		grace = &g
	}
	n := 0
	for line := range strings.Lines(r.FormValue("items")) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		field := fmt.Sprintf("items[%d]", n)
		n++
		it := routine.Item{XP: defaultXP}
		if m := itemXP.FindStringSubmatchIndex(line); m != nil {
			n, err := strconv.Atoi(line[m[2]:m[3]])
			if err != nil {
				n = routine.MaxItemXP + 1 // too many digits: the domain names the limit
			}
			it.XP = n
			line = line[:m[0]]
		}
		when, title, _ := strings.Cut(line, " ")
		it.Title = strings.TrimSpace(title)
		it.GraceMin = grace
		if off, ok := strings.CutPrefix(strings.ToLower(when), "wake"); ok {
			it.Anchor.Kind = routine.AnchorWake
			if off != "" {
				m, err := strconv.Atoi(off)
				if err != nil {
					v.Add(field+".anchor.offset_min", when, "must be wake, wake+15 or wake-10 (minutes)")
				}
				it.Anchor.OffsetMin = m
			}
		} else {
			it.Anchor.Kind = routine.AnchorClock
			at, err := domain.ParseClock(when)
			if err != nil {
				v.Add(field+".anchor.at", when, "is not a time of day (00:00–23:59) or wake+minutes")
			}
			it.Anchor.At = at
		}
		in.Items = append(in.Items, it)
	}
	return in, v.Err()
}
