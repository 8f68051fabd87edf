package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// ScheduleBody says on which days a habit is due.
type ScheduleBody struct {
	Kind     string `json:"kind" enum:"daily,weekdays,times_per_week,times_per_month,every_n_days"`
	Weekdays []int  `json:"weekdays,omitempty" doc:"weekdays: 0 (Sunday) to 6 (Saturday)"`
	Times    int    `json:"times,omitempty" doc:"times_per_week (1-7), times_per_month (1-28)"`
	Every    int    `json:"every,omitempty" doc:"every_n_days: 2-365"`
	Anchor   string `json:"anchor,omitempty" format:"date" doc:"every_n_days: the first day of a block; default: the start"`
}

// TargetBody is what makes a day count.
type TargetBody struct {
	Kind  string  `json:"kind" enum:"check,at_least,at_most"`
	Value float64 `json:"value,omitempty" doc:"the amount for at_least / at_most"`
	Unit  string  `json:"unit,omitempty" maxLength:"20" doc:"free text for display"`
}

// WindowBody limits the check-ins that count to a time of day.
type WindowBody struct {
	From  string `json:"from" pattern:"^[0-2][0-9]:[0-5][0-9]$" doc:"HH:MM"`
	Until string `json:"until" pattern:"^[0-2][0-9]:[0-5][0-9]$" doc:"HH:MM, up to 24:00"`
}

// HabitInput is the body of POST and PUT on habits.
type HabitInput struct {
	Name     string       `json:"name" minLength:"1" maxLength:"80"`
	Slug     string       `json:"slug,omitempty" maxLength:"40" doc:"default: derived from the name"`
	Kind     string       `json:"kind,omitempty" enum:"positive,negative" doc:"default: positive (build it); negative: avoid it"`
	Schedule ScheduleBody `json:"schedule"`
	Target   *TargetBody  `json:"target,omitempty" doc:"default: a yes/no check"`
	Window   *WindowBody  `json:"window,omitempty"`
	Start    string       `json:"start,omitempty" format:"date" doc:"default: today. Not before the day the habit is created (older history comes in through import), at most a year ahead."`
}

// HabitBody is a habit as the API shows it.
type HabitBody struct {
	ID       int64        `json:"id"`
	Slug     string       `json:"slug"`
	Name     string       `json:"name"`
	Kind     string       `json:"kind" enum:"positive,negative"`
	Schedule ScheduleBody `json:"schedule"`
	Target   TargetBody   `json:"target"`
	Window   *WindowBody  `json:"window,omitempty"`
	Start    string       `json:"start" format:"date"`
	Archived bool         `json:"archived,omitempty"`
	Version  int          `json:"version" doc:"the ETag"`
}

func habitBody(v app.Versioned[app.StoredHabit]) HabitBody {
	h := v.Value
	b := HabitBody{ID: h.ID, Slug: h.Slug, Name: h.Name, Kind: string(h.Kind), Start: h.Start.String(), Archived: h.Archived, Version: v.Version,
		Schedule: ScheduleBody{Kind: string(h.Schedule.Kind), Times: h.Schedule.Times, Every: h.Schedule.Every},
		Target:   TargetBody{Kind: string(h.Target.Kind), Value: h.Target.Value, Unit: h.Target.Unit}}
	for _, d := range h.Schedule.Weekdays {
		b.Schedule.Weekdays = append(b.Schedule.Weekdays, int(d))
	}
	if !h.Schedule.Anchor.IsZero() {
		b.Schedule.Anchor = h.Schedule.Anchor.String()
	}
	if !h.Window.IsZero() {
		b.Window = &WindowBody{From: h.Window.From.String(), Until: h.Window.Until.String()}
	}
	return b
}

// habitInput turns the body into the app's input, naming every field that
// does not parse.
func habitInput(b HabitInput) (app.HabitInput, error) {
	var v domain.ValidationError
	in := app.HabitInput{Name: b.Name, Slug: b.Slug, Kind: domain.HabitKind(b.Kind),
		Schedule: domain.Schedule{Kind: domain.ScheduleKind(b.Schedule.Kind), Times: b.Schedule.Times, Every: b.Schedule.Every}}
	for _, d := range b.Schedule.Weekdays {
		in.Schedule.Weekdays = append(in.Schedule.Weekdays, time.Weekday(d))
	}
	in.Schedule.Anchor = parseDay(&v, "schedule.anchor", b.Schedule.Anchor)
	in.Start = parseDay(&v, "start", b.Start)
	if in.Kind == "" {
		in.Kind = domain.HabitPositive
	}
	in.Target = domain.Target{Kind: domain.TargetCheck}
	if b.Target != nil {
		in.Target = domain.Target{Kind: domain.TargetKind(b.Target.Kind), Value: b.Target.Value, Unit: b.Target.Unit}
	}
	if b.Window != nil {
		from, err := domain.ParseClock(b.Window.From)
		if err != nil {
			v.Add("window.from", b.Window.From, "must be a time HH:MM")
		}
		until, err := domain.ParseClock(b.Window.Until)
		if err != nil {
			v.Add("window.until", b.Window.Until, "must be a time HH:MM up to 24:00")
		}
		in.Window = domain.TimeWindow{From: from, Until: until}
	}
	return in, v.Err()
}

