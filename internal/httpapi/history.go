package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// RangeQuery limits a list to the local days from from to to.
type RangeQuery struct {
	From string `query:"from" format:"date" doc:"the first day (household's time zone); absent: unbounded"`
	To   string `query:"to" format:"date" doc:"the last day; absent: unbounded"`
}

func (q RangeQuery) days() (from, to domain.Day, err error) {
	var v domain.ValidationError
	from = parseDay(&v, "query.from", q.From)
	to = parseDay(&v, "query.to", q.To)
	if err := v.Err(); err != nil {
		return from, to, err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, badParam("query.to", q.To, "must not be before from")
	}
	return from, to, nil
}

// pageStart turns a cursor into the id a page starts before.
func pageStart(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || n <= 0 {
		return 0, badParam("query.cursor", cursor, "is not a cursor this API gave out")
	}
	return n, nil
}

// CheckInItem is a stored check-in as history lists it.
type CheckInItem struct {
	ID       int64     `json:"id"`
	HabitID  int64     `json:"habit_id"`
	Day      string    `json:"day" format:"date" doc:"the local day it counts for"`
	At       time.Time `json:"at"`
	Quantity float64   `json:"quantity"`
	Source   string    `json:"source"`
	Note     string    `json:"note,omitempty"`
}

// CheckInPage is one page of check-ins, newest recorded first.
type CheckInPage struct {
	Items      []CheckInItem `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
}

// MoodPage is one page of moods, newest recorded first.
type MoodPage struct {
	Items      []MoodBody `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
}

// CalendarDayBody is one day of a habit's calendar.
type CalendarDayBody struct {
	Day      string  `json:"day" format:"date"`
	Status   string  `json:"status" enum:"done,partial,missed,paused,not_due,pending,future" doc:"partial: some of the amount but not all; pending: today, not decided yet; future: still ahead"`
	Quantity float64 `json:"quantity,omitempty" doc:"what counted: the amount, or the number of check-ins of a yes/no habit"`
	CheckIns int     `json:"check_ins,omitempty"`
}

// CalendarBody is a habit's month.
type CalendarBody struct {
	HabitID int64             `json:"habit_id"`
	Month   string            `json:"month" pattern:"^[0-9]{4}-[0-9]{2}$"`
	Days    []CalendarDayBody `json:"days"`
}

// DaySet is the body of PUT …/days/{day}.
type DaySet struct {
	Quantity float64 `json:"quantity,omitempty" minimum:"0" maximum:"1000000" doc:"the day's amount, for a habit with an amount target; ignored for yes/no"`
	Note     string  `json:"note,omitempty" maxLength:"500"`
}

// HabitDayPath is a habit's path with one of its days.
type HabitDayPath struct {
	HabitPath
	Day string `path:"day" format:"date" doc:"a local day from the habit's start to today"`
}

func (p HabitDayPath) day() (domain.Day, error) {
	d, err := domain.ParseDay(p.Day)
	if err != nil {
		return d, badParam("path.day", p.Day, "must be a date YYYY-MM-DD")
	}
	return d, nil
}

func checkInPage(items []domain.CheckIn, limit int, loc *time.Location) CheckInPage {
	out := CheckInPage{Items: make([]CheckInItem, 0, min(len(items), limit))}
	for i, c := range items {
		if i == limit {
			out.NextCursor = strconv.FormatInt(items[i-1].ID, 10)
			break
		}
		out.Items = append(out.Items, CheckInItem{ID: c.ID, HabitID: c.HabitID, Day: domain.DayOf(c.At, loc).String(), At: c.At,
			Quantity: c.Quantity, Source: string(c.Source), Note: c.Note})
	}
	return out
}

