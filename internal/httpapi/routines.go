package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// RoutineScheduleBody says on which days a routine occurs.
type RoutineScheduleBody struct {
	Kind   string `json:"kind" enum:"daily,weekdays,days,every_n_days,rrule"`
	Days   []int  `json:"days,omitempty" doc:"days: weekdays 0 (Sunday) to 6 (Saturday)"`
	Every  int    `json:"every,omitempty" doc:"every_n_days: 2-365"`
	Anchor string `json:"anchor,omitempty" format:"date" doc:"every_n_days: the first day (required); rrule: DTSTART"`
	RRule  string `json:"rrule,omitempty" maxLength:"200" doc:"rrule: an RFC 5545 subset, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"`
}

// AnchorBody fixes when an item is planned.
type AnchorBody struct {
	Kind      string `json:"kind" enum:"clock,wake"`
	At        string `json:"at,omitempty" pattern:"^[0-2][0-9]:[0-5][0-9]$" doc:"clock: HH:MM local time"`
	OffsetMin int    `json:"offset_min,omitempty" doc:"wake: minutes after wake-up (negative: before), -720 to 720"`
}

// RoutineItemBody is one step of a routine.
type RoutineItemBody struct {
	ID          int64      `json:"id,omitempty" doc:"present on stored items; send it back to keep the item's history"`
	Title       string     `json:"title" minLength:"1" maxLength:"120"`
	Anchor      AnchorBody `json:"anchor"`
	DurationMin int        `json:"duration_min,omitempty" minimum:"0" maximum:"1440"`
	Checklist   []string   `json:"checklist,omitempty" maxItems:"30"`
	XP          int        `json:"xp,omitempty" minimum:"0" maximum:"500" doc:"base XP when done"`
	HabitID     *int64     `json:"habit_id,omitempty" doc:"a habit of the same person, checked in when the item is done"`
	GraceMin    *int       `json:"grace_min,omitempty" minimum:"0" maximum:"1440" default:"60" doc:"minutes after the planned time before a pending item is missed; 0: missed right at the planned time; left out: 60"`
}

// RoutineInput is the body of POST and PUT on routines.
type RoutineInput struct {
	Name     string              `json:"name" minLength:"1" maxLength:"80"`
	Schedule RoutineScheduleBody `json:"schedule"`
	Items    []RoutineItemBody   `json:"items" minItems:"1" maxItems:"50"`
}

// RoutineBody is a routine as the API shows it.
type RoutineBody struct {
	ID       int64               `json:"id"`
	Name     string              `json:"name"`
	Schedule RoutineScheduleBody `json:"schedule"`
	Items    []RoutineItemBody   `json:"items"`
	Version  int                 `json:"version" doc:"the ETag"`
}

// RoutineList is a list of routines.
type RoutineList struct {
	Items []RoutineBody `json:"items"`
}

func routineBody(v app.Versioned[routine.Routine]) RoutineBody {
	r := v.Value
	b := RoutineBody{ID: r.ID, Name: r.Name, Version: v.Version, Items: make([]RoutineItemBody, len(r.Items)),
		Schedule: RoutineScheduleBody{Kind: string(r.Schedule.Kind), Every: r.Schedule.Every, RRule: r.Schedule.RRule}}
	for _, d := range r.Schedule.Days {
		b.Schedule.Days = append(b.Schedule.Days, int(d))
	}
	if !r.Schedule.Anchor.IsZero() {
		b.Schedule.Anchor = r.Schedule.Anchor.String()
	}
	for i, it := range r.Items {
		ib := RoutineItemBody{ID: it.ID, Title: it.Title, DurationMin: it.DurationMin, Checklist: it.Checklist,
			XP: it.XP, HabitID: it.HabitID, GraceMin: routine.GraceOf(it.Grace()), Anchor: AnchorBody{Kind: string(it.Anchor.Kind)}}
		if it.Anchor.Kind == routine.AnchorClock {
			ib.Anchor.At = it.Anchor.At.String()
		} else {
			ib.Anchor.OffsetMin = it.Anchor.OffsetMin
		}
		b.Items[i] = ib
	}
	return b
}

