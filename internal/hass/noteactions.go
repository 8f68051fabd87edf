package hass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// NotificationActionEvent is what HA fires when someone taps an action of
// a mobile app notification.
const NotificationActionEvent = "mobile_app_notification_action"

// The actions a routine reminder offers on a phone.
const (
	ActionDone   = "DONE"
	ActionSnooze = "SNOOZE"
)

// SnoozeMinutes is how long SNOOZE puts a reminder off.
const SnoozeMinutes = 10

// actionPrefix starts every LifeOps action id, so actions of other
// integrations' notifications are left alone.
const actionPrefix = "LIFEOPS_"

// ActionID names one action of one reminder: LIFEOPS_<DONE|SNOOZE>_<person
// id>_<item id>_<day>. The person and the day travel with the tap, so it
// acts on the entry it was sent for even after midnight.
func ActionID(action string, personID, itemID int64, day domain.Day) string {
	return fmt.Sprintf("%s%s_%d_%d_%s", actionPrefix, action, personID, itemID, day)
}

// tap is a parsed action id.
type tap struct {
	action         string
	person, itemID int64
	day            domain.Day
}

func parseActionID(s string) (tap, bool) {
	rest, ok := strings.CutPrefix(s, actionPrefix)
	if !ok {
		return tap{}, false
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 4 || (parts[0] != ActionDone && parts[0] != ActionSnooze) {
		return tap{}, false
	}
	person, err1 := strconv.ParseInt(parts[1], 10, 64)
	item, err2 := strconv.ParseInt(parts[2], 10, 64)
	day, err3 := domain.ParseDay(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || person <= 0 || item <= 0 {
		return tap{}, false
	}
	return tap{action: parts[0], person: person, itemID: item, day: day}, true
}

// ItemActor sets a timeline entry's status; *app.Service is one.
type ItemActor interface {
	SetItemStatus(ctx context.Context, in app.ItemStatusInput) (app.ItemStatusResult, error)
}

var _ ItemActor = (*app.Service)(nil)

// NotificationActions handles DONE and SNOOZE tapped on a routine
// reminder. A tap counts only from the person the reminder was sent to:
// the HA user who tapped must be the user of the person's HA person
// entity. Tapping twice (or on two phones) changes the entry once.
type NotificationActions struct {
	client *Client
	actor  ItemActor
	person PersonEntity
	log    zerolog.Logger
}

// NewNotificationActions subscribes to HA's notification action events.
func NewNotificationActions(client *Client, actor ItemActor, person PersonEntity, log zerolog.Logger) *NotificationActions {
	a := &NotificationActions{client: client, actor: actor, person: person, log: log}
	client.SubscribeEvents(NotificationActionEvent, a.handle)
	return a
}

func (a *NotificationActions) handle(ev Event) {
	var d struct {
		Action string `json:"action"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return
	}
	t, ok := parseActionID(d.Action)
	if !ok {
		return // another integration's notification, or not ours
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := a.log.With().Int64("person", t.person).Int64("item_id", t.itemID).Str("action", t.action).Logger()
	if err := a.sentTo(ctx, t.person, ev.Context.UserID); err != nil {
		log.Warn().Err(err).Msg("notification action refused")
		return
	}
	in := app.ItemStatusInput{Person: strconv.FormatInt(t.person, 10), Item: strconv.FormatInt(t.itemID, 10), Day: t.day,
		Status: routine.StatusDone, Source: domain.SourceHA}
	if t.action == ActionSnooze {
		in.Status, in.SnoozeMin = routine.StatusSnoozed, SnoozeMinutes
	}
	_, err := a.actor.SetItemStatus(ctx, in)
	switch {
	case err == nil:
	case errors.Is(err, domain.ErrInvalidTransition):
		// Already done (a second tap, another phone): nothing to do.
		log.Debug().Err(err).Msg("notification action repeated")
	default:
		log.Warn().Err(err).Msg("notification action failed")
	}
}

// sentTo checks that user is the HA user of the person's linked HA person
// entity: reminders with actions only go to the phones of that person.
func (a *NotificationActions) sentTo(ctx context.Context, personID int64, user string) error {
	if user == "" {
		return errors.New("the tap names no HA user")
	}
	entity, err := a.person(ctx, personID)
	if err != nil {
		return err
	}
	if entity == "" {
		return errors.New("the person is linked to no HA person, so no phone got their reminders")
	}
	states, err := a.client.GetStates(ctx)
	if err != nil {
		return err
	}
	for _, s := range states {
		if s.EntityID == entity {
			if owner, _ := s.Attributes["user_id"].(string); owner == user {
				return nil
			}
			return fmt.Errorf("HA user %s is not %s", user, entity)
		}
	}
	return fmt.Errorf("%s is not in HA", entity)
}
