package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/discovery/hafiles"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// checkedIn is the checked-in document every test response is validated
// against, loaded once per test binary.
var checkedIn = sync.OnceValues(func() (routers.Router, error) {
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/zip", openapi3filter.FileBodyDecoder)
	raw, err := os.ReadFile("../../openapi.json")
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	// Match any host: tests do not run at the documented server URL.
	doc.Servers = nil
	return gorillamux.NewRouter(doc)
})

// env is an API on a real PostgreSQL with a fresh database.
type env struct {
	t      testing.TB
	srv    *Server
	svc    *app.Service
	tokens *app.Tokens
	store  *postgres.Store
	pool   *pgxpool.Pool
	admin  string // an admin token's secret
}

type envOption func(*Options)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	return newEnvAt(t, nil, opts...)
}

// newEnvAt is newEnv with the app's clock fixed (UTC days), for answers
// that must be byte-stable.
func newEnvAt(t testing.TB, now func() time.Time, opts ...envOption) *env {
	t.Helper()
	pool := dbtest.New(t)
	store := postgres.NewStore(pool)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	ao := app.Options{Store: store, Logger: zerolog.Nop(), Tree: tree, Now: now}
	if now != nil {
		ao.Location = func() *time.Location { return time.UTC }
	}
	svc := app.New(ao)
	tokens := app.NewTokens(store, store, now)
	health := app.NewHealth("database", "mqtt")
	health.Set("database", func(context.Context) app.DepStatus { return app.DepStatus{State: app.DepOK} })
	o := Options{Version: "test", Logger: zerolog.Nop(), Health: health, Service: svc, Tokens: tokens,
		Idempotency: store, Metrics: NewMetrics(pool, health),
		HAFiles: hafiles.Generator{Source: svc, Version: "test", BaseTopic: "lifeops", Prefix: "homeassistant"}.File}
	for _, f := range opts {
		f(&o)
	}
	e := &env{t: t, srv: New(o), svc: svc, tokens: tokens, store: store, pool: pool}
	svc.AddSink(e.srv.EventSink())
	e.admin = e.token(app.ScopeAdmin, "")
	return e
}

// token creates a token and returns its secret.
func (e *env) token(scope app.Scope, person string) string {
	e.t.Helper()
	tok, err := e.tokens.Create(context.Background(), app.TokenInput{Name: "test " + string(scope), Scope: scope, Person: person})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.Secret
}

// response is an answer, already validated against the document.
type response struct {
	*http.Response
	body         []byte
	method, path string
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

type req struct {
	method, path string
	token        string
	body         any // marshalled unless []byte or string
	header       map[string]string
	remote       string
}

// do sends r through the whole handler (middleware included) and checks the
// answer against the checked-in document.
func (e *env) do(r req) response {
	e.t.Helper()
	var body io.Reader
	var raw []byte
	switch b := r.body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if raw != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, hr)
	res := rec.Result()
	out, _ := io.ReadAll(res.Body)
	validateResponse(e.t, hr, raw, res, out)
	return response{Response: res, body: out, method: r.method, path: r.path}
}

// validateResponse checks status, headers and body against the checked-in
// document. Paths outside the document (/docs, /openapi.json) are skipped.
func validateResponse(t testing.TB, hr *http.Request, reqBody []byte, res *http.Response, body []byte) {
	t.Helper()
	router, err := checkedIn()
	if err != nil {
		t.Fatalf("load checked-in openapi.json: %v", err)
	}
	vr := hr.Clone(context.Background())
	vr.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(vr)
	if err != nil {
		if strings.HasPrefix(hr.URL.Path, "/api/") || hr.URL.Path == "/metrics" {
			t.Fatalf("%s %s is not in the document: %v", hr.Method, hr.URL.Path, err)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.StatusCode, Header: res.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match the document: %v\nbody: %s", hr.Method, hr.URL.Path, res.StatusCode, err, body)
	}
}

// want fails unless the answer has status code.
func (r response) want(t testing.TB, code int) response {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, r.StatusCode, code, r.body)
	}
	return r
}
