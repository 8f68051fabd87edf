package hass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/locale"
)

// PersonEntity finds the HA person.* entity a LifeOps person is linked to
// ("" when none).
type PersonEntity func(ctx context.Context, personID int64) (string, error)

// routeTTL is how long a person's resolved notify services are reused: a
// phone added in HA is picked up within it.
const routeTTL = 10 * time.Minute

// Notifier delivers the app's notifications to the person's own devices:
// the mobile_app notify service of every device tracker their HA person
// entity lists. Without a linked person, or when no such service exists or
// answers, it falls back to a persistent notification, which every
// household has. One id (tag) per person, kind, item and day, so a repeated
// reminder replaces the earlier one instead of piling up.
type Notifier struct {
	client *Client
	person PersonEntity
	lang   *locale.Setting
	now    func() time.Time

	mu     sync.Mutex
	routes map[int64]route
}

type route struct {
	services []string // notify.<service>
	at       time.Time
}

var _ app.Notifier = (*Notifier)(nil)

// NewNotifier returns a Notifier on client. person may be nil: everything
// then goes to persistent notifications. lang words LifeOps' own texts (the
// phone's action buttons, Oura's "connect again"); nil: English.
func NewNotifier(client *Client, person PersonEntity, lang *locale.Setting) *Notifier {
	return &Notifier{client: client, person: person, lang: lang, now: time.Now, routes: map[int64]route{}}
}

// Tag is the id a notification is sent with (the mobile app's tag, the
// persistent notification's id): one per person, kind, and item and day or
// Ref, so a repeated one replaces the earlier and it can be cleared.
func Tag(note app.Notification) string {
	if note.Ref != "" {
		return fmt.Sprintf("lifeops_%d_%s_%s", note.PersonID, note.Kind, note.Ref)
	}
	return fmt.Sprintf("lifeops_%d_%s_%d_%s", note.PersonID, note.Kind, note.ItemID, note.Day)
}