// routineInput turns the body into the app's input, naming every field
// that does not parse; the rules themselves are routine.Validate's.
func routineInput(b RoutineInput) (app.RoutineInput, error) {
	var v domain.ValidationError
	in := app.RoutineInput{Name: b.Name, Items: make([]routine.Item, len(b.Items)),
		Schedule: routine.Schedule{Kind: routine.ScheduleKind(b.Schedule.Kind), Every: b.Schedule.Every, RRule: b.Schedule.RRule}}
	for i, d := range b.Schedule.Days {
		if d < 0 || d > 6 {
			v.Add(fmt.Sprintf("schedule.days[%d]", i), d, "must be a weekday from 0 (Sunday) to 6 (Saturday)")
			continue
		}
		in.Schedule.Days = append(in.Schedule.Days, time.Weekday(d))
	}
	in.Schedule.Anchor = parseDay(&v, "schedule.anchor", b.Schedule.Anchor)
	for i, ib := range b.Items {
		it := routine.Item{ID: ib.ID, Title: ib.Title, DurationMin: ib.DurationMin, Checklist: ib.Checklist,
			XP: ib.XP, HabitID: ib.HabitID, GraceMin: ib.GraceMin,
			Anchor: routine.Anchor{Kind: routine.AnchorKind(ib.Anchor.Kind), OffsetMin: ib.Anchor.OffsetMin}}
		if ib.Anchor.At != "" {
			at, err := domain.ParseClock(ib.Anchor.At)
			if err != nil {
				v.Add(fmt.Sprintf("items[%d].anchor.at", i), ib.Anchor.At, "is not a time of day (00:00–23:59)")
			}
			it.Anchor.At = at
		} else if it.Anchor.Kind == routine.AnchorClock {
			v.Add(fmt.Sprintf("items[%d].anchor.at", i), nil, "a clock anchor needs a time HH:MM")
		}
		in.Items[i] = it
	}
	return in, v.Err()
}

// RoutinePath is the {person} and {routine} of a routine's paths.
type RoutinePath struct {
	PersonPath
	Routine int64 `path:"routine" minimum:"1" doc:"the routine's id"`
}

type routineOutput struct {
	ETag string `header:"ETag"`
	Body RoutineBody
}

