package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// PauseInput is the body of POST …/pauses.
type PauseInput struct {
	Habit  string `json:"habit,omitempty" doc:"the habit's id, slug or name; absent: every habit of the person"`
	Reason string `json:"reason" enum:"vacation,sick,rest"`
	From   string `json:"from,omitempty" format:"date" doc:"the first paused day, at most 2 days before today and at most a year ahead; default: today"`
	Until  string `json:"until,omitempty" format:"date" doc:"the last paused day; absent: open, until the pause is ended"`
}

// PausePatch is the body of PATCH …/pauses/{id}: absent fields stay.
type PausePatch struct {
	Reason *string `json:"reason,omitempty" enum:"vacation,sick,rest"`
	From   *string `json:"from,omitempty" format:"date" doc:"only while the pause has not begun or began at most 2 days ago"`
	Until  *string `json:"until,omitempty" format:"date" doc:"a new last day; end a running pause early with yesterday (or today: today stays paused)"`
	Open   bool    `json:"open,omitempty" doc:"true: remove the end (the pause runs until it is ended); not together with until"`
}

// PauseBody is a pause as the API shows it.
type PauseBody struct {
	ID      int64  `json:"id"`
	HabitID int64  `json:"habit_id,omitempty" doc:"the paused habit; absent: every habit of the person"`
	Reason  string `json:"reason" enum:"vacation,sick,rest"`
	From    string `json:"from" format:"date"`
	Until   string `json:"until,omitempty" format:"date" doc:"absent: open"`
	Version int    `json:"version" doc:"the ETag"`
}

// PauseList is a person's pauses, newest start first.
type PauseList struct {
	Items []PauseBody `json:"items"`
}

// PausePath is the {person} and {id} of a pause's paths.
type PausePath struct {
	PersonPath
	ID int64 `path:"id" minimum:"1" doc:"the pause's id"`
}

type pauseOutput struct {
	ETag string `header:"ETag"`
	Body PauseBody
}

type pauseCreated struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     PauseBody
}

func pauseBody(v app.Versioned[domain.Pause]) PauseBody {
	p := v.Value
	b := PauseBody{ID: p.ID, HabitID: p.HabitID, Reason: string(p.Reason), From: p.From.String(), Version: v.Version}
	if !p.Open() {
		b.Until = p.Until.String()
	}
	return b
}

func registerPauses(api huma.API, svc *app.Service) {
	tags := []string{"pauses"}
	op(api, scoped(huma.Operation{
		OperationID: "list-pauses", Method: http.MethodGet, Path: "/api/v1/people/{person}/pauses",
		Summary: "List a person's pauses", Description: "Person-wide pauses and pauses of one habit, newest start first.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body PauseList }, error) {
		list, err := svc.Pauses(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body PauseList }{}
		out.Body.Items = make([]PauseBody, len(list))
		for i, p := range list {
			out.Body.Items[i] = pauseBody(p)
		}
		return out, nil
	})
	op(api, idempotent(scoped(huma.Operation{
		OperationID: "create-pause", Method: http.MethodPost, Path: "/api/v1/people/{person}/pauses",
		Summary: "Pause habits",
		Description: "Paused days that were not done count neither for nor against streaks; a day that was done stays done. " +
			"A pause starts at most 2 days back and at most a year ahead; one that overlaps another pause of the same habit " +
			"(a person-wide pause overlaps every habit) is refused with 409 naming the other. Every affected day's score is recomputed at once.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, "path")), func(ctx context.Context, in *struct {
		PersonPath
		IdempotencyHeader
		Body PauseInput
	}) (*pauseCreated, error) {
		var v domain.ValidationError
		from := parseDay(&v, "from", in.Body.From)
		until := parseDay(&v, "until", in.Body.Until)
		if err := v.Err(); err != nil {
			return nil, err
		}
		p, err := svc.Pause(ctx, app.PauseInput{Person: in.Person, Habit: in.Body.Habit,
			Reason: domain.PauseReason(in.Body.Reason), From: from, Until: until})
		if err != nil {
			return nil, err
		}
		return &pauseCreated{ETag: etag(p.Version), Location: "/api/v1/people/" + in.Person + "/pauses/" + strconv.FormatInt(p.Value.ID, 10),
			Body: pauseBody(p)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-pause", Method: http.MethodGet, Path: "/api/v1/people/{person}/pauses/{id}",
		Summary: "Read a pause", Description: "Answers the pause with its ETag, for a later If-Match.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PausePath) (*pauseOutput, error) {
		p, err := svc.PauseGet(ctx, in.Person, in.ID)
		if err != nil {
			return nil, err
		}
		return &pauseOutput{ETag: etag(p.Version), Body: pauseBody(p)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-pause", Method: http.MethodPatch, Path: "/api/v1/people/{person}/pauses/{id}",
		Summary: "Change or end a pause",
		Description: "End a pause early by setting until. Only days from 2 days before today on may gain or lose the pause; " +
			"older days keep it. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 409, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PausePath
		IfMatch
		Body PausePatch
	}) (*pauseOutput, error) {
		ver, err := in.version()
		if err != nil {
			return nil, err
		}
		var v domain.ValidationError
		var ch app.PauseChange
		if in.Body.Reason != nil {
			r := domain.PauseReason(*in.Body.Reason)
			ch.Reason = &r
		}
		if in.Body.From != nil {
			d := parseDay(&v, "from", *in.Body.From)
			if d.IsZero() && *in.Body.From == "" {
				v.Add("from", "", "must be a date YYYY-MM-DD")
			}
			ch.From = &d
		}
		switch {
		case in.Body.Open && in.Body.Until != nil:
			v.Add("open", true, "cannot be sent together with until")
		case in.Body.Open:
			ch.Until = &domain.Day{}
		case in.Body.Until != nil:
			d := parseDay(&v, "until", *in.Body.Until)
			if d.IsZero() && *in.Body.Until == "" {
				v.Add("until", "", "must be a date YYYY-MM-DD; send open: true to remove the end")
			}
			ch.Until = &d
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		p, err := svc.UpdatePause(ctx, in.Person, in.ID, ch, ver)
		if err != nil {
			return nil, err
		}
		return &pauseOutput{ETag: etag(p.Version), Body: pauseBody(p)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "delete-pause", Method: http.MethodDelete, Path: "/api/v1/people/{person}/pauses/{id}",
		Summary: "Remove a pause",
		Description: "Removes a pause that has not begun or began at most 2 days ago (409 for an older one: end it with PATCH until). " +
			"Send If-Match to refuse a stale delete (412).",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 409, 412},
	}, "path"), func(ctx context.Context, in *struct {
		PausePath
		IfMatch
	}) (*struct{}, error) {
		ver, err := in.version()
		if err != nil {
			return nil, err
		}
		return nil, svc.DeletePause(ctx, in.Person, in.ID, ver)
	})
}
