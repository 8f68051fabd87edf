package hass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// The household's actions: events scripts, automations and voice fire at
// Home Assistant, each answered with a ResultEvent carrying the caller's
// request_id.
const (
	EventLogActivity         = "lifeops_log_activity"
	EventCheckIn             = "lifeops_check_in"
	EventCompleteRoutineItem = "lifeops_complete_routine_item"
	EventAllocateStatPoint   = "lifeops_allocate_stat_point"
	EventLogMood             = "lifeops_log_mood"
	EventPause               = "lifeops_pause"
	EventCompleteTodo        = "lifeops_complete_todo"
	ResultEvent              = "lifeops_result"
)

// ActionEvents lists every event LifeOps listens to.
func ActionEvents() []string {
	return []string{EventLogActivity, EventCheckIn, EventCompleteRoutineItem, EventAllocateStatPoint, EventLogMood, EventPause, EventCompleteTodo}
}

// Actor is the part of the app the actions drive; *app.Service satisfies it.
type Actor interface {
	LogActivity(ctx context.Context, in app.ActivityInput) (app.ActivityResult, error)
	CheckIn(ctx context.Context, in app.CheckInInput) (app.CheckInResult, error)
	Allocate(ctx context.Context, person, node string) (app.CharacterView, error)
	LogMood(ctx context.Context, in app.MoodInput) (domain.Mood, bool, error)
	Pause(ctx context.Context, in app.PauseInput) (app.Versioned[domain.Pause], error)
}

var _ Actor = (*app.Service)(nil)

// RoutineActor completes timeline items; it is optional until routines are
// wired, and the action answers so when it is missing.
type RoutineActor interface {
	CompleteRoutineItem(ctx context.Context, person, item, status string) error
}

// Results keeps the answers to applied actions; *app.Service is one.
type Results interface {
	ActionResult(ctx context.Context, key string) (json.RawMessage, bool, error)
	KeepActionResult(ctx context.Context, key, event string, result json.RawMessage) error
}

var _ Results = (*app.Service)(nil)

// TodoActor completes and reopens to-dos; *app.Service satisfies it. It is
// optional like RoutineActor: the action answers so when it is missing.
type TodoActor interface {
	CompleteTodo(ctx context.Context, person, ref string, done bool) (app.TodoResult, error)
}

var _ TodoActor = (*app.Service)(nil)

// Actions subscribes to the action events and answers each one.
type Actions struct {
	client   *Client
	actor    Actor
	routines RoutineActor
	results  Results
	log      zerolog.Logger
	timeout  time.Duration
}

// KeepResults makes a stores the answer to every applied action with a
// request_id and answer that request_id again from the store, instead of
// applying the action again: the caller who missed the answer (HA's socket
// dropped) asks again with the same request_id.
func (a *Actions) KeepResults(r Results) *Actions {
	a.results = r
	return a
}

// NewActions registers the subscriptions on client (they are re-made after
// every reconnect by the client itself). routines may be nil.
func NewActions(client *Client, actor Actor, routines RoutineActor, log zerolog.Logger) *Actions {
	a := &Actions{client: client, actor: actor, routines: routines, log: log, timeout: 30 * time.Second}
	for _, ev := range ActionEvents() {
		client.SubscribeEvents(ev, a.handle)
	}
	return a
}

// actionData is the union of every action's fields.
type actionData struct {
	RequestID   json.RawMessage `json:"request_id"`
	Person      string          `json:"person"`
	Activity    string          `json:"activity"`
	DurationMin *float64        `json:"duration_min"`
	Quantity    *float64        `json:"quantity"`
	Note        string          `json:"note"`
	At          string          `json:"at"`
	Habit       string          `json:"habit"`
	Item        string          `json:"item"`
	Todo        string          `json:"todo"`
	Status      string          `json:"status"`
	Node        string          `json:"node"`
	Value       *int            `json:"value"`
	Reason      string          `json:"reason"`
	Until       string          `json:"until"`
	From        string          `json:"from"`
}

