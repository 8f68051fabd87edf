package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// CheckInCreate is the body of POST …/check-ins.
type CheckInCreate struct {
	Quantity float64    `json:"quantity,omitempty" minimum:"0" maximum:"1000000" doc:"for at_least / at_most targets: more than 0"`
	At       *time.Time `json:"at,omitempty" doc:"default: now. Back to the habit's start, at most 5 minutes ahead; pays XP only within 2 days of its day (docs/rules.md)."`
	Note     string     `json:"note,omitempty" maxLength:"500"`
}

// CheckInBody is what a check-in did.
type CheckInBody struct {
	ID       int64      `json:"id"`
	HabitID  int64      `json:"habit_id"`
	At       time.Time  `json:"at"`
	Quantity float64    `json:"quantity"`
	Note     string     `json:"note,omitempty"`
	XP       int        `json:"xp" doc:"XP this check-in earned"`
	Status   string     `json:"status,omitempty" enum:"done,missed,not_due,paused,pending" doc:"the day's verdict after it"`
	Streak   StreakView `json:"streak"`
}

// StreakView is a streak as shown on a check-in's answer.
type StreakView struct {
	Current     int  `json:"current"`
	Best        int  `json:"best"`
	AtRisk      bool `json:"at_risk"`
	ShieldsLeft int  `json:"shields_left"`
}

// factTime is a fact's `at` as the body gave it: absent means now (the zero
// time to the use cases); a time given must lie in the date window, so a
// zero time ("0001-01-01T00:00:00Z") is refused instead of becoming now.
func factTime(at *time.Time) (time.Time, error) {
	switch {
	case at == nil:
		return time.Time{}, nil
	case at.Before(domain.MinDate.Start(time.UTC)):
		return time.Time{}, domain.Invalid("at", at.Format(time.RFC3339), fmt.Sprintf("must be between %s and now", domain.MinDate))
	}
	return *at, nil
}

func registerCheckIns(api huma.API, svc *app.Service) {
	tags := []string{"habits"}
	op(api, idempotent(scoped(huma.Operation{
		OperationID: "check-in", Method: http.MethodPost, Path: "/api/v1/people/{person}/habits/{habit}/check-ins",
		Summary: "Check in a habit", Description: "Updates the day, streak, strength, XP, score and achievements.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, "path")), func(ctx context.Context, in *struct {
		HabitPath
		IdempotencyHeader
		Body CheckInCreate
	}) (*struct{ Body CheckInBody }, error) {
		at, err := factTime(in.Body.At)
		if err != nil {
			return nil, err
		}
		r, err := svc.CheckIn(ctx, app.CheckInInput{Person: in.Person, Habit: in.Habit, Quantity: in.Body.Quantity,
			At: at, Note: in.Body.Note, Source: domain.SourceAPI, IdempotencyKey: callerKey(ctx, in.IdempotencyKey)})
		if err != nil {
			return nil, err
		}
		c := r.CheckIn
		return &struct{ Body CheckInBody }{CheckInBody{ID: c.ID, HabitID: c.HabitID, At: c.At, Quantity: c.Quantity, Note: c.Note,
			XP: r.XP, Status: string(r.Day.Status),
			Streak: StreakView{Current: r.Streak.Current, Best: r.Streak.Best, AtRisk: r.Streak.AtRisk, ShieldsLeft: r.Streak.ShieldsLeft}}}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "undo-check-in", Method: http.MethodDelete, Path: "/api/v1/people/{person}/check-ins/{id}",
		Summary: "Undo a check-in", Description: "Removes it and reverses every effect it had.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		ID int64 `path:"id" minimum:"1"`
	}) (*struct{}, error) {
		return nil, svc.UndoCheckIn(ctx, in.Person, in.ID)
	})
}