func parseDay(v *domain.ValidationError, field, s string) domain.Day {
	if s == "" {
		return domain.Day{}
	}
	d, err := domain.ParseDay(s)
	if err != nil {
		v.Add(field, s, "must be a date YYYY-MM-DD")
	}
	return d
}

// HabitPath is the {person} and {habit} of a habit's paths.
type HabitPath struct {
	PersonPath
	Habit string `path:"habit" minLength:"1" maxLength:"80" doc:"the habit's id, slug or name"`
}

type habitOutput struct {
	ETag string `header:"ETag"`
	Body HabitBody
}

// StreakBody is a habit's streak and strength as they stand today.
type StreakBody struct {
	HabitID     int64   `json:"habit_id"`
	Habit       string  `json:"habit" doc:"the habit's slug"`
	Status      string  `json:"status" enum:"done,missed,not_due,paused,pending" doc:"today's verdict"`
	Current     int     `json:"current" doc:"days in a row, today included once done"`
	Best        int     `json:"best"`
	AtRisk      bool    `json:"at_risk" doc:"the streak runs and today still needs doing"`
	ShieldsLeft int     `json:"shields_left" doc:"missed days the streak can still survive this period"`
	Strength    float64 `json:"strength" minimum:"0" maximum:"1" doc:"habit strength 0-1, as if today closed now"`
}

func streakBody(h app.HabitToday) StreakBody {
	return StreakBody{HabitID: h.Habit.ID, Habit: h.Habit.Slug, Status: string(h.Result.Status), Current: h.Streak.Current,
		Best: h.Streak.Best, AtRisk: h.Streak.AtRisk, ShieldsLeft: h.Streak.ShieldsLeft, Strength: h.Strength}
}

func registerHabits(api huma.API, svc *app.Service) {
	tags := []string{"habits"}
	op(api, scoped(huma.Operation{
		OperationID: "list-habits", Method: http.MethodGet, Path: "/api/v1/people/{person}/habits",
		Summary: "List a person's active habits", Description: "The person's active habits with their ETags (version); with archived=true, the archived ones.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Archived bool `query:"archived" doc:"true: the archived habits instead (POST …/habits/{habit}/unarchive brings one back)"`
	}) (*struct{ Body HabitList }, error) {
		list := svc.Habits
		if in.Archived {
			list = svc.ArchivedHabits
		}
		habits, err := list(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body HabitList }{}
		out.Body.Items = make([]HabitBody, len(habits))
		for i, h := range habits {
			out.Body.Items[i] = habitBody(h)
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "create-habit", Method: http.MethodPost, Path: "/api/v1/people/{person}/habits",
		Summary: "Add a habit", Description: "Adds a habit and judges its days from its start. Answers the ETag of the new habit.", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Body HabitInput
	}) (*habitOutput, error) {
		hi, err := habitInput(in.Body)
		if err != nil {
			return nil, err
		}
		h, err := svc.CreateHabit(ctx, in.Person, hi)
		if err != nil {
			return nil, err
		}
		return &habitOutput{ETag: etag(h.Version), Body: habitBody(h)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-habit", Method: http.MethodGet, Path: "/api/v1/people/{person}/habits/{habit}",
		Summary: "Read a habit", Description: "Finds the habit by id, slug or name; answers it with its ETag.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *HabitPath) (*habitOutput, error) {
		h, err := svc.Habit(ctx, in.Person, in.Habit)
		if err != nil {
			return nil, err
		}
		return &habitOutput{ETag: etag(h.Version), Body: habitBody(h)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-habit", Method: http.MethodPut, Path: "/api/v1/people/{person}/habits/{habit}",
		Summary: "Redefine a habit", Description: "Replaces the definition and re-judges every day since the start. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 409, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		HabitPath
		IfMatch
		Body HabitInput
	}) (*habitOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		hi, err := habitInput(in.Body)
		if err != nil {
			return nil, err
		}
		h, err := svc.UpdateHabit(ctx, in.Person, in.Habit, hi, v)
		if err != nil {
			return nil, err
		}
		return &habitOutput{ETag: etag(h.Version), Body: habitBody(h)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "archive-habit", Method: http.MethodDelete, Path: "/api/v1/people/{person}/habits/{habit}",
		Summary: "Archive a habit", Description: "Its history stays; it is no longer due.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *HabitPath) (*struct{}, error) {
		return nil, svc.ArchiveHabit(ctx, in.Person, in.Habit)
	})
	op(api, scoped(huma.Operation{
		OperationID: "list-streaks", Method: http.MethodGet, Path: "/api/v1/people/{person}/streaks",
		Summary: "Every habit's streak and strength today", Description: "For each active habit: today's verdict, the current and best streak, whether it is at risk, shields left and strength.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body StreakList }, error) {
		day, err := svc.Today(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body StreakList }{}
		out.Body.Items = make([]StreakBody, len(day.Habits))
		for i, h := range day.Habits {
			out.Body.Items[i] = streakBody(h)
		}
		return out, nil
	})
}

// HabitList is a list of habits.
type HabitList struct {
	Items []HabitBody `json:"items"`
}

// StreakList is a list of streaks.
type StreakList struct {
	Items []StreakBody `json:"items"`
}
