package hass

import (
	"context"
	"fmt"

	"github.com/lifeops/lifeops/internal/app"
)

// Notifier delivers the app's reminders as Home Assistant persistent
// notifications, which every household has; one id per person, item and day
// so a repeated reminder replaces the earlier one instead of piling up.
type Notifier struct {
	client *Client
}

var _ app.Notifier = (*Notifier)(nil)

// NewNotifier returns a Notifier on client.
func NewNotifier(client *Client) *Notifier { return &Notifier{client: client} }

// Notify implements app.Notifier.
func (n *Notifier) Notify(ctx context.Context, note app.Notification) error {
	id := fmt.Sprintf("lifeops_%d_%s_%d_%s", note.PersonID, note.Kind, note.ItemID, note.Day)
	return n.client.CallService(ctx, "persistent_notification", "create", map[string]any{
		"title": note.Title, "message": note.Message, "notification_id": id,
	}, nil)
}
