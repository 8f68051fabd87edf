package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

// ConditionBody is what a sensor's state must satisfy.
type ConditionBody struct {
	Op    string `json:"op" enum:"eq,ne,gt,ge,lt,le,on,off" doc:"on/off read the state as a switch (on, true, ON, home …); gt/ge/lt/le compare numbers; eq/ne compare numbers, else text ignoring case. unknown/unavailable never satisfy a condition."`
	Value string `json:"value,omitempty" maxLength:"255" doc:"the value to compare with; empty for on and off"`
}

// RuleWindowBody is the local clock-time window a rule looks at.
type RuleWindowBody struct {
	Start string `json:"start" pattern:"^[0-2][0-9]:[0-5][0-9]$" doc:"HH:MM"`
	End   string `json:"end" pattern:"^[0-2][0-9]:[0-5][0-9]$" doc:"HH:MM up to 24:00; before start: the window crosses midnight and belongs to the day it starts"`
}

// QuantityBody is how much an action records.
type QuantityBody struct {
	Kind  string  `json:"kind" enum:"fixed,duration_minutes,state" doc:"fixed: value; duration_minutes: the rule's duration in minutes; state: the sensor's numeric state when the rule fired"`
	Value float64 `json:"value,omitempty" doc:"the amount for fixed"`
}

// RuleActionBody is what a matched rule does.
type RuleActionBody struct {
	Kind     string        `json:"kind" enum:"check_in,routine_item,activity"`
	Habit    string        `json:"habit,omitempty" maxLength:"200" doc:"check_in: the habit's id, slug or name (stored as its id)"`
	Item     string        `json:"item,omitempty" maxLength:"200" doc:"routine_item: the item's id or title in the day's timeline"`
	Activity string        `json:"activity,omitempty" maxLength:"200" doc:"activity: an activity type key"`
	Quantity *QuantityBody `json:"quantity,omitempty" doc:"required for activity, optional for check_in"`
}

// RuleInputBody is the body of POST and PUT on evidence rules.
type RuleInputBody struct {
	Name       string          `json:"name" minLength:"1" maxLength:"100"`
	Sensors    []string        `json:"sensors" minItems:"1" maxItems:"8" doc:"keys of one physical sensor as its sources name it: an HA entity id (binary_sensor.bed_occupancy), zigbee2mqtt/<friendly_name>/<property>, esphome/<node>/<component>/<object_id>. The rule fires once per day whichever reports first."`
	Condition  ConditionBody   `json:"condition"`
	ForSeconds int             `json:"for_seconds,omitempty" minimum:"0" maximum:"86400" doc:"how long the condition must hold without a break, inside the window"`
	Window     *RuleWindowBody `json:"window,omitempty" doc:"absent: the whole local day"`
	Action     RuleActionBody  `json:"action"`
	Enabled    *bool           `json:"enabled,omitempty" doc:"default: true"`
}

// RuleBody is an evidence rule as the API shows it.
type RuleBody struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Sensors    []string        `json:"sensors"`
	Condition  ConditionBody   `json:"condition"`
	ForSeconds int             `json:"for_seconds"`
	Window     *RuleWindowBody `json:"window,omitempty"`
	Action     RuleActionBody  `json:"action"`
	Enabled    bool            `json:"enabled"`
	Version    int             `json:"version" doc:"the ETag"`
}

// RuleList is a person's evidence rules.
type RuleList struct {
	Items []RuleBody `json:"items"`
}

// ReadingBody is one reading a match saw.
type ReadingBody struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
}

// MatchBody is one firing of a rule: its evidence and what it did.
type MatchBody struct {
	ID         int64          `json:"id"`
	RuleID     int64          `json:"rule_id"`
	Day        string         `json:"day" format:"date" doc:"the local day the match counts for"`
	Window     string         `json:"window" doc:"the day and window it matched in"`
	Sensor     string         `json:"sensor" doc:"the sensor key that reported it first"`
	From       time.Time      `json:"from" doc:"when the condition began to hold inside the window"`
	To         time.Time      `json:"to" doc:"when it had held for the rule's duration"`
	State      string         `json:"state" doc:"the state at to"`
	Quantity   *float64       `json:"quantity,omitempty"`
	Readings   []ReadingBody  `json:"readings" doc:"the readings in effect from from to to"`
	Action     RuleActionBody `json:"action" doc:"the rule's action as it fired"`
	CheckInID  int64          `json:"check_in_id,omitempty"`
	ActivityID int64          `json:"activity_id,omitempty"`
	ItemID     int64          `json:"item_id,omitempty"`
	ItemDay    string         `json:"item_day,omitempty" format:"date"`
	Error      string         `json:"error,omitempty" doc:"why the action was refused (the match still counts for its day)"`
	MatchedAt  time.Time      `json:"matched_at"`
	UndoneAt   *time.Time     `json:"undone_at,omitempty"`
}

