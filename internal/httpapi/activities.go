package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// MaxPageSize caps every list's limit.
const MaxPageSize = 200

// ActivityBody is one logged activity.
type ActivityBody struct {
	ID     int64     `json:"id"`
	Type   string    `json:"type"`
	Amount float64   `json:"amount" doc:"in the type's unit (minutes for minute types)"`
	At     time.Time `json:"at"`
	Note   string    `json:"note,omitempty"`
	Source string    `json:"source" enum:"manual,ha,sensor,oura,api"`
	XP     int       `json:"xp" doc:"the XP this log earned (marginal: later logs of a type on one day earn less)"`
}

func activityBody(a domain.Activity) ActivityBody {
	return ActivityBody{ID: a.ID, Type: a.Type, Amount: a.Amount, At: a.At, Note: a.Note, Source: string(a.Source), XP: a.XP}
}

// ActivityCreate is the body of POST …/activities.
type ActivityCreate struct {
	Type   string     `json:"type" minLength:"1" maxLength:"40" doc:"an activity type: its key, name or an alias (GET /api/v1/activity-types)"`
	Amount float64    `json:"amount" exclusiveMinimum:"0" maximum:"1440" doc:"in the type's unit"`
	At     *time.Time `json:"at,omitempty" doc:"when it happened; default: now. At most 7 days back; pays XP only within 2 days of its day (docs/rules.md)."`
	Note   string     `json:"note,omitempty" maxLength:"500"`
}

// ActivityPage is one page of activities, newest first.
type ActivityPage struct {
	Items      []ActivityBody `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
}

// ActivityTypeBody is an entry of the activity catalogue.
type ActivityTypeBody struct {
	Key             string   `json:"key" pattern:"^[a-z][a-z0-9_]{0,39}$"`
	Name            string   `json:"name" minLength:"1" maxLength:"80"`
	Unit            string   `json:"unit" enum:"minutes,count,km"`
	XPPerUnit       float64  `json:"xp_per_unit" exclusiveMinimum:"0" maximum:"100"`
	FullUnitsPerDay float64  `json:"full_units_per_day" exclusiveMinimum:"0" doc:"units per day that earn full XP; past it XP decays"`
	Category        string   `json:"category" enum:"fitness,mind,social,chores,wellbeing"`
	Stats           []string `json:"stats" minItems:"1" maxItems:"6" doc:"the character stats it feeds, strongest first"`
	Custom          bool     `json:"custom,omitempty" readOnly:"true" doc:"added by the household"`
	Aliases         []string `json:"aliases,omitempty" maxItems:"20" doc:"other names HA actions and voice accept (walking for walk); set them with PUT /api/v1/activity-types/{key}/names"`
}

// ActivityTypeNamesBody is the household's own words for an activity type.
type ActivityTypeNamesBody struct {
	Name    string   `json:"name,omitempty" maxLength:"80" doc:"the display name; empty keeps the current one"`
	Aliases []string `json:"aliases" maxItems:"20" doc:"other names people say for it, each used by no other type; they replace the current ones ([] removes them)"`
}

func activityTypeBody(t domain.ActivityType) ActivityTypeBody {
	stats := make([]string, len(t.Stats))
	for i, s := range t.Stats {
		stats[i] = string(s)
	}
	return ActivityTypeBody{Key: t.Key, Name: t.Name, Unit: string(t.Unit), XPPerUnit: t.XPPerUnit,
		FullUnitsPerDay: t.FullUnitsPerDay, Category: string(t.Category), Stats: stats, Custom: t.Custom, Aliases: t.Aliases}
}

// IdempotencyHeader documents Idempotency-Key on the operations that honour it.
type IdempotencyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"retry safely: the same key and body (compared as JSON values) replay the first answer, also to a duplicate sent while the first still runs; the same key with another body is refused (422)"`
}

func idempotent(o huma.Operation) huma.Operation {
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	o.Metadata[metaIdempotent] = true
	// A duplicate that waited too long for the first answer gets a 409.
	if !slices.Contains(o.Errors, http.StatusConflict) {
		o.Errors = append(o.Errors, http.StatusConflict)
	}
	return o
}

