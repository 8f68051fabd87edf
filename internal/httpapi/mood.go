package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// MoodCreate is the body of POST …/moods.
type MoodCreate struct {
	Value int        `json:"value" minimum:"1" maximum:"9" doc:"1 (awful) to 9 (great)"`
	Note  string     `json:"note,omitempty" maxLength:"500"`
	At    *time.Time `json:"at,omitempty" doc:"default: now. At most 7 days back."`
}

// MoodBody is a logged mood.
type MoodBody struct {
	ID    int64     `json:"id"`
	Value int       `json:"value"`
	Note  string    `json:"note,omitempty"`
	At    time.Time `json:"at"`
}

func registerMood(api huma.API, svc *app.Service) {
	op(api, idempotent(scoped(huma.Operation{
		OperationID: "log-mood", Method: http.MethodPost, Path: "/api/v1/people/{person}/moods",
		Summary: "Log a mood", Description: "Records how the person feels (1-9); the day's score counts the latest mood.", Tags: []string{"today"}, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, "path")), func(ctx context.Context, in *struct {
		PersonPath
		IdempotencyHeader
		Body MoodCreate
	}) (*struct{ Body MoodBody }, error) {
		at, err := factTime(in.Body.At)
		if err != nil {
			return nil, err
		}
		m, _, err := svc.LogMood(ctx, app.MoodInput{Person: in.Person, Value: in.Body.Value, Note: in.Body.Note,
			At: at, Source: domain.SourceAPI, IdempotencyKey: callerKey(ctx, in.IdempotencyKey)})
		if err != nil {
			return nil, err
		}
		return &struct{ Body MoodBody }{MoodBody{ID: m.ID, Value: m.Value, Note: m.Note, At: m.At}}, nil
	})
}