// handle runs on the client's per-subscription worker, never on the reader.
func (a *Actions) handle(ev Event) {
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	var done map[string]any
	d, err := decodeAction(ev.Data)
	hasID := len(d.RequestID) > 0 && string(d.RequestID) != "null"
	key := eventKey(d, ev)
	if err == nil && hasID && a.results != nil {
		kept, found, kerr := a.results.ActionResult(ctx, key)
		if kerr != nil {
			a.log.Warn().Err(kerr).Str("event", ev.EventType).Msg("kept action result not readable")
		} else if found {
			// Applied before: answer again what was answered then.
			a.fire(ctx, ev.EventType, kept)
			return
		}
	}
	if err == nil {
		done, err = a.run(ctx, ev.EventType, d, key)
	}
	result := map[string]any{"ok": err == nil, "action": ev.EventType}
	if hasID {
		result["request_id"] = d.RequestID
	}
	if err == nil && len(done) > 0 {
		result["done"] = done
	}
	if err != nil {
		result["error"] = Sentence(err)
		log := a.log.Warn()
		if !callerError(err) {
			log = a.log.Error()
		}
		log.Err(err).Str("event", ev.EventType).Str("person", d.Person).Msg("action failed")
	}
	raw, merr := json.Marshal(result)
	if merr != nil {
		a.log.Error().Err(merr).Str("event", ev.EventType).Msg("action result not encodable")
		return
	}
	a.fire(ctx, ev.EventType, raw)
	if err == nil && hasID && a.results != nil {
		// Kept after it is sent, off the caller's wait: a repeat of this
		// request_id is handled by this same subscription's worker, so
		// after this returns, and is answered from here.
		if kerr := a.results.KeepActionResult(ctx, key, ev.EventType, raw); kerr != nil {
			a.log.Warn().Err(kerr).Str("event", ev.EventType).Msg("action result not kept")
		}
	}
}

func (a *Actions) fire(ctx context.Context, event string, result json.RawMessage) {
	if ferr := a.client.FireEvent(ctx, ResultEvent, result); ferr != nil {
		a.log.Warn().Err(ferr).Str("event", event).Msg("action result not delivered")
	}
}

// eventKey makes an action take effect once: a retried one by its
// request_id, and one event seen by several LifeOps replicas (each
// subscribed to HA) by the event's own context id, which HA makes unique
// per event.
func eventKey(d actionData, ev Event) string {
	if id := strings.Trim(string(d.RequestID), `"`); id != "" && id != "null" {
		return "ha:" + id
	}
	if ev.Context.ID != "" {
		return "ha-event:" + ev.Context.ID
	}
	return ""
}

