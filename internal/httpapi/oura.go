package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// OuraWebhook checks Oura's webhook calls; main wires package oura's
// helpers in. Errors matching ErrWebhookRejected answer 401.
type OuraWebhook interface {
	// Challenge checks Oura's subscription check and returns the challenge
	// to echo.
	Challenge(verificationToken, challenge string) (string, error)
	// Notification checks a delivery's signature and names the document
	// it announces.
	Notification(timestamp, signature string, body []byte) (collection, objectID string, err error)
}

// ErrWebhookRejected is a webhook call whose verification token or
// signature is wrong.
var ErrWebhookRejected = errors.New("oura webhook rejected")

// OuraConnectBody is where to send the person to connect their ring.
type OuraConnectBody struct {
	AuthorizeURL string    `json:"authorize_url" doc:"Oura's consent page; after approving, Oura redirects to /api/v1/oura/callback, or the person pastes the code at POST …/oura/code"`
	ExpiresAt    time.Time `json:"expires_at" doc:"the link is good for one use until then"`
}

// OuraCodeInput is a code copied from Oura's redirect.
type OuraCodeInput struct {
	Code string `json:"code" minLength:"1" maxLength:"2048" doc:"the code parameter of the address Oura redirected to"`
}

// OuraCollectionDay is the latest day stored for one collection.
type OuraCollectionDay struct {
	Collection string `json:"collection"`
	Day        string `json:"day" doc:"YYYY-MM-DD"`
}

// OuraStatusBody is a person's Oura connection and freshness.
type OuraStatusBody struct {
	Enabled      bool                `json:"enabled" doc:"an Oura application is configured"`
	Connected    bool                `json:"connected"`
	NeedsReauth  bool                `json:"needs_reauth" doc:"Oura refused the stored authorization: connect again"`
	ReauthReason string              `json:"reauth_reason,omitempty"`
	LastSync     *time.Time          `json:"last_sync,omitempty"`
	LastError    string              `json:"last_error,omitempty" doc:"the last sync's failure, empty after a success"`
	BackfillDone bool                `json:"backfill_done"`
	LastDays     []OuraCollectionDay `json:"last_days" doc:"the latest day stored per collection"`
	Breaker      string              `json:"breaker,omitempty" enum:"closed,open,half-open" doc:"the circuit breaker every person shares"`
	BreakerError string              `json:"breaker_error,omitempty"`
	PausedUntil  *time.Time          `json:"paused_until,omitempty" doc:"Oura asked everyone to wait (429 Retry-After) until then"`
}

func ouraStatusBody(st app.OuraStatus) OuraStatusBody {
	b := OuraStatusBody{Enabled: st.Enabled, Connected: st.Connected, NeedsReauth: st.NeedsReauth, ReauthReason: st.ReauthReason,
		LastSync: st.Sync.LastSync, LastError: st.Sync.LastError, BackfillDone: st.Sync.BackfillDone, LastDays: []OuraCollectionDay{},
		Breaker: st.Health.Breaker, BreakerError: st.Health.BreakerError}
	for c, d := range st.Sync.LastDays {
		b.LastDays = append(b.LastDays, OuraCollectionDay{Collection: c, Day: d.String()})
	}
	sort.Slice(b.LastDays, func(i, j int) bool { return b.LastDays[i].Collection < b.LastDays[j].Collection })
	if p := st.Health.PausedUntil; st.Health.Paused {
		b.PausedUntil = &p
	}
	return b
}

// OuraSyncBody says what a sync fetched.
type OuraSyncBody struct {
	Documents map[string]int    `json:"documents" doc:"documents fetched per collection"`
	Skipped   map[string]string `json:"skipped,omitempty" doc:"collections Oura refused (scope not granted) and why"`
}

// OuraCallbackBody is the page a person's browser lands on after Oura.
type OuraCallbackBody struct {
	Connected bool   `json:"connected"`
	Person    string `json:"person" doc:"the person's slug"`
	Message   string `json:"message"`
}

