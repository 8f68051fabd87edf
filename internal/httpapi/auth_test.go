package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
)

// operations lists every operation of the served document with a concrete
// path (placeholders filled with values that exist or not: auth comes first).
func (e *env) operations() []req {
	var out []req
	for path, item := range e.srv.OpenAPI().Paths {
		for method, o := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
			http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
			if o == nil {
				continue
			}
			p := strings.NewReplacer("{person}", "1", "{habit}", "1", "{id}", "1", "{file}", "dashboard").Replace(path)
			if o.OperationID == "get-stat-tree-svg" {
				p += "?person=1"
			}
			if o.OperationID == "list-scores" {
				p += "?from=2026-01-01&to=2026-01-02"
			}
			r := req{method: method, path: p}
			if method != http.MethodGet && method != http.MethodDelete {
				r.body = map[string]any{}
			}
			out = append(out, r)
		}
	}
	return out
}

// TestEveryOperationNeedsCredentials walks the document: without a token
// every operation but the public ones answers 401; with a read token every
// change answers 403.
func TestEveryOperationNeedsCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	read := e.token(app.ScopeRead, "")
	public := map[string]bool{"/healthz": true, "/readyz": true, "/health": true, "/api/v1/pair": true,
		"/api/v1/oura/callback": true, "/api/v1/oura/webhook": true}
	ops := e.operations()
	if len(ops) < 30 {
		t.Fatalf("only %d operations in the document", len(ops))
	}
	for _, r := range ops {
		res := e.do(r)
		if public[r.path] {
			if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
				t.Errorf("public %s %s answered %d", r.method, r.path, res.StatusCode)
			}
			continue
		}
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401", r.method, r.path, res.StatusCode)
		}
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", r.method, r.path)
		}
		r.token = read
		res = e.do(r)
		if r.method != http.MethodGet && res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s with a read token: %d, want 403", r.method, r.path, res.StatusCode)
		}
		if r.method == http.MethodGet && (res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden) &&
			r.path != "/metrics" && r.path != "/api/v1/tokens" && r.path != "/api/v1/ha/dashboard" {
			t.Errorf("%s %s with a read token: %d", r.method, r.path, res.StatusCode)
		}
	}
}

func TestPersonBoundTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anna, ben := e.person("Anna"), e.person("Ben")
	e.do(req{method: "POST", path: "/api/v1/people", token: e.admin, body: map[string]any{"name": "BEN", "slug": "ben_2"}}).want(t, 201)
	tok := e.token(app.ScopeWrite, anna.Slug)
	tests := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", fmt.Sprintf("/api/v1/people/%d/today", anna.ID), nil, 200},
		{"GET", "/api/v1/people/anna/today", nil, 200},
		{"GET", fmt.Sprintf("/api/v1/people/%d/today", ben.ID), nil, 403},
		{"GET", "/api/v1/people/ben/character", nil, 403},
		{"GET", "/api/v1/people/nobody/character", nil, 403},
		{"GET", "/api/v1/people/ANNA/today", nil, 200},    // a name as people say it
		{"GET", "/api/v1/people/Ben/character", nil, 403}, // two people are called Ben: not theirs either
		{"POST", "/api/v1/people/anna/moods", map[string]any{"value": 5}, 201},
		{"POST", "/api/v1/people/ben/moods", map[string]any{"value": 5}, 403},
		{"GET", "/api/v1/people", nil, 403},
		{"GET", "/api/v1/activity-types", nil, 200},
		{"GET", "/api/v1/stat-tree.svg?person=anna", nil, 200},
		{"GET", "/api/v1/stat-tree.svg?person=ben", nil, 403},
		{"POST", "/api/v1/tokens", map[string]any{"name": "x", "scope": "admin"}, 403},
	}
	for _, tt := range tests {
		res := e.do(req{method: tt.method, path: tt.path, token: tok, body: tt.body})
		if res.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d: %s", tt.method, tt.path, res.StatusCode, tt.status, res.body)
		}
	}
	var today TodayBody
	e.do(req{method: "GET", path: "/api/today", token: tok}).want(t, 200).decode(t, &today)
	if today.Person.ID != anna.ID {
		t.Errorf("/api/today of Anna's token shows person %d", today.Person.ID)
	}
}

func TestIngressUserOnlyFromTheIngressPeer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.IngressRole = app.ScopeRead })
	e.person("Anna")
	ha := map[string]string{"X-Remote-User-Id": "abc123", "X-Remote-User-Name": "anna"}
	e.do(req{method: "GET", path: "/api/v1/people", header: ha, remote: "172.30.32.2:41000"}).want(t, 200)
	e.do(req{method: "POST", path: "/api/v1/people/anna/moods", body: map[string]any{"value": 5}, header: ha, remote: "172.30.32.2:41000"}).want(t, 403)
	e.do(req{method: "GET", path: "/api/v1/people", header: ha, remote: "172.30.32.3:41000"}).want(t, 401)
	e.do(req{method: "GET", path: "/api/v1/people", header: ha, remote: "127.0.0.1:41000"}).want(t, 401)
	e.do(req{method: "GET", path: "/api/v1/people", remote: "172.30.32.2:41000"}).want(t, 401)
}

func TestRevokedTokenIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var created NewTokenBody
	e.do(req{method: "POST", path: "/api/v1/tokens", token: e.admin, body: map[string]any{"name": "phone", "scope": "read"}}).want(t, 201).decode(t, &created)
	if len(created.Token) != 43 {
		t.Errorf("token %q is not 256 bits of base64url", created.Token)
	}
	e.do(req{method: "GET", path: "/api/v1/people", token: created.Token}).want(t, 200)
	var list struct{ Items []TokenBody }
	e.do(req{method: "GET", path: "/api/v1/tokens", token: e.admin}).want(t, 200).decode(t, &list)
	for _, tk := range list.Items {
		if tk.ID == created.ID && tk.LastUsedAt == nil {
			t.Error("last use not recorded")
		}
	}
	if bytes.Contains(e.do(req{method: "GET", path: "/api/v1/tokens", token: e.admin}).body, []byte(created.Token)) {
		t.Error("the token list shows a secret")
	}
	e.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", created.ID), token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: "/api/v1/people", token: created.Token}).want(t, 401)
	e.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", created.ID), token: e.admin}).want(t, 404)
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Rate, o.Burst = 0.5, 3 })
	for range 3 {
		e.do(req{method: "GET", path: "/api/v1/activity-types", token: e.admin}).want(t, 200)
	}
	res := e.do(req{method: "GET", path: "/api/v1/activity-types", token: e.admin}).want(t, 429)
	// One request per two seconds: the next one is allowed within 2 s, in
	// less when the three before took a while (a slow machine, the race
	// detector) and the bucket refilled meanwhile.
	if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 seconds (one request per two seconds)", res.Header.Get("Retry-After"))
	}
	// Another token has its own bucket.
	e.do(req{method: "GET", path: "/api/v1/activity-types", token: e.token(app.ScopeRead, "")}).want(t, 200)

	// Failed authentications are limited per address, before the database is asked.
	for range failBurst {
		e.do(req{method: "GET", path: "/api/v1/people", token: "wrong", remote: "192.0.2.7:1"}).want(t, 401)
	}
	res = e.do(req{method: "GET", path: "/api/v1/people", token: e.token(app.ScopeAdmin, ""), remote: "192.0.2.7:1"}).want(t, 429)
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.do(req{method: "GET", path: "/api/v1/people", token: e.token(app.ScopeAdmin, ""), remote: "192.0.2.8:1"}).want(t, 200)
}

func TestDevicePairing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anna := e.person("Anna")
	var code PairingCodeBody
	e.do(req{method: "POST", path: "/api/v1/pairing-codes", token: e.admin, body: map[string]any{"person": "anna"}}).want(t, 201).decode(t, &code)
	if len(code.Code) != 9 || time.Until(code.ExpiresAt) > 10*time.Minute || time.Until(code.ExpiresAt) < 9*time.Minute {
		t.Fatalf("code %+v", code)
	}
	var tok NewTokenBody
	typed := strings.ToLower(strings.ReplaceAll(code.Code, "-", " "))
	e.do(req{method: "POST", path: "/api/v1/pair", body: map[string]any{"code": typed, "device": "Anna's phone"}}).want(t, 201).decode(t, &tok)
	if tok.Scope != "write" || tok.PersonID == nil || *tok.PersonID != anna.ID {
		t.Errorf("paired token %+v", tok.TokenBody)
	}
	e.do(req{method: "POST", path: "/api/v1/people/anna/moods", token: tok.Token, body: map[string]any{"value": 6}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/pair", body: map[string]any{"code": code.Code}, remote: "192.0.2.9:1"}).want(t, 404)
	for range failBurst - 1 {
		e.do(req{method: "POST", path: "/api/v1/pair", body: map[string]any{"code": "AAAA-BBBB"}, remote: "192.0.2.9:1"}).want(t, 404)
	}
	e.do(req{method: "POST", path: "/api/v1/pair", body: map[string]any{"code": "AAAA-BBBB"}, remote: "192.0.2.9:1"}).want(t, 429)
}

func TestMetricsNeedAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.person("Anna")
	e.do(req{method: "GET", path: "/api/v1/people/anna/today", token: e.admin}).want(t, 200)
	e.do(req{method: "GET", path: "/metrics", token: e.token(app.ScopeWrite, "")}).want(t, 403)
	res := e.do(req{method: "GET", path: "/metrics", token: e.admin}).want(t, 200)
	for _, want := range []string{`lifeops_http_requests_total{operation="get-today",status="200"} 1`,
		`lifeops_http_request_duration_seconds_bucket{operation="get-today"`, `lifeops_db_pool_connections{state="idle"}`, `lifeops_dependency_up{dependency="database"} 1`} {
		if !bytes.Contains(res.body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.srv.opts.Metrics.JobRun("rollover", nil, time.Second)
	res = e.do(req{method: "GET", path: "/metrics", token: e.admin})
	if !bytes.Contains(res.body, []byte(`lifeops_job_runs_total{job_name="rollover",result="ok"} 1`)) {
		t.Error("job run not counted")
	}
}
