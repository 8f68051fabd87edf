package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// habiticaTask is the part of a Habitica task an import reads.
type habiticaTask struct {
	Text      string          `json:"text"`
	Notes     string          `json:"notes"`
	Frequency string          `json:"frequency"`
	EveryX    int             `json:"everyX"`
	Repeat    map[string]bool `json:"repeat"`
	StartDate string          `json:"startDate"`
	Up        bool            `json:"up"`
	Down      bool            `json:"down"`
	Completed bool            `json:"completed"`
	History   []struct {
		Date       json.RawMessage `json:"date"`
		Completed  *bool           `json:"completed"`
		ScoredUp   int             `json:"scoredUp"`
		ScoredDown int             `json:"scoredDown"`
	} `json:"history"`
}

type habiticaExport struct {
	Tasks *struct {
		Habits  []habiticaTask `json:"habits"`
		Dailys  []habiticaTask `json:"dailys"`
		Todos   []habiticaTask `json:"todos"`
		Rewards []habiticaTask `json:"rewards"`
	} `json:"tasks"`
}

// habiticaWeekdays are Habitica's repeat keys by time.Weekday.
var habiticaWeekdays = []string{"su", "m", "t", "w", "th", "f", "s"}

// ImportHabitica imports Habitica's user data export (JSON) into a person:
// dailies with their repeat rules and history, habits that are scored up
// (a day with an up score is a done day), each a new habit whose imported
// days build streaks and strength and pay no XP. Down-only habits, to-dos
// and rewards are reported as skipped. Malformed JSON is a *FormatError
// with its line and column.
func (s *Service) ImportHabitica(ctx context.Context, personRef string, data []byte, dryRun bool) (ImportReport, error) {
	const file = "user-data.json"
	var exp habiticaExport
	if err := json.Unmarshal(data, &exp); err != nil {
		return ImportReport{}, jsonFormatError(file, data, err)
	}
	if exp.Tasks == nil {
		return ImportReport{}, &FormatError{File: file, Reason: "no tasks: not a Habitica user data export"}
	}
	rep := ImportReport{DryRun: dryRun, Habits: []ImportedItem{}, Skipped: []string{}, Notes: []string{}}
	loc := s.loc()
	var habits []importHabit
	days := func(t habiticaTask, kind string, done func(i int) bool) ([]importDay, error) {
		seen := map[domain.Day]bool{}
		var out []importDay
		for i, h := range t.History {
			if !done(i) {
				continue
			}
			at, err := habiticaTime(h.Date)
			if err != nil {
				return nil, &FormatError{File: file, Reason: fmt.Sprintf("%s %q: history[%d].date: %v", kind, t.Text, i, err)}
			}
			d := domain.DayOf(at, loc)
			if !seen[d] {
				seen[d] = true
				out = append(out, importDay{Day: d})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
		return out, nil
	}
	for _, t := range exp.Tasks.Dailys {
		name := truncate(strings.TrimSpace(t.Text), 80)
		if name == "" {
			rep.Skipped = append(rep.Skipped, "a daily without a name")
			continue
		}
		sched, note := habiticaSchedule(t)
		if note != "" {
			rep.Notes = append(rep.Notes, name+": "+note)
		}
		ds, err := days(t, "daily", func(i int) bool { c := t.History[i].Completed; return c != nil && *c })
		if err != nil {
			return ImportReport{}, err
		}
		start := s.today()
		if st, err := time.Parse(time.RFC3339, t.StartDate); err == nil {
			start = domain.DayOf(st, loc)
		}
		if len(ds) > 0 && ds[0].Day.Before(start) {
			start = ds[0].Day
		}
		if sched.Kind == domain.ScheduleEveryNDays {
			sched.Anchor = start
		}
		habits = append(habits, importHabit{Habit: domain.Habit{Name: name, Kind: domain.HabitPositive, Schedule: sched,
			Target: domain.Target{Kind: domain.TargetCheck}, Start: start}, Days: ds})
	}
	for _, t := range exp.Tasks.Habits {
		name := truncate(strings.TrimSpace(t.Text), 80)
		if !t.Up {
			rep.Skipped = append(rep.Skipped, name+": a habit scored only down; LifeOps pays XP for every kept day of a limit, so its history is not imported")
			continue
		}
		ds, err := days(t, "habit", func(i int) bool { return t.History[i].ScoredUp > 0 })
		if err != nil {
			return ImportReport{}, err
		}
		if len(ds) == 0 {
			rep.Skipped = append(rep.Skipped, name+": never scored up")
			continue
		}
		rep.Notes = append(rep.Notes, name+": a Habitica habit has no schedule; imported as a daily habit, done on the days it was scored up")
		habits = append(habits, importHabit{Habit: domain.Habit{Name: name, Kind: domain.HabitPositive,
			Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Target: domain.Target{Kind: domain.TargetCheck}, Start: ds[0].Day}, Days: ds})
	}
	for _, t := range exp.Tasks.Todos {
		state := "open"
		if t.Completed {
			state = "completed"
		}
		rep.Skipped = append(rep.Skipped, "to-do "+strconv.Quote(t.Text)+" ("+state+"): this LifeOps has no to-dos")
	}
	if n := len(exp.Tasks.Rewards); n > 0 {
		rep.Skipped = append(rep.Skipped, fmt.Sprintf("%d rewards: LifeOps has no shop", n))
	}
	return s.importHabits(ctx, personRef, "habitica", habits, rep)
}

// habiticaSchedule maps a daily's repeat rule; note says what was
// approximated.
func habiticaSchedule(t habiticaTask) (domain.Schedule, string) {
	every := max(1, t.EveryX)
	switch t.Frequency {
	case "", "daily":
		if every == 1 {
			return domain.Schedule{Kind: domain.ScheduleDaily}, ""
		}
		return domain.Schedule{Kind: domain.ScheduleEveryNDays, Every: every}, ""
	case "weekly":
		var wds []time.Weekday
		for wd, key := range habiticaWeekdays {
			if t.Repeat[key] {
				wds = append(wds, time.Weekday(wd))
			}
		}
		note := ""
		if every > 1 {
			note = fmt.Sprintf("every %d weeks has no LifeOps schedule; imported as every week", every)
		}
		switch len(wds) {
		case 0:
			return domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: 1}, "no weekday chosen; imported as once a week"
		case 7:
			return domain.Schedule{Kind: domain.ScheduleDaily}, note
		}
		return domain.Schedule{Kind: domain.ScheduleWeekdays, Weekdays: wds}, note
	case "monthly":
		return domain.Schedule{Kind: domain.ScheduleTimesPerMonth, Times: 1}, "a monthly daily is imported as once a month, any day"
	}
	return domain.Schedule{Kind: domain.ScheduleTimesPerMonth, Times: 1}, "a " + t.Frequency + " daily is imported as once a month"
}

// habiticaTime reads a history date: milliseconds since the epoch (as
// Habitica writes it) or an RFC 3339 string.
func habiticaTime(raw json.RawMessage) (time.Time, error) {
	var ms float64
	if err := json.Unmarshal(raw, &ms); err == nil {
		return time.UnixMilli(int64(ms)), nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		if t, err := time.Parse(time.RFC3339, str); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s is neither milliseconds since 1970 nor an RFC 3339 time", string(raw))
}

// jsonFormatError places a JSON decoding error at its line and column.
func jsonFormatError(file string, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	reason := err.Error()
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		reason = fmt.Sprintf("%s: want %s, not %s", te.Field, te.Type, te.Value)
	}
	if off < 0 {
		return &FormatError{File: file, Reason: reason}
	}
	off = min(off, int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return &FormatError{File: file, Line: line, Column: col, Reason: reason}
}