type ouraCallbackInput struct {
	Code  string `query:"code" maxLength:"2048" doc:"the authorization code"`
	State string `query:"state" maxLength:"200" doc:"the single-use state of POST …/oura/connect"`
	Error string `query:"error" maxLength:"200" doc:"set by Oura when the person declined"`
}

type ouraWebhookChallengeInput struct {
	VerificationToken string `query:"verification_token" maxLength:"500"`
	Challenge         string `query:"challenge" maxLength:"500"`
}

// OuraNotificationBody is one webhook delivery, as Oura sends it.
type OuraNotificationBody struct {
	EventType string `json:"event_type" enum:"create,update,delete"`
	DataType  string `json:"data_type" maxLength:"60"`
	ObjectID  string `json:"object_id" maxLength:"200"`
	EventTime string `json:"event_time,omitempty" maxLength:"60"`
	UserID    string `json:"user_id,omitempty" maxLength:"200"`
}

// OuraChallengeBody echoes Oura's subscription challenge.
type OuraChallengeBody struct {
	Challenge string `json:"challenge"`
}

type ouraWebhookInput struct {
	Signature string `header:"x-oura-signature" maxLength:"200" doc:"HMAC-SHA256 of timestamp + body, keyed with the client secret, hex"`
	Timestamp string `header:"x-oura-timestamp" maxLength:"100"`
	// The signature covers the exact bytes received.
	RawBody []byte
	Body    OuraNotificationBody
}

// errWebhookOff answers webhook calls while oura_webhook_token is empty.
var errWebhookOff = huma.Error404NotFound("the Oura webhook is not enabled (set oura_webhook_token)")

// ouraProblem maps the Oura use cases' own errors; the rest go to problem.
func ouraProblem(err error) error {
	switch {
	case errors.Is(err, app.ErrOuraDisabled):
		return huma.Error503ServiceUnavailable(err.Error())
	case errors.Is(err, app.ErrOuraReauth):
		return huma.Error409Conflict("Oura refused the stored authorization: connect again")
	case errors.Is(err, app.ErrOuraNotConnected):
		return huma.Error409Conflict("this person has not connected Oura")
	}
	return err
}