// Notify implements app.Notifier. A routine reminder on a phone offers
// DONE and SNOOZE (see NotificationActions).
func (n *Notifier) Notify(ctx context.Context, note app.Notification) error {
	tx := n.lang.Texts()
	id := Tag(note)
	data := map[string]any{"tag": id, "group": "lifeops"}
	if note.Kind == app.NotifyRoutineDue && note.ItemID != 0 {
		data["actions"] = []map[string]any{
			{"action": ActionID(ActionDone, note.PersonID, note.ItemID, note.Day), "title": tx.T("notify.action.done")},
			{"action": ActionID(ActionSnooze, note.PersonID, note.ItemID, note.Day), "title": tx.T("notify.action.snooze", "minutes", SnoozeMinutes)},
		}
	}
	if note.Kind == app.NotifyOuraReauth {
		// The app words it in English; its text is LifeOps' own, so it
		// follows the household's language here.
		note.Title, note.Message = tx.T("notify.oura_reauth.title"), tx.T("notify.oura_reauth.message")
	}
	var errs []error
	for _, svc := range n.route(ctx, note.PersonID) {
		err := n.client.CallService(ctx, "notify", svc, map[string]any{
			"title": note.Title, "message": note.Message, "data": data,
		}, nil)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	err := n.client.CallService(ctx, "persistent_notification", "create", map[string]any{
		"title": note.Title, "message": note.Message, "notification_id": id,
	}, nil)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return nil
}

// Clear takes a notification back: clear_notification on the person's
// phones, or, for a person without one, the persistent notification
// dismissed.
func (n *Notifier) Clear(ctx context.Context, note app.Notification) error {
	id := Tag(note)
	services := n.route(ctx, note.PersonID)
	if len(services) == 0 {
		return n.client.CallService(ctx, "persistent_notification", "dismiss", map[string]any{"notification_id": id}, nil)
	}
	var errs []error
	for _, svc := range services {
		if err := n.client.CallService(ctx, "notify", svc, map[string]any{
			"message": "clear_notification", "data": map[string]any{"tag": id},
		}, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// route resolves, and caches, the notify services of a person's devices.
// A failure to resolve is no reason not to notify: it means the fallback.
func (n *Notifier) route(ctx context.Context, personID int64) []string {
	if n.person == nil {
		return nil
	}
	n.mu.Lock()
	r, ok := n.routes[personID]
	n.mu.Unlock()
	if ok && n.now().Sub(r.at) < routeTTL {
		return r.services
	}
	services, err := n.resolve(ctx, personID)
	if err != nil {
		return nil // not cached: the next notification tries again
	}
	n.mu.Lock()
	n.routes[personID] = route{services: services, at: n.now()}
	n.mu.Unlock()
	return services
}

func (n *Notifier) resolve(ctx context.Context, personID int64) ([]string, error) {
	entity, err := n.person(ctx, personID)
	if err != nil || entity == "" {
		return nil, err
	}
	states, err := n.client.GetStates(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(states, func(s State) bool { return s.EntityID == entity })
	if i < 0 {
		return nil, nil
	}
	raw, err := n.client.Call(ctx, "get_services", nil)
	if err != nil {
		return nil, err
	}
	var all map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("get_services: %w", err)
	}
	return notifyServices(states[i], all["notify"]), nil
}

// notifyServices picks, for each device tracker of a person entity, the
// mobile app's notify service HA registers for that device
// (device_tracker.pixel_8 → notify.mobile_app_pixel_8) when it exists.
func notifyServices(person State, notify map[string]json.RawMessage) []string {
	trackers, _ := person.Attributes["device_trackers"].([]any)
	var out []string
	for _, t := range trackers {
		id, _ := t.(string)
		obj, ok := strings.CutPrefix(id, "device_tracker.")
		if !ok || obj == "" {
			continue
		}
		svc := "mobile_app_" + obj
		if _, exists := notify[svc]; exists && !slices.Contains(out, svc) {
			out = append(out, svc)
		}
	}
	return out
}

// Clearer takes a notification back; *Notifier is one.
type Clearer interface {
	Clear(ctx context.Context, note app.Notification) error
}

// Celebrations tells people of their level-ups, achievements and missed
// routine items, and clears a routine reminder once its item is done,
// skipped or missed. It is an app.EventSink: it queues and returns, and a
// worker delivers.
type Celebrations struct {
	notifier app.Notifier
	lang     *locale.Setting
	log      zerolog.Logger
	queue    chan delivery
}

// delivery is one notification to send, or to clear.
type delivery struct {
	note  app.Notification
	clear bool
}

var _ app.EventSink = (*Celebrations)(nil)

// NewCelebrations starts a worker that delivers through notifier until ctx
// ends. lang words the notifications; nil: English.
func NewCelebrations(ctx context.Context, notifier app.Notifier, lang *locale.Setting, log zerolog.Logger) *Celebrations {
	c := &Celebrations{notifier: notifier, lang: lang, log: log, queue: make(chan delivery, 256)}
	go c.run(ctx)
	return c
}

// Publish implements app.EventSink.
func (c *Celebrations) Publish(_ context.Context, events []domain.Event) {
	for _, ev := range events {
		var out []delivery
		if note, ok := celebration(ev, c.lang.Texts()); ok {
			out = append(out, delivery{note: note})
		}
		if (ev.Kind == domain.EventRoutineMissed || ev.Kind == domain.EventRoutineItemClosed) && ev.Item != nil && ev.Item.Reminded {
			// The reminder was sent with the item's tag (see Tag).
			out = append(out, delivery{clear: true, note: app.Notification{PersonID: ev.PersonID, Kind: app.NotifyRoutineDue,
				ItemID: ev.Item.ItemID, Day: ev.Item.Day}})
		}
		for _, d := range out {
			c.enqueue(ev, d)
		}
	}
}

func (c *Celebrations) enqueue(ev domain.Event, d delivery) {
	select {
	case c.queue <- d:
	default:
		// A burst this large is a replay or a bug; the entities and the
		// event entity still show it, so dropping a message is the lesser harm.
		c.log.Warn().Int64("person", ev.PersonID).Str("kind", string(ev.Kind)).Msg("notification queue full; dropped")
	}
}

func (c *Celebrations) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-c.queue:
			sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			note := d.note
			if !d.clear {
				if err := c.notifier.Notify(sctx, note); err != nil {
					c.log.Warn().Err(err).Int64("person", note.PersonID).Str("kind", string(note.Kind)).Msg("notification not delivered")
				}
			} else if cl, ok := c.notifier.(Clearer); ok {
				if err := cl.Clear(sctx, note); err != nil {
					c.log.Warn().Err(err).Int64("person", note.PersonID).Int64("item_id", note.ItemID).Msg("reminder not cleared")
				}
			}
			cancel()
		}
	}
}

// celebration is the notification an event deserves, if any, in tx's
// language.
func celebration(ev domain.Event, tx locale.Texts) (app.Notification, bool) {
	note := app.Notification{PersonID: ev.PersonID}
	switch {
	case ev.Kind == domain.EventLevelUp && ev.LevelUp != nil:
		note.Kind, note.Title = app.NotifyLevelUp, tx.T("notify.level_up.title", "level", ev.LevelUp.Level)
		note.Message = tx.T("notify.level_up.message", "level", ev.LevelUp.Level)
		switch p := ev.LevelUp.Points; {
		case p == 1:
			note.Message += " " + tx.T("notify.level_up.point")
		case p > 1:
			note.Message += " " + tx.T("notify.level_up.points", "points", p)
		}
		note.Ref = fmt.Sprint(ev.LevelUp.Level)
	case ev.Kind == domain.EventRoutineMissed && ev.Item != nil:
		note.Kind, note.Title = app.NotifyRoutineMissed, tx.T("notify.routine_missed.title")
		note.Message, note.ItemID, note.Day = ev.Item.Title, ev.Item.ItemID, ev.Item.Day
	case ev.Kind == domain.EventAchievementUnlocked && ev.Achievement != nil:
		note.Kind, note.Title = app.NotifyAchievement, tx.T("notify.achievement.title")
		note.Message, note.Ref = ev.Achievement.Name, ev.Achievement.Key
		if ev.Achievement.XP > 0 {
			note.Message = tx.T("notify.achievement.xp", "name", ev.Achievement.Name, "xp", ev.Achievement.XP)
		}
	default:
		return note, false
	}
	return note, true
}
