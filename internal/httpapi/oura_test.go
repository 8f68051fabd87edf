package httpapi

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

const testRedirect = "http://lifeops.test/api/v1/oura/callback"

// testWebhook is what main wires: package oura's checks.
type testWebhook struct{ token, secret string }

func (h testWebhook) Challenge(token, challenge string) (string, error) {
	_, err := oura.ChallengeResponse(url.Values{"verification_token": {token}, "challenge": {challenge}}, h.token)
	if errors.Is(err, oura.ErrBadVerificationToken) {
		return "", fmt.Errorf("%w: %w", ErrWebhookRejected, err)
	}
	return challenge, err
}

func (h testWebhook) Notification(ts, sig string, body []byte) (string, string, error) {
	if err := oura.VerifySignature(h.secret, ts, sig, body); err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrWebhookRejected, err)
	}
	n, err := oura.ParseNotification(body)
	return string(n.Collection()), n.ObjectID, err
}

// withOura connects the API to a fake Oura through the real client.
func withOura(t *testing.T, fake *ouratest.Server) envOption {
	return func(o *Options) {
		sealer, err := oura.NewSealer(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		store := o.Idempotency.(oura.SealedStore)
		client, err := oura.New(oura.Config{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), BaseURL: fake.URL,
			HTTPClient: &http.Client{Timeout: 5 * time.Second}, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond},
			oura.SealedTokens{Store: store, Sealer: sealer})
		if err != nil {
			t.Fatal(err)
		}
		o.Oura = app.NewOura(o.Service, app.OuraOptions{Gateway: oura.NewGateway(client, testRedirect, 0, nil)})
		o.OuraWebhook = testWebhook{token: "verify-me", secret: fake.ClientSecret()}
	}
}