// run applies one action and says what it did (the answer's "done").
func (a *Actions) run(ctx context.Context, event string, d actionData, key string) (map[string]any, error) {
	if d.Person == "" {
		return nil, domain.Invalid("person", nil, "is required (the person's name, slug or id)")
	}
	at, err := parseAt(d.At)
	if err != nil {
		return nil, err
	}
	switch event {
	case EventLogActivity:
		if d.Activity == "" {
			return nil, domain.Invalid("activity", nil, "is required (the activity's name, e.g. walk or deep work)")
		}
		amount, amountField := 0.0, "duration_min"
		switch {
		case d.DurationMin != nil:
			amount = *d.DurationMin
		case d.Quantity != nil:
			amount, amountField = *d.Quantity, "quantity"
		default:
			return nil, domain.Invalid("duration_min", nil, "is required: give duration_min (minutes) or quantity (an amount in the activity's unit)")
		}
		res, err := a.actor.LogActivity(ctx, app.ActivityInput{Person: d.Person, Type: d.Activity, Amount: amount, At: at,
			Note: d.Note, Source: domain.SourceHA, IdempotencyKey: key})
		if err != nil {
			return nil, domain.RenameFields(err, map[string]string{"type": "activity", "amount": amountField})
		}
		return map[string]any{"activity_id": res.Activity.ID, "xp": res.Activity.XP}, nil
	case EventCheckIn:
		if d.Habit == "" {
			return nil, domain.Invalid("habit", nil, "is required (id, slug or name)")
		}
		q := 0.0
		if d.Quantity != nil {
			q = *d.Quantity
		}
		res, err := a.actor.CheckIn(ctx, app.CheckInInput{Person: d.Person, Habit: d.Habit, Quantity: q, At: at,
			Note: d.Note, Source: domain.SourceHA, IdempotencyKey: key})
		if err != nil {
			return nil, domain.RenameFields(err, map[string]string{"amount": "quantity"})
		}
		return map[string]any{"check_in_id": res.CheckIn.ID, "habit": res.Habit.Name, "streak": res.Streak.Current,
			"xp": res.XP, "level": res.Level}, nil
	case EventCompleteRoutineItem:
		if strings.TrimSpace(d.Item) == "" {
			return nil, domain.Invalid("item", nil, "is required (the item's id or title in today's timeline)")
		}
		if a.routines == nil {
			return nil, fmt.Errorf("routines are not set up in this LifeOps: %w", domain.ErrNotFound)
		}
		status := d.Status
		if status == "" {
			status = "done"
		}
		if err := a.routines.CompleteRoutineItem(ctx, d.Person, d.Item, status); err != nil {
			return nil, err
		}
		return map[string]any{"item": d.Item, "status": status}, nil
	case EventCompleteTodo:
		todos, ok := a.routines.(TodoActor)
		if !ok {
			return nil, fmt.Errorf("to-dos are not set up in this LifeOps: %w", domain.ErrNotFound)
		}
		if d.Todo == "" {
			return nil, domain.Invalid("todo", nil, "is required (the to-do's id or title)")
		}
		var done bool
		switch d.Status {
		case "", "done":
			done = true
		case "open":
		default:
			return nil, domain.Invalid("status", d.Status, "must be done or open")
		}
		res, err := todos.CompleteTodo(ctx, d.Person, d.Todo, done)
		if err != nil {
			return nil, err
		}
		return map[string]any{"todo_id": res.Todo.Value.ID, "title": res.Todo.Value.Title, "done": done, "xp": res.XP}, nil
	case EventAllocateStatPoint:
		if d.Node == "" {
			return nil, domain.Invalid("node", nil, "is required (a stat-tree node id)")
		}
		c, err := a.actor.Allocate(ctx, d.Person, d.Node)
		if err != nil {
			return nil, err
		}
		return map[string]any{"node": d.Node, "unspent_points": c.Sheet.UnspentPoints}, nil
	case EventLogMood:
		if d.Value == nil {
			return nil, domain.Invalid("value", nil, "is required: a whole number from 1 to 9")
		}
		m, _, err := a.actor.LogMood(ctx, app.MoodInput{Person: d.Person, Value: *d.Value, Note: d.Note, At: at,
			Source: domain.SourceHA, IdempotencyKey: key})
		if err != nil {
			return nil, err
		}
		return map[string]any{"mood": m.Value}, nil
	case EventPause:
		until, perr := domain.ParseDay(d.Until)
		if perr != nil {
			return nil, domain.Invalid("until", d.Until, "must be a date like 2026-12-24")
		}
		var from domain.Day
		if d.From != "" {
			if from, perr = domain.ParseDay(d.From); perr != nil {
				return nil, domain.Invalid("from", d.From, "must be a date like 2026-12-24")
			}
		}
		pause, err := a.actor.Pause(ctx, app.PauseInput{Person: d.Person, Habit: d.Habit, Reason: domain.PauseReason(d.Reason), From: from, Until: until})
		if err != nil {
			return nil, err
		}
		return map[string]any{"reason": d.Reason, "until": until.String(), "pause_id": pause.Value.ID}, nil
	}
	return nil, fmt.Errorf("unknown action %q", event)
}

func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, domain.Invalid("at", s, "must be a time like 2026-11-26T07:30:00+01:00")
	}
	return t, nil
}

func callerError(err error) bool {
	var v *domain.ValidationError
	return errors.As(err, &v) || errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict) ||
		errors.Is(err, domain.ErrInvalidTransition)
}

// Sentence is an error as a person would want to hear it: the caller's own
// mistakes in full (the field, the value, what is allowed), anything else
// without internals.
func Sentence(err error) string {
	if text, ok := domain.Say(err); ok {
		return text
	}
	return "LifeOps could not do that just now; the add-on log has the details."
}
