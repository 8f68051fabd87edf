package oura

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Webhook errors. A receiver answers 401 to ErrBadSignature and
// ErrBadVerificationToken, 400 to a *domain.ValidationError.
var (
	ErrBadVerificationToken = errors.New("oura webhook: verification token mismatch")
	ErrBadSignature         = errors.New("oura webhook: bad signature")
)

// Webhook headers Oura sends with every delivery.
const (
	HeaderSignature = "x-oura-signature"
	HeaderTimestamp = "x-oura-timestamp"
)

// maxWebhookBody bounds a notification; real ones are a few hundred bytes.
const maxWebhookBody = 64 << 10

// ChallengeResponse answers Oura's subscription check
// GET <callback>?verification_token=…&challenge=…: it checks the token in
// constant time and returns the JSON body to send with status 200.
func ChallengeResponse(query url.Values, verificationToken string) ([]byte, error) {
	got := query.Get("verification_token")
	if verificationToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(verificationToken)) != 1 {
		return nil, ErrBadVerificationToken
	}
	challenge := query.Get("challenge")
	if challenge == "" {
		return nil, domain.Invalid("challenge", nil, "must not be empty")
	}
	// Echo the challenge as sent: Oura may compare bytes, so no HTML escaping.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Challenge string `json:"challenge"`
	}{challenge}); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// VerifySignature checks x-oura-signature: HMAC-SHA256 keyed with the
// client secret over the timestamp header followed by the raw body, sent as
// hex. The header is decoded and the MAC bytes compared, so its letter case
// does not matter.
func VerifySignature(clientSecret, timestamp, signature string, body []byte) error {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size || clientSecret == "" {
		return ErrBadSignature
	}
	if !hmac.Equal(got, Sign(clientSecret, timestamp, body)) {
		return ErrBadSignature
	}
	return nil
}

// Sign computes the webhook MAC (for tests and fake senders); send it as
// strings.ToUpper(hex.EncodeToString(mac)) like Oura does.
func Sign(clientSecret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(timestamp))
	m.Write(body)
	return m.Sum(nil)
}

// Notification is one webhook delivery.
type Notification struct {
	EventType string    `json:"event_type"` // create, update, delete
	DataType  string    `json:"data_type"`  // daily_sleep, vo2_max, …
	ObjectID  string    `json:"object_id"`
	EventTime time.Time `json:"event_time"`
	UserID    string    `json:"user_id"`
}

// Collection maps the notification's data_type to the route to fetch the
// document from (webhooks say vo2_max, the route is vO2_max).
func (n Notification) Collection() Collection {
	if n.DataType == "vo2_max" {
		return VO2Max
	}
	return Collection(n.DataType)
}

// ParseNotification decodes and checks a delivery body.
func ParseNotification(body []byte) (Notification, error) {
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return Notification{}, domain.Invalid("body", nil, "is not a JSON notification: "+err.Error())
	}
	var v domain.ValidationError
	switch n.EventType {
	case "create", "update", "delete":
	default:
		v.Add("event_type", n.EventType, "must be create, update or delete")
	}
	if n.DataType == "" {
		v.Add("data_type", nil, "must not be empty")
	}
	if n.ObjectID == "" {
		v.Add("object_id", nil, "must not be empty")
	}
	if err := v.Err(); err != nil {
		return Notification{}, err
	}
	return n, nil
}

// ReadNotification reads a delivery request: bounded body, signature check
// against clientSecret, then ParseNotification. Answer 2xx within 10 s and
// fetch the document afterwards; Oura retries failures for about an hour.
func ReadNotification(r *http.Request, clientSecret string) (Notification, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil {
		return Notification{}, fmt.Errorf("oura webhook: read body: %w", err)
	}
	if len(body) > maxWebhookBody {
		return Notification{}, domain.Invalid("body", nil, fmt.Sprintf("larger than %d bytes", maxWebhookBody))
	}
	if err := VerifySignature(clientSecret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body); err != nil {
		return Notification{}, err
	}
	return ParseNotification(body)
}