func registerOura(api huma.API, oura *app.Oura, hook OuraWebhook) {
	tags := []string{"oura"}
	op(api, scoped(huma.Operation{
		OperationID: "connect-oura", Method: http.MethodPost, Path: "/api/v1/people/{person}/oura/connect",
		Summary: "Start connecting a person's Oura Ring", Description: "Answers Oura's consent page, bound to the person by a single-use state valid 10 minutes.",
		Tags: tags, Errors: []int{404, 503},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body OuraConnectBody }, error) {
		c, err := oura.Connect(ctx, in.Person)
		if err != nil {
			return nil, ouraProblem(err)
		}
		return &struct{ Body OuraConnectBody }{OuraConnectBody{AuthorizeURL: c.AuthorizeURL, ExpiresAt: c.ExpiresAt}}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "oura-callback", Method: http.MethodGet, Path: "/api/v1/oura/callback",
		Summary:     "Finish connecting Oura (Oura's redirect)",
		Description: "No credentials: the single-use state is the credential. A bad, used or expired state answers 400 naming `state`.",
		Tags:        tags, Errors: []int{400, 503},
	}, access{credential: true}), func(ctx context.Context, in *ouraCallbackInput) (*struct{ Body OuraCallbackBody }, error) {
		if in.Error != "" {
			return nil, huma.Error400BadRequest("Oura did not grant access", &huma.ErrorDetail{Location: "query.error", Message: "Oura answered " + in.Error, Value: in.Error})
		}
		p, err := oura.Callback(ctx, in.State, in.Code)
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			details := make([]error, len(ve.Fields))
			for i, f := range ve.Fields {
				details[i] = &huma.ErrorDetail{Location: "query." + f.Field, Message: f.Reason}
			}
			return nil, huma.Error400BadRequest("the connection could not be finished", details...)
		}
		if err != nil {
			return nil, ouraProblem(err)
		}
		return &struct{ Body OuraCallbackBody }{OuraCallbackBody{Connected: true, Person: p.Slug,
			Message: "Oura is connected for " + p.Name + ". The first sync starts within 15 minutes; you can close this page."}}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "paste-oura-code", Method: http.MethodPost, Path: "/api/v1/people/{person}/oura/code",
		Summary:     "Connect Oura with a pasted code",
		Description: "For homes Oura's redirect cannot reach: after approving on the page from POST …/oura/connect, copy the `code` of the address the browser landed on.",
		Tags:        tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 422, 503},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Body OuraCodeInput
	}) (*struct{}, error) {
		if err := oura.PasteCode(ctx, in.Person, in.Body.Code); err != nil {
			return nil, ouraProblem(err)
		}
		return &struct{}{}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-oura", Method: http.MethodGet, Path: "/api/v1/people/{person}/oura",
		Summary: "Read a person's Oura connection", Description: "Connected, needs re-authorisation, last sync, the latest day per collection, and the shared breaker and rate-limit pause.",
		Tags: tags, Errors: []int{404, 503},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body OuraStatusBody }, error) {
		st, err := oura.Status(ctx, in.Person)
		if err != nil {
			return nil, ouraProblem(err)
		}
		return &struct{ Body OuraStatusBody }{ouraStatusBody(st)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "disconnect-oura", Method: http.MethodDelete, Path: "/api/v1/people/{person}/oura",
		Summary: "Disconnect a person's Oura Ring", Description: "Forgets the tokens; what was synced stays.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 503},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{}, error) {
		if err := oura.Disconnect(ctx, in.Person); err != nil {
			return nil, ouraProblem(err)
		}
		return &struct{}{}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "sync-oura", Method: http.MethodPost, Path: "/api/v1/people/{person}/oura/sync",
		Summary: "Sync a person's Oura data now", Description: "The first backfill, else the days since the last sync. Waits for the sync to finish.",
		Tags: tags, Errors: []int{404, 409, 503},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body OuraSyncBody }, error) {
		rep, err := oura.SyncNow(ctx, in.Person)
		if err != nil {
			return nil, ouraProblem(err)
		}
		return &struct{ Body OuraSyncBody }{OuraSyncBody{Documents: rep.Documents, Skipped: rep.Skipped}}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "oura-webhook-challenge", Method: http.MethodGet, Path: "/api/v1/oura/webhook",
		Summary: "Answer Oura's webhook subscription check", Description: "No credentials: the verification token is the credential.",
		Tags: tags, Errors: []int{401, 404, 422},
	}, access{credential: true}), func(ctx context.Context, in *ouraWebhookChallengeInput) (*struct{ Body OuraChallengeBody }, error) {
		if hook == nil {
			return nil, errWebhookOff
		}
		challenge, err := hook.Challenge(in.VerificationToken, in.Challenge)
		if errors.Is(err, ErrWebhookRejected) {
			return nil, huma.Error401Unauthorized("verification token mismatch")
		}
		if err != nil {
			return nil, err
		}
		return &struct{ Body OuraChallengeBody }{OuraChallengeBody{Challenge: challenge}}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "oura-webhook", Method: http.MethodPost, Path: "/api/v1/oura/webhook",
		Summary: "Receive an Oura webhook delivery", Description: "No credentials: the x-oura-signature HMAC is checked. The announced document is fetched after answering.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{401, 404, 422},
	}, access{credential: true}), func(ctx context.Context, in *ouraWebhookInput) (*struct{}, error) {
		if hook == nil {
			return nil, errWebhookOff
		}
		coll, id, err := hook.Notification(in.Timestamp, in.Signature, in.RawBody)
		if errors.Is(err, ErrWebhookRejected) {
			return nil, huma.Error401Unauthorized("bad signature")
		}
		if err != nil {
			return nil, err
		}
		// Oura wants an answer within 10 s and retries failures for an
		// hour; polling reconciles whatever a fetch here misses, so a slow
		// or failed fetch still answers 2xx.
		fctx, cancel := context.WithTimeout(ctx, 8*time.Second)
		defer cancel()
		if err := oura.Notified(fctx, coll, id); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Str("collection", coll).Str("object_id", id).Msg("oura webhook fetch")
		}
		return &struct{}{}, nil
	})
}