// MatchPage is one page of matches, newest first.
type MatchPage struct {
	Items      []MatchBody `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
}

func actionBody(a evidence.Action) RuleActionBody {
	b := RuleActionBody{Kind: string(a.Kind), Habit: a.Habit, Item: a.Item, Activity: a.Activity}
	if a.Quantity != nil {
		b.Quantity = &QuantityBody{Kind: string(a.Quantity.Kind), Value: a.Quantity.Value}
	}
	return b
}

func ruleBody(v app.Versioned[evidence.Rule]) RuleBody {
	r := v.Value
	b := RuleBody{ID: r.ID, Name: r.Name, Sensors: r.Sensors, Condition: ConditionBody{Op: string(r.Condition.Op), Value: r.Condition.Value},
		ForSeconds: int(r.For / time.Second), Action: actionBody(r.Action), Enabled: r.Enabled, Version: v.Version}
	if r.Window != nil {
		b.Window = &RuleWindowBody{Start: r.Window.Start.String(), End: r.Window.End.String()}
	}
	return b
}

func matchBody(m app.EvidenceMatch) MatchBody {
	b := MatchBody{ID: m.ID, RuleID: m.RuleID, Day: m.Day.String(), Window: m.WindowKey, Sensor: m.Sensor, From: m.StartedAt,
		To: m.EndedAt, State: m.State, Quantity: m.Quantity, Readings: make([]ReadingBody, len(m.Readings)), Action: actionBody(m.Action),
		CheckInID: m.CheckInID, ActivityID: m.ActivityID, ItemID: m.ItemID, Error: m.Error, MatchedAt: m.MatchedAt, UndoneAt: m.UndoneAt}
	for i, r := range m.Readings {
		b.Readings[i] = ReadingBody{At: r.At, State: r.State}
	}
	if !m.ItemDay.IsZero() {
		b.ItemDay = m.ItemDay.String()
	}
	return b
}

func ruleInput(b RuleInputBody) (app.RuleInput, error) {
	var v domain.ValidationError
	in := app.RuleInput{Name: b.Name, Sensors: b.Sensors, Condition: evidence.Condition{Op: evidence.Op(b.Condition.Op), Value: b.Condition.Value},
		For: time.Duration(b.ForSeconds) * time.Second, Enabled: b.Enabled == nil || *b.Enabled,
		Action: evidence.Action{Kind: evidence.ActionKind(b.Action.Kind), Habit: b.Action.Habit, Item: b.Action.Item, Activity: b.Action.Activity}}
	if q := b.Action.Quantity; q != nil {
		in.Action.Quantity = &evidence.Quantity{Kind: evidence.QuantityKind(q.Kind), Value: q.Value}
	}
	if w := b.Window; w != nil {
		start, err := domain.ParseClock(w.Start)
		if err != nil {
			v.Add("window.start", w.Start, "must be a time HH:MM")
		}
		end, err := domain.ParseClock(w.End)
		if err != nil {
			v.Add("window.end", w.End, "must be a time HH:MM up to 24:00")
		}
		in.Window = &evidence.Window{Start: start, End: end}
	}
	return in, v.Err()
}

// RulePath is the {person} and {rule} of a rule's paths.
type RulePath struct {
	PersonPath
	Rule int64 `path:"rule" minimum:"1" doc:"the rule's id"`
}

type ruleOutput struct {
	ETag string `header:"ETag"`
	Body RuleBody
}

func parseCursor(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || n <= 0 {
		return 0, badParam("query.cursor", cursor, "is not a cursor this API gave out")
	}
	return n, nil
}

func matchPage(ms []app.EvidenceMatch, limit int) MatchPage {
	page := MatchPage{Items: make([]MatchBody, 0, min(len(ms), limit))}
	for i, m := range ms {
		if i == limit {
			page.NextCursor = strconv.FormatInt(ms[i-1].ID, 10)
			break
		}
		page.Items = append(page.Items, matchBody(m))
	}
	return page
}

func registerEvidence(api huma.API, svc *app.Service) {
	tags := []string{"evidence"}
	base := "/api/v1/people/{person}/evidence-rules"
	op(api, scoped(huma.Operation{
		OperationID: "list-evidence-rules", Method: http.MethodGet, Path: base,
		Summary: "List a person's evidence rules", Description: "Rules that complete habits, routine items and activities from sensor states, with their ETags (version).",
		Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body RuleList }, error) {
		rules, err := svc.Rules(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body RuleList }{}
		out.Body.Items = make([]RuleBody, len(rules))
		for i, r := range rules {
			out.Body.Items[i] = ruleBody(r)
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "create-evidence-rule", Method: http.MethodPost, Path: base,
		Summary: "Add an evidence rule", Description: "\"Sensor meets a condition for a duration inside a window ⇒ check in a habit / complete a routine item / log an activity\". Answers the ETag of the new rule.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Body RuleInputBody
	}) (*ruleOutput, error) {
		ri, err := ruleInput(in.Body)
		if err != nil {
			return nil, err
		}
		r, err := svc.CreateRule(ctx, in.Person, ri)
		if err != nil {
			return nil, err
		}
		return &ruleOutput{ETag: etag(r.Version), Body: ruleBody(r)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-evidence-rule", Method: http.MethodGet, Path: base + "/{rule}",
		Summary: "Read an evidence rule", Description: "Answers the rule with its ETag.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *RulePath) (*ruleOutput, error) {
		r, err := svc.Rule(ctx, in.Person, in.Rule)
		if err != nil {
			return nil, err
		}
		return &ruleOutput{ETag: etag(r.Version), Body: ruleBody(r)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-evidence-rule", Method: http.MethodPut, Path: base + "/{rule}",
		Summary: "Redefine an evidence rule", Description: "Replaces the rule; matches already recorded stay. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		RulePath
		IfMatch
		Body RuleInputBody
	}) (*ruleOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		ri, err := ruleInput(in.Body)
		if err != nil {
			return nil, err
		}
		r, err := svc.UpdateRule(ctx, in.Person, in.Rule, ri, v)
		if err != nil {
			return nil, err
		}
		return &ruleOutput{ETag: etag(r.Version), Body: ruleBody(r)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "delete-evidence-rule", Method: http.MethodDelete, Path: base + "/{rule}",
		Summary: "Delete an evidence rule", Description: "The rule stops firing; its matches stay and can still be undone.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *RulePath) (*struct{}, error) {
		return nil, svc.DeleteRule(ctx, in.Person, in.Rule)
	})
	// matches is a page of a person's matches, of one rule unless rule is 0.
	matches := func(ctx context.Context, person string, rule int64, q PageQuery) (*struct{ Body MatchPage }, error) {
		before, err := parseCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		limit := min(max(q.Limit, 1), MaxPageSize)
		ms, err := svc.Matches(ctx, person, rule, before, limit+1)
		if err != nil {
			return nil, err
		}
		return &struct{ Body MatchPage }{Body: matchPage(ms, limit)}, nil
	}
	op(api, scoped(huma.Operation{
		OperationID: "list-evidence-rule-matches", Method: http.MethodGet, Path: base + "/{rule}/matches",
		Summary: "Page through a rule's matches, newest first", Description: "What the rule saw (sensor, from, to, the readings) and what it did. Pass next_cursor as cursor for the next page.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		RulePath
		PageQuery
	}) (*struct{ Body MatchPage }, error) {
		return matches(ctx, in.Person, in.Rule, in.PageQuery)
	})
	op(api, scoped(huma.Operation{
		OperationID: "list-evidence-matches", Method: http.MethodGet, Path: "/api/v1/people/{person}/evidence-matches",
		Summary: "Page through a person's matches of every rule, newest first", Description: "Pass next_cursor as cursor for the next page.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		PageQuery
	}) (*struct{ Body MatchPage }, error) {
		return matches(ctx, in.Person, 0, in.PageQuery)
	})
	op(api, scoped(huma.Operation{
		OperationID: "undo-evidence-match", Method: http.MethodPost, Path: "/api/v1/people/{person}/evidence-matches/{match}/undo",
		Summary: "Undo what a match did", Description: "Reverses the check-in, activity or routine item the match completed, with all their effects, and marks the match undone; the rule does not fire again that day. Undoing twice is harmless.",
		Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Match int64 `path:"match" minimum:"1" doc:"the match's id"`
	}) (*struct{ Body MatchBody }, error) {
		m, err := svc.UndoMatch(ctx, in.Person, in.Match)
		if err != nil {
			return nil, err
		}
		return &struct{ Body MatchBody }{Body: matchBody(m)}, nil
	})
}