func registerHistory(api huma.API, svc *app.Service) {
	tags := []string{"history"}
	listCheckIns := func(ctx context.Context, person, habit string, r RangeQuery, p PageQuery) (*struct{ Body CheckInPage }, error) {
		from, to, err := r.days()
		if err != nil {
			return nil, err
		}
		before, err := pageStart(p.Cursor)
		if err != nil {
			return nil, err
		}
		limit := min(max(p.Limit, 1), MaxPageSize)
		items, err := svc.CheckInPage(ctx, person, habit, app.CheckInQuery{From: from, To: to, Before: before, Limit: limit + 1})
		if err != nil {
			return nil, err
		}
		return &struct{ Body CheckInPage }{checkInPage(items, limit, svc.Location())}, nil
	}
	op(api, scoped(huma.Operation{
		OperationID: "list-check-ins", Method: http.MethodGet, Path: "/api/v1/people/{person}/check-ins",
		Summary: "Page through a person's check-ins", Description: "Every habit's check-ins, newest recorded first, on the days from from to to; pass next_cursor as cursor for the next page.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		RangeQuery
		PageQuery
	}) (*struct{ Body CheckInPage }, error) {
		return listCheckIns(ctx, in.Person, "", in.RangeQuery, in.PageQuery)
	})
	op(api, scoped(huma.Operation{
		OperationID: "list-habit-check-ins", Method: http.MethodGet, Path: "/api/v1/people/{person}/habits/{habit}/check-ins",
		Summary: "Page through a habit's check-ins", Description: "The habit's check-ins, newest recorded first, on the days from from to to; pass next_cursor as cursor for the next page.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		HabitPath
		RangeQuery
		PageQuery
	}) (*struct{ Body CheckInPage }, error) {
		return listCheckIns(ctx, in.Person, in.Habit, in.RangeQuery, in.PageQuery)
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-habit-calendar", Method: http.MethodGet, Path: "/api/v1/people/{person}/habits/{habit}/calendar",
		Summary: "A habit's month, day by day",
		Description: "Each day of the month: done, partial (with the quantity so far), missed, paused, not_due (before the start, or not due by the schedule), " +
			"pending (today, not decided yet) or future. The same day rows streaks and scores read.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		HabitPath
		Month string `query:"month" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"YYYY-MM; default: this month"`
	}) (*struct{ Body CalendarBody }, error) {
		first := svc.CurrentDay()
		first = domain.NewDay(first.Year, first.Month, 1)
		if in.Month != "" {
			t, err := time.Parse("2006-01", in.Month)
			if err != nil || t.Year() < 1970 || t.Year() > 9998 {
				return nil, badParam("query.month", in.Month, "must be a month YYYY-MM")
			}
			first = domain.NewDay(t.Year(), t.Month(), 1)
		}
		last := domain.NewDay(first.Year, first.Month+1, 1).Add(-1)
		days, err := svc.HabitCalendar(ctx, in.Person, in.Habit, first, last)
		if err != nil {
			return nil, err
		}
		h, err := svc.Habit(ctx, in.Person, in.Habit)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body CalendarBody }{CalendarBody{HabitID: h.Value.ID, Month: fmt.Sprintf("%04d-%02d", first.Year, int(first.Month)),
			Days: make([]CalendarDayBody, len(days))}}
		for i, d := range days {
			out.Body.Days[i] = CalendarDayBody{Day: d.Day.String(), Status: string(d.Status), Quantity: d.Value, CheckIns: d.CheckIns}
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "set-habit-day", Method: http.MethodPut, Path: "/api/v1/people/{person}/habits/{habit}/days/{day}",
		Summary: "Set a day of a habit",
		Description: "Makes the day's record exactly one check-in (of quantity, for a habit with an amount), replacing what the day had; " +
			"any day from the habit's start to today. For a habit kept by a limit that check-in is a slip (or the day's amount). " +
			"Setting a day already recorded that way changes nothing. XP follows the check-in rules.",
		Tags: tags, Errors: []int{404, 409, 422},
	}, "path"), func(ctx context.Context, in *struct {
		HabitDayPath
		Body DaySet
	}) (*struct{ Body CheckInBody }, error) {
		day, err := in.day()
		if err != nil {
			return nil, err
		}
		r, err := svc.SetHabitDay(ctx, app.SetDayInput{Person: in.Person, Habit: in.Habit, Day: day, Quantity: in.Body.Quantity,
			Note: in.Body.Note, Source: domain.SourceAPI})
		if err != nil {
			return nil, err
		}
		c := r.CheckIn
		return &struct{ Body CheckInBody }{CheckInBody{ID: c.ID, HabitID: c.HabitID, At: c.At, Quantity: c.Quantity, Note: c.Note,
			XP: r.XP, Status: string(r.Day.Status),
			Streak: StreakView{Current: r.Streak.Current, Best: r.Streak.Best, AtRisk: r.Streak.AtRisk, ShieldsLeft: r.Streak.ShieldsLeft}}}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "clear-habit-day", Method: http.MethodDelete, Path: "/api/v1/people/{person}/habits/{habit}/days/{day}",
		Summary: "Clear a day of a habit", Description: "Undoes every check-in of the day (from the habit's start to today) with all their effects.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 409, 422},
	}, "path"), func(ctx context.Context, in *HabitDayPath) (*struct{}, error) {
		day, err := in.day()
		if err != nil {
			return nil, err
		}
		_, err = svc.ClearHabitDay(ctx, in.Person, in.Habit, day)
		return nil, err
	})
	op(api, scoped(huma.Operation{
		OperationID: "list-moods", Method: http.MethodGet, Path: "/api/v1/people/{person}/moods",
		Summary: "Page through a person's moods", Description: "Newest recorded first, on the days from from to to; pass next_cursor as cursor for the next page.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		RangeQuery
		PageQuery
	}) (*struct{ Body MoodPage }, error) {
		from, to, err := in.days()
		if err != nil {
			return nil, err
		}
		before, err := pageStart(in.Cursor)
		if err != nil {
			return nil, err
		}
		limit := min(max(in.Limit, 1), MaxPageSize)
		moods, err := svc.Moods(ctx, in.Person, from, to, before, limit+1)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body MoodPage }{MoodPage{Items: make([]MoodBody, 0, min(len(moods), limit))}}
		for i, m := range moods {
			if i == limit {
				out.Body.NextCursor = strconv.FormatInt(moods[i-1].ID, 10)
				break
			}
			out.Body.Items = append(out.Body.Items, MoodBody{ID: m.ID, Value: m.Value, Note: m.Note, At: m.At})
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "unarchive-habit", Method: http.MethodPost, Path: "/api/v1/people/{person}/habits/{habit}/unarchive",
		Summary:     "Bring an archived habit back",
		Description: "It is due again; the days it was archived are judged like any others and every score since is recomputed. Answers the habit with its ETag.",
		Tags:        []string{"habits"}, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *HabitPath) (*habitOutput, error) {
		h, err := svc.UnarchiveHabit(ctx, in.Person, in.Habit)
		if err != nil {
			return nil, err
		}
		return &habitOutput{ETag: etag(h.Version), Body: habitBody(h)}, nil
	})
}