func TestOuraConnectionFlow(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	// The recordings end on 2024-11-12.
	e := newEnvAt(t, func() time.Time { return time.Date(2024, 11, 12, 10, 0, 0, 0, time.UTC) }, withOura(t, fake))
	anna := e.person("Anna")
	path := "/api/v1/people/anna/oura"

	var st OuraStatusBody
	e.do(req{method: "GET", path: path, token: e.admin}).want(t, 200).decode(t, &st)
	if !st.Enabled || st.Connected {
		t.Fatalf("before connecting: %+v", st)
	}
	var c OuraConnectBody
	e.do(req{method: "POST", path: path + "/connect", token: e.admin}).want(t, 200).decode(t, &c)
	u, err := url.Parse(c.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	state := u.Query().Get("state")
	if state == "" || u.Query().Get("redirect_uri") != testRedirect {
		t.Fatalf("authorize URL %s", c.AuthorizeURL)
	}

	// A bad state is refused without credentials being asked for: 400
	// naming state.
	for _, bad := range []string{"", "not-a-state"} {
		res := e.do(req{method: "GET", path: "/api/v1/oura/callback?code=abc&state=" + url.QueryEscape(bad)}).want(t, 400)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("content type %q", ct)
		}
		var p struct {
			Errors []struct{ Location string } `json:"errors"`
		}
		res.decode(t, &p)
		if len(p.Errors) == 0 || p.Errors[0].Location != "query.state" {
			t.Errorf("state %q: %s, want an error at query.state", bad, res.body)
		}
	}

	code := fake.IssueCode(testRedirect)
	var cb OuraCallbackBody
	e.do(req{method: "GET", path: "/api/v1/oura/callback?code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state)}).want(t, 200).decode(t, &cb)
	if !cb.Connected || cb.Person != anna.Slug {
		t.Errorf("callback %+v", cb)
	}
	// Single use.
	e.do(req{method: "GET", path: "/api/v1/oura/callback?code=" + url.QueryEscape(fake.IssueCode(testRedirect)) + "&state=" + url.QueryEscape(state)}).want(t, 400)

	var rep OuraSyncBody
	e.do(req{method: "POST", path: path + "/sync", token: e.admin}).want(t, 200).decode(t, &rep)
	if rep.Documents["daily_sleep"] == 0 {
		t.Errorf("sync report %+v", rep)
	}
	e.do(req{method: "GET", path: path, token: e.admin}).want(t, 200).decode(t, &st)
	if !st.Connected || st.LastSync == nil || !st.BackfillDone || len(st.LastDays) == 0 || st.Breaker != "closed" {
		t.Errorf("after a sync: %+v", st)
	}

	// Pasting a code connects too; a code Oura refuses names code.
	e.do(req{method: "POST", path: path + "/code", token: e.admin, body: map[string]any{"code": fake.IssueCode(testRedirect)}}).want(t, 204)
	e.do(req{method: "POST", path: path + "/code", token: e.admin, body: map[string]any{"code": "made-up"}}).want(t, 422)

	e.do(req{method: "DELETE", path: path, token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: path, token: e.admin}).want(t, 200).decode(t, &st)
	if st.Connected {
		t.Error("still connected after DELETE")
	}
	e.do(req{method: "DELETE", path: path, token: e.admin}).want(t, 404)
}

func TestOuraWebhook(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	e := newEnv(t, withOura(t, fake))
	anna := e.person("Anna")
	var c OuraConnectBody
	e.do(req{method: "POST", path: "/api/v1/people/anna/oura/connect", token: e.admin}).want(t, 200).decode(t, &c)
	u, _ := url.Parse(c.AuthorizeURL)
	e.do(req{method: "GET", path: "/api/v1/oura/callback?code=" + url.QueryEscape(fake.IssueCode(testRedirect)) +
		"&state=" + url.QueryEscape(u.Query().Get("state"))}).want(t, 200)

	res := e.do(req{method: "GET", path: "/api/v1/oura/webhook?verification_token=verify-me&challenge=abc%3C1%3E"}).want(t, 200)
	if strings.TrimSpace(string(res.body)) != `{"challenge":"abc<1>"}` {
		t.Errorf("challenge answer %s", res.body)
	}
	e.do(req{method: "GET", path: "/api/v1/oura/webhook?verification_token=wrong&challenge=abc"}).want(t, 401)

	// The recorded single daily_sleep document: 2018-10-10, score 75.
	body := []byte(`{"event_type":"create","data_type":"daily_sleep","object_id":"8d77bb80-f680-447b-9330-770c8a527d7c","event_time":"2024-11-12T08:00:00+00:00","user_id":"u1"}`)
	ts := "1731398400"
	sig := strings.ToUpper(hex.EncodeToString(oura.Sign(fake.ClientSecret(), ts, body)))
	e.do(req{method: "POST", path: "/api/v1/oura/webhook", body: body,
		header: map[string]string{"x-oura-timestamp": ts, "x-oura-signature": strings.Repeat("0", 64)}}).want(t, 401)
	e.do(req{method: "POST", path: "/api/v1/oura/webhook", body: body,
		header: map[string]string{"x-oura-timestamp": ts, "x-oura-signature": sig}}).want(t, 204)
	var score float64
	if err := e.pool.QueryRow(t.Context(), "SELECT sleep_score FROM daily_biometrics WHERE person_id = $1 AND day = '2018-10-10'", anna.ID).Scan(&score); err != nil || score != 75 {
		t.Errorf("the announced document was not fetched and applied: score %v, %v", score, err)
	}
}

func TestOuraNotConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Oura = app.NewOura(o.Service, app.OuraOptions{}) })
	e.person("Anna")
	e.do(req{method: "POST", path: "/api/v1/people/anna/oura/connect", token: e.admin}).want(t, 503)
	var st OuraStatusBody
	e.do(req{method: "GET", path: "/api/v1/people/anna/oura", token: e.admin}).want(t, 200).decode(t, &st)
	if st.Enabled || st.Connected {
		t.Errorf("status %+v", st)
	}
	e.do(req{method: "GET", path: "/api/v1/oura/webhook?verification_token=x&challenge=y"}).want(t, 404)
}