// TimelineItemBody is one entry of a person's day plan.
type TimelineItemBody struct {
	ItemID       int64      `json:"item_id"`
	RoutineID    int64      `json:"routine_id"`
	Routine      string     `json:"routine" doc:"the routine's name"`
	Title        string     `json:"title"`
	Day          string     `json:"day" format:"date"`
	Planned      time.Time  `json:"planned"`
	DurationMin  int        `json:"duration_min"`
	GraceMin     int        `json:"grace_min"`
	XP           int        `json:"xp" doc:"base XP when done"`
	HabitID      *int64     `json:"habit_id,omitempty"`
	Status       string     `json:"status" enum:"pending,done,skipped,missed,snoozed"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	Source       string     `json:"source,omitempty" doc:"what completed or skipped it"`
}

func timelineItemBody(e app.TimelineEntry) TimelineItemBody {
	b := TimelineItemBody{ItemID: e.ItemID, RoutineID: e.RoutineID, Routine: e.RoutineName, Title: e.Title, Day: e.Day.String(),
		Planned: e.Planned, DurationMin: e.DurationMin, GraceMin: e.GraceMin, XP: e.XP, HabitID: e.HabitID,
		Status: string(e.Status), Source: string(e.Source)}
	if e.Status == routine.StatusSnoozed && !e.SnoozedUntil.IsZero() {
		t := e.SnoozedUntil
		b.SnoozedUntil = &t
	}
	if !e.CompletedAt.IsZero() {
		t := e.CompletedAt
		b.CompletedAt = &t
	}
	return b
}

func timelineBody(entries []app.TimelineEntry) []TimelineItemBody {
	out := make([]TimelineItemBody, len(entries))
	for i, e := range entries {
		out[i] = timelineItemBody(e)
	}
	return out
}

// TimelineList is a person's day plan, by planned time.
type TimelineList struct {
	Day   string             `json:"day" format:"date"`
	Items []TimelineItemBody `json:"items"`
}

// DayQuery picks a day; absent means today.
type DayQuery struct {
	Day string `query:"day" format:"date" doc:"default: today in the household's time zone"`
}

func (q DayQuery) day() (domain.Day, error) {
	if q.Day == "" {
		return domain.Day{}, nil
	}
	d, err := domain.ParseDay(q.Day)
	if err != nil {
		return d, badParam("query.day", q.Day, "must be a date YYYY-MM-DD")
	}
	return d, nil
}

// ItemStatusBody is the body of POST …/timeline/{item}/status.
type ItemStatusBody struct {
	Status    string `json:"status" enum:"done,skipped,snoozed,pending" doc:"pending undoes done or skipped; a skipped item may still be done"`
	SnoozeMin int    `json:"snooze_min,omitempty" minimum:"0" maximum:"720" doc:"snoozed: minutes from when the item is due, or from now when that is later (a snooze never moves it earlier); 0 or absent: 10"`
	Day       string `json:"day,omitempty" format:"date" doc:"default: today"`
}

// ItemStatusResultBody says what a status change did.
type ItemStatusResultBody struct {
	Item      TimelineItemBody `json:"item"`
	XP        int              `json:"xp" doc:"XP earned (done) or given back (undo, negative)"`
	CheckedIn bool             `json:"checked_in" doc:"completing the item checked in its habit"`
}

// TimelineItemPath is the {person} and {item} of a timeline entry.
type TimelineItemPath struct {
	PersonPath
	Item string `path:"item" minLength:"1" maxLength:"120" doc:"the item's id, or its title in that day's timeline"`
}

func registerRoutines(api huma.API, svc *app.Service) {
	tags := []string{"routines"}
	op(api, scoped(huma.Operation{
		OperationID: "list-routines", Method: http.MethodGet, Path: "/api/v1/people/{person}/routines",
		Summary: "List a person's routines", Description: "Oldest first, with their ETags (version).", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body RoutineList }, error) {
		rs, err := svc.ListRoutines(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body RoutineList }{}
		out.Body.Items = make([]RoutineBody, len(rs))
		for i, r := range rs {
			out.Body.Items[i] = routineBody(r)
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "create-routine", Method: http.MethodPost, Path: "/api/v1/people/{person}/routines",
		Summary: "Add a routine", Description: "Stores the routine and adds its items to today's timeline when it occurs today.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Body RoutineInput
	}) (*routineOutput, error) {
		ri, err := routineInput(in.Body)
		if err != nil {
			return nil, err
		}
		r, err := svc.CreateRoutine(ctx, in.Person, ri)
		if err != nil {
			return nil, err
		}
		return &routineOutput{ETag: etag(r.Version), Body: routineBody(r)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-routine", Method: http.MethodGet, Path: "/api/v1/people/{person}/routines/{routine}",
		Summary: "Read a routine", Description: "Answers the routine with its ETag.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *RoutinePath) (*routineOutput, error) {
		r, err := svc.GetRoutine(ctx, in.Person, in.Routine)
		if err != nil {
			return nil, err
		}
		return &routineOutput{ETag: etag(r.Version), Body: routineBody(r)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-routine", Method: http.MethodPut, Path: "/api/v1/people/{person}/routines/{routine}",
		Summary: "Redefine a routine", Description: "Items sent with their id keep their history; items left out are retired; today's open entries follow. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		RoutinePath
		IfMatch
		Body RoutineInput
	}) (*routineOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		ri, err := routineInput(in.Body)
		if err != nil {
			return nil, err
		}
		r, err := svc.UpdateRoutine(ctx, in.Person, in.Routine, ri, v)
		if err != nil {
			return nil, err
		}
		return &routineOutput{ETag: etag(r.Version), Body: routineBody(r)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "delete-routine", Method: http.MethodDelete, Path: "/api/v1/people/{person}/routines/{routine}",
		Summary: "Retire a routine", Description: "Its past timeline entries stay; today's open ones go.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *RoutinePath) (*struct{}, error) {
		return nil, svc.DeleteRoutine(ctx, in.Person, in.Routine)
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-timeline", Method: http.MethodGet, Path: "/api/v1/people/{person}/timeline",
		Summary: "A person's routine timeline of one day", Description: "Every routine item planned for the day, by planned time, with its status.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		DayQuery
	}) (*struct{ Body TimelineList }, error) {
		day, err := in.day()
		if err != nil {
			return nil, err
		}
		entries, err := svc.Timeline(ctx, in.Person, day)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body TimelineList }{}
		out.Body.Items = timelineBody(entries)
		out.Body.Day = in.Day
		if len(entries) > 0 {
			out.Body.Day = entries[0].Day.String()
		} else if day.IsZero() {
			out.Body.Day = svc.CurrentDay().String()
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "set-timeline-item-status", Method: http.MethodPost, Path: "/api/v1/people/{person}/timeline/{item}/status",
		Summary: "Mark a routine item done, skipped or snoozed, or undo it",
		Description: "done earns the item's XP (more inside its window) and checks in its linked habit; pending undoes done or skipped and gives both back. " +
			"Repeating the same status is refused with 409, so a retried request cannot count twice.",
		Tags: tags, Errors: []int{404, 409, 422},
	}, "path"), func(ctx context.Context, in *struct {
		TimelineItemPath
		Body ItemStatusBody
	}) (*struct{ Body ItemStatusResultBody }, error) {
		var v domain.ValidationError
		day := parseDay(&v, "day", in.Body.Day)
		if err := v.Err(); err != nil {
			return nil, err
		}
		res, err := svc.SetItemStatus(ctx, app.ItemStatusInput{Person: in.Person, Item: in.Item, Day: day,
			Status: routine.Status(in.Body.Status), SnoozeMin: in.Body.SnoozeMin, Source: domain.SourceAPI})
		if err != nil {
			return nil, err
		}
		return &struct{ Body ItemStatusResultBody }{Body: ItemStatusResultBody{Item: timelineItemBody(res.Entry), XP: res.XP, CheckedIn: res.CheckedIn}}, nil
	})
}