// PageQuery is cursor pagination: cursor is opaque to clients.
type PageQuery struct {
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func registerActivities(api huma.API, svc *app.Service) {
	tags := []string{"activities"}
	op(api, scoped(huma.Operation{
		OperationID: "list-activities", Method: http.MethodGet, Path: "/api/v1/people/{person}/activities",
		Summary: "Page through a person's activities, newest first", Description: "Newest first; pass next_cursor as cursor to read the next page. limit is at most 200.", Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		PageQuery
	}) (*struct{ Body ActivityPage }, error) {
		var before int64
		if in.Cursor != "" {
			n, err := strconv.ParseInt(in.Cursor, 10, 64)
			if err != nil || n <= 0 {
				return nil, badParam("query.cursor", in.Cursor, "is not a cursor this API gave out")
			}
			before = n
		}
		limit := min(max(in.Limit, 1), MaxPageSize)
		// One more than asked tells whether another page exists.
		acts, err := svc.Activities(ctx, in.Person, before, limit+1)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body ActivityPage }{}
		out.Body.Items = make([]ActivityBody, 0, min(len(acts), limit))
		for i, a := range acts {
			if i == limit {
				out.Body.NextCursor = strconv.FormatInt(acts[i-1].ID, 10)
				break
			}
			out.Body.Items = append(out.Body.Items, activityBody(a))
		}
		return out, nil
	})
	op(api, idempotent(scoped(huma.Operation{
		OperationID: "log-activity", Method: http.MethodPost, Path: "/api/v1/people/{person}/activities",
		Summary: "Log an activity", Description: "Awards XP (diminishing per type per day), grows stats, updates the score and achievements. " +
			"When an Oura Ring already recorded the same workout (same type, started within 30 minutes), that activity (source oura) is the answer and nothing is added.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, "path")), func(ctx context.Context, in *struct {
		PersonPath
		IdempotencyHeader
		Body ActivityCreate
	}) (*struct{ Body ActivityBody }, error) {
		at, err := factTime(in.Body.At)
		if err != nil {
			return nil, err
		}
		res, err := svc.LogActivity(ctx, app.ActivityInput{Person: in.Person, Type: in.Body.Type, Amount: in.Body.Amount,
			At: at, Note: in.Body.Note, Source: domain.SourceAPI, IdempotencyKey: callerKey(ctx, in.IdempotencyKey)})
		if err != nil {
			return nil, err
		}
		return &struct{ Body ActivityBody }{activityBody(res.Activity)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "undo-activity", Method: http.MethodDelete, Path: "/api/v1/people/{person}/activities/{id}",
		Summary: "Undo an activity", Description: "Removes it and reverses every effect it had (XP, stats, score).",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		ID int64 `path:"id" minimum:"1"`
	}) (*struct{}, error) {
		return nil, svc.UndoActivity(ctx, in.Person, in.ID)
	})
	op(api, guard(huma.Operation{
		OperationID: "list-activity-types", Method: http.MethodGet, Path: "/api/v1/activity-types",
		Summary: "The activity catalogue", Description: "The shipped activity types and the household's own, with their units, XP rates and the stats they feed.", Tags: tags,
	}, access{scope: app.ScopeRead, shared: true}), func(ctx context.Context, _ *struct{}) (*struct{ Body ActivityTypeList }, error) {
		types, err := svc.ActivityTypes(ctx)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body ActivityTypeList }{}
		out.Body.Items = make([]ActivityTypeBody, len(types))
		for i, t := range types {
			out.Body.Items[i] = activityTypeBody(t)
		}
		return out, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "add-activity-type", Method: http.MethodPost, Path: "/api/v1/activity-types",
		Summary: "Add a household activity type", Description: "Adds a type the household can log; its key must be new.", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, in *struct{ Body ActivityTypeBody }) (*struct{ Body ActivityTypeBody }, error) {
		b := in.Body
		t := domain.ActivityType{Key: b.Key, Name: b.Name, Unit: domain.Unit(b.Unit), XPPerUnit: b.XPPerUnit,
			FullUnitsPerDay: b.FullUnitsPerDay, Category: domain.Category(b.Category), Aliases: b.Aliases}
		for _, s := range b.Stats {
			t.Stats = append(t.Stats, domain.Stat(s))
		}
		added, err := svc.AddActivityType(ctx, t)
		if err != nil {
			return nil, err
		}
		return &struct{ Body ActivityTypeBody }{activityTypeBody(added)}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "set-activity-type-names", Method: http.MethodPut, Path: "/api/v1/activity-types/{key}/names",
		Summary: "Name an activity type in the household's words",
		Description: "Sets the display name and the aliases of a shipped or household type; HA actions, voice and evidence rules then accept " +
			"any of them (case and spaces do not matter). An alias already naming another type is refused.",
		Tags: tags, Errors: []int{404, 422},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, in *struct {
		Key  string `path:"key" pattern:"^[a-z][a-z0-9_]{0,39}$" doc:"the type's key"`
		Body ActivityTypeNamesBody
	}) (*struct{ Body ActivityTypeBody }, error) {
		t, err := svc.SetActivityTypeNames(ctx, in.Key, in.Body.Name, in.Body.Aliases)
		if err != nil {
			return nil, err
		}
		return &struct{ Body ActivityTypeBody }{activityTypeBody(t)}, nil
	})
}

// ActivityTypeList is a list of activity types.
type ActivityTypeList struct {
	Items []ActivityTypeBody `json:"items"`
}
