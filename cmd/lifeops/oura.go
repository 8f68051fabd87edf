package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/jobs"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/postgres"
)

// ouraSyncEvery is the tick of the Oura sync job; the app decides per
// person whether a tick is due (see app.Oura.Tick).
const ouraSyncEvery = 15 * time.Minute

// laterNotifier forwards to the notifier startJobs builds once Home
// Assistant is wired; before that, notifications go to the log.
type laterNotifier struct {
	log  zerolog.Logger
	next atomic.Pointer[app.Notifier]
}

func (n *laterNotifier) set(next app.Notifier) { n.next.Store(&next) }

func (n *laterNotifier) Notify(ctx context.Context, note app.Notification) error {
	if next := n.next.Load(); next != nil {
		return (*next).Notify(ctx, note)
	}
	return logNotifier{log: n.log}.Notify(ctx, note)
}

// newOura wires the Oura connection when an Oura application is
// configured: the client with its sealed token store (key under the data
// directory), the gateway the app talks to, the webhook checker and the
// /readyz probe. Without oura_client_id the use cases answer "not
// configured" and the probe says disabled.
func newOura(cfg config.Config, store *postgres.Store, svc *app.Service, z *zone, health *app.Health, notes app.Notifier) (*app.Oura, httpapi.OuraWebhook, error) {
	if cfg.OuraClientID == "" {
		return app.NewOura(svc, app.OuraOptions{}), nil, nil
	}
	sealer, err := oura.NewSealer(cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	client, err := oura.New(oura.Config{ClientID: cfg.OuraClientID, ClientSecret: cfg.OuraClientSecret, BaseURL: cfg.OuraAPIURL},
		oura.SealedTokens{Store: store, Sealer: sealer})
	if err != nil {
		return nil, nil, err
	}
	o := app.NewOura(svc, app.OuraOptions{Gateway: oura.NewGateway(client, cfg.OuraRedirectURL, 0, z.Location), Notifier: notes})
	health.Set("oura", ouraProbe(o))
	var hook httpapi.OuraWebhook
	if cfg.OuraWebhookToken != "" {
		hook = ouraWebhook{token: cfg.OuraWebhookToken, secret: cfg.OuraClientSecret}
	}
	return o, hook, nil
}

// ouraProbe is down while the breaker is open, Oura asked everyone to wait,
// or someone's authorization is gone.
func ouraProbe(o *app.Oura) app.Probe {
	tracker := app.NewTracker(app.DepOK)
	return func(ctx context.Context) app.DepStatus {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		problems, err := o.Problems(ctx)
		switch {
		case err != nil:
			tracker.Set(time.Now(), app.DepDown, err)
		case len(problems) > 0:
			tracker.Set(time.Now(), app.DepDown, errors.New(strings.Join(problems, "; ")))
		default:
			tracker.Set(time.Now(), app.DepOK, nil)
		}
		return tracker.Probe(ctx)
	}
}

// addOuraJob schedules the Oura sync when Oura is configured.
func addOuraJob(r *jobs.Runner, o *app.Oura) error {
	if !o.Enabled() {
		return nil
	}
	return r.Add(jobs.Job{Name: "oura_sync", Schedule: jobs.Every(ouraSyncEvery),
		Run: func(ctx context.Context, slot time.Time) error { return o.Tick(ctx, slot) }})
}

// ouraWebhook checks Oura's webhook calls with package oura's helpers.
type ouraWebhook struct {
	token  string // the subscriptions' verification token
	secret string // the client secret: the signature's key
}

func (h ouraWebhook) Challenge(verificationToken, challenge string) (string, error) {
	_, err := oura.ChallengeResponse(url.Values{"verification_token": {verificationToken}, "challenge": {challenge}}, h.token)
	if errors.Is(err, oura.ErrBadVerificationToken) {
		return "", fmt.Errorf("%w: %w", httpapi.ErrWebhookRejected, err)
	}
	return challenge, err
}

func (h ouraWebhook) Notification(timestamp, signature string, body []byte) (string, string, error) {
	if err := oura.VerifySignature(h.secret, timestamp, signature, body); err != nil {
		return "", "", fmt.Errorf("%w: %w", httpapi.ErrWebhookRejected, err)
	}
	n, err := oura.ParseNotification(body)
	if err != nil {
		return "", "", err
	}
	return string(n.Collection()), n.ObjectID, nil
}
