package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/discovery/hafiles"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/insights"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/web"
)

// ingressPrefix is what the Supervisor's proxy puts in X-Ingress-Path.
const ingressPrefix = "/api/hassio_ingress/Zm9vYmFyYmF6"

// env is the whole HTTP face as serve wires it, on a real listener (the
// ingress peer is the loopback address, as only tests may set it) over a
// fresh database.
type env struct {
	t      *testing.T
	svc    *app.Service
	tokens *app.Tokens
	fake   *ouratest.Server // nil without oura
	srv    *httptest.Server
	client *http.Client
	pool   *pgxpool.Pool
}

type envOptions struct {
	ingressPeer string // default 127.0.0.1
	ingressRole app.Scope
	// oura connects Oura to a fake Oura cloud; false leaves Oura unconfigured.
	oura bool
	// caldav is the CalDAV setup the to-dos page shows; zero: off.
	caldav web.CalDAV
}

// ouraRedirect is the redirect address the Oura application is registered with.
const ouraRedirect = "http://homeassistant.local:8000/api/v1/oura/callback"

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	pool := dbtest.New(t)
	store := postgres.NewStore(pool)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: store, Tree: tree, Logger: zerolog.Nop(), Location: func() *time.Location { return time.UTC }})
	tokens := app.NewTokens(store, store, nil)
	health := app.NewHealth("database", "mqtt", "home_assistant", "oura")
	health.Set("mqtt", func(context.Context) app.DepStatus {
		return app.DepStatus{State: app.DepDown, Error: "dial tcp 127.0.0.1:1883: connection refused"}
	})
	utc := func() *time.Location { return time.UTC }
	var fake *ouratest.Server
	ouraUC := app.NewOura(svc, app.OuraOptions{})
	if o.oura {
		fake = ouratest.New(t, ouratest.Options{})
		sealer, err := oura.NewSealer(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		client, err := oura.New(oura.Config{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), BaseURL: fake.URL,
			HTTPClient: &http.Client{Timeout: 5 * time.Second}}, oura.SealedTokens{Store: store, Sealer: sealer})
		if err != nil {
			t.Fatal(err)
		}
		ouraUC = app.NewOura(svc, app.OuraOptions{Gateway: oura.NewGateway(client, ouraRedirect, 0, utc)})
	}
	if o.ingressPeer == "" {
		o.ingressPeer = "127.0.0.1"
	}
	api := httpapi.New(httpapi.Options{Version: "test", Logger: zerolog.Nop(), Health: health, Service: svc, Tokens: tokens,
		IngressPeer: o.ingressPeer, IngressRole: o.ingressRole, Rate: 1000, Burst: 1000, Oura: ouraUC})
	pages, err := web.New(web.Options{Service: svc, Tokens: tokens, Health: health, Oura: ouraUC, Logger: zerolog.Nop(), Version: "test",
		Location: utc, Ingress: api.Ingress, Revoked: api.ForgetTokens, FailedAuth: api, CalDAV: o.caldav,
		HAFiles:  hafiles.Generator{Source: svc, Version: "test", BaseTopic: "lifeops", Prefix: "homeassistant"}.File,
		Insights: app.NewInsights(app.InsightsOptions{Store: store, Analyzer: insights.Analyzer{}, Location: utc})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Root(api.Handler(), pages))
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, svc: svc, tokens: tokens, fake: fake, srv: srv, client: client, pool: pool}
}

// response is an answer, body read.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request as the ingress proxy would: the HA user's headers and
// the ingress prefix. Pass headers to add or override ("" deletes).
func (e *env) do(method, path string, form url.Values, headers ...string) response {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Ingress-Path", ingressPrefix)
	req.Header.Set("X-Remote-User-Id", "8d2f0c")
	req.Header.Set("X-Remote-User-Display-Name", "Anna Admin")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (e *env) get(path string, headers ...string) response {
	return e.do(http.MethodGet, path, nil, headers...)
}

func (e *env) post(path string, form url.Values, headers ...string) response {
	return e.do(http.MethodPost, path, form, headers...)
}

// mustStatus fails unless r has status want.
func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		body := r.body
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("status %d, want %d; body:\n%s", r.status, want, body)
	}
}

var urlAttr = regexp.MustCompile(`\s(href|src|action)="([^"]*)"`)

// urls lists every link, asset and form target of a page.
func urls(body string) []string {
	var out []string
	for _, m := range urlAttr.FindAllStringSubmatch(body, -1) {
		out = append(out, m[2])
	}
	return out
}

// fieldError is the error shown next to a form field, "" when none.
func fieldError(body, field string) string {
	re := regexp.MustCompile(`<p class="field-error" data-field="` + regexp.QuoteMeta(field) + `">([^<]*)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&#43;", "+", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}
