package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/postgres"
)

// snapshot is every table's row count and checksum (api_tokens by count
// only: authenticating records a token's last use).
func (e *env) snapshot() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	err := pgx.BeginFunc(context.Background(), e.pool, func(tx pgx.Tx) error {
		sums, err := postgres.Checksums(context.Background(), tx)
		for name, s := range sums {
			out[name] = fmt.Sprintf("%d rows %s", s.Rows, s.SHA256)
			if name == "api_tokens" {
				out[name] = fmt.Sprintf("%d rows", s.Rows)
			}
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) sameAs(t *testing.T, what string, before map[string]string) {
	t.Helper()
	after := e.snapshot()
	for name, b := range before {
		if after[name] != b {
			t.Errorf("%s stored something in %s: %s → %s", what, name, b, after[name])
		}
	}
}

// wantProblem checks an answer is a 4xx RFC 9457 problem that says why.
func wantProblem(t *testing.T, what string, r response) {
	t.Helper()
	if r.StatusCode < 400 || r.StatusCode > 499 {
		t.Errorf("%s: status %d, want 4xx: %s", what, r.StatusCode, r.body)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: content type %q, want application/problem+json", what, ct)
	}
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil || p.Status != r.StatusCode || p.Title == "" {
		t.Errorf("%s: not a problem document (%v): %s", what, err, r.body)
	}
	if strings.Contains(string(r.body), "SQLSTATE") || strings.Contains(string(r.body), "pgx") {
		t.Errorf("%s: the answer leaks database internals: %s", what, r.body)
	}
}

func nested(depth int) string {
	return `{"type":"walk","amount":5,"note":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

// TestAbuse sends what a broken or hostile client would: every request gets
// a 4xx problem+json and leaves every table exactly as it was.
func TestAbuse(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnvAt(t, clock, func(o *Options) { o.Rate, o.Burst = 1e6, 1e6 })
	e.person("Alex")
	e.person("Sam")
	e.do(req{method: "POST", path: "/api/v1/people/alex/habits", token: e.admin, body: map[string]any{"name": "Water", "schedule": map[string]any{"kind": "daily"}, "target": map[string]any{"kind": "at_least", "value": 8}}}).want(t, 201)
	writer := e.token(app.ScopeWrite, "")
	act := "/api/v1/people/alex/activities"
	ok := map[string]any{"type": "walk", "amount": 30}

	cases := []struct {
		name string
		r    req
	}{
		{"oversized body", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"note":"` + strings.Repeat("a", MaxBodyBytes) + `"}`}},
		{"deeply nested body", req{method: "POST", path: act, body: nested(100000)}},
		{"nested object", req{method: "POST", path: act, body: `{"type":{"a":{"b":{"c":{}}}},"amount":5}`}},
		{"invalid UTF-8", req{method: "POST", path: "/api/v1/people", body: []byte("{\"name\":\"Al\xffex\"}")}},
		{"NUL escaped in a note", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"note":"a\u0000b"}`}},
		{"NUL escaped in a name", req{method: "POST", path: "/api/v1/people", body: `{"name":"Al\u0000ex"}`}},
		{"NUL in a query", req{method: "GET", path: act + "?cursor=%00"}},
		{"invalid UTF-8 in a note", req{method: "POST", path: act, body: []byte("{\"type\":\"walk\",\"amount\":5,\"note\":\"\xc3\x28\"}")}},
		{"truncated JSON", req{method: "POST", path: act, body: `{"type":"walk","amount":`}},
		{"not JSON", req{method: "POST", path: act, body: `type=running&amount=5`}},
		{"empty body", req{method: "POST", path: act, body: ``}},
		{"JSON null", req{method: "POST", path: act, body: `null`}},
		{"JSON array", req{method: "POST", path: act, body: `[{"type":"walk","amount":5}]`}},
		{"SQL in a slug", req{method: "POST", path: "/api/v1/people", body: map[string]any{"name": "Bobby", "slug": "x' OR '1'='1"}}},
		{"SQL in a type", req{method: "POST", path: act, body: map[string]any{"type": "walk'; DROP TABLE activities;--", "amount": 5}}},
		{"SQL in a path", req{method: "POST", path: "/api/v1/people/alex'%20OR%20'1'='1/activities", body: ok}},
		{"SQL in a habit path", req{method: "POST", path: "/api/v1/people/alex/habits/1;DELETE%20FROM%20habits/check-ins", body: map[string]any{}}},
		{"huge amount", req{method: "POST", path: act, body: `{"type":"walk","amount":1e308}`}},
		{"amount beyond float64", req{method: "POST", path: act, body: `{"type":"walk","amount":1e400}`}},
		{"negative amount", req{method: "POST", path: act, body: `{"type":"walk","amount":-5}`}},
		{"zero amount", req{method: "POST", path: act, body: `{"type":"walk","amount":0}`}},
		{"amount as a string", req{method: "POST", path: act, body: `{"type":"walk","amount":"5"}`}},
		{"NaN amount", req{method: "POST", path: act, body: `{"type":"walk","amount":NaN}`}},
		{"negative quantity", req{method: "POST", path: "/api/v1/people/alex/habits/water/check-ins", body: `{"quantity":-1}`}},
		{"huge quantity", req{method: "POST", path: "/api/v1/people/alex/habits/water/check-ins", body: `{"quantity":1e300}`}},
		{"mood out of range", req{method: "POST", path: "/api/v1/people/alex/moods", body: `{"value":99999999999999999999}`}},
		{"negative mood", req{method: "POST", path: "/api/v1/people/alex/moods", body: `{"value":-3}`}},
		{"date far in the future", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"at":"9999-12-31T23:59:59Z"}`}},
		{"date far in the past", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"at":"0001-01-01T00:00:01Z"}`}},
		{"not a date", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"at":"yesterday"}`}},
		{"wrong content type", req{method: "POST", path: act, body: ok, header: map[string]string{"Content-Type": "text/plain"}}},
		{"form content type", req{method: "POST", path: act, body: `type=running`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}},
		{"XML content type", req{method: "POST", path: act, body: `<a/>`, header: map[string]string{"Content-Type": "application/xml"}}},
		{"unknown field", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"xp":100000}`}},
		{"unknown field on a person", req{method: "POST", path: "/api/v1/people", body: `{"name":"Eve","admin":true}`}},
		{"duplicate field", req{method: "POST", path: act, body: `{"type":"walk","amount":5,"amount":-5}`}},
		{"negative path id", req{method: "DELETE", path: act + "/-1"}},
		{"zero path id", req{method: "DELETE", path: act + "/0"}},
		{"path id beyond int64", req{method: "DELETE", path: act + "/99999999999999999999999"}},
		{"path id not a number", req{method: "DELETE", path: act + "/abc"}},
		{"path id with a NUL", req{method: "DELETE", path: act + "/1%00"}},
		{"unknown person", req{method: "POST", path: "/api/v1/people/nobody/activities", body: ok}},
		{"person with a NUL", req{method: "POST", path: "/api/v1/people/al%00ex/activities", body: ok}},
		{"very long person", req{method: "POST", path: "/api/v1/people/" + strings.Repeat("a", 5000) + "/activities", body: ok}},
		{"idempotency key too long", req{method: "POST", path: act, body: ok, header: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}}},
		{"idempotency key with spaces", req{method: "POST", path: act, body: ok, header: map[string]string{"Idempotency-Key": "a b"}}},
		{"no token", req{method: "POST", path: act, body: ok}},
		{"malformed token", req{method: "POST", path: act, body: ok, header: map[string]string{"Authorization": "Bearer"}}},
		{"basic auth", req{method: "POST", path: act, body: ok, header: map[string]string{"Authorization": "Basic YTpi"}}},
		{"unknown token", req{method: "POST", path: act, body: ok, token: strings.Repeat("A", 43)}},
		{"read token writing", req{method: "POST", path: act, body: ok, token: e.token(app.ScopeRead, "")}},
		{"token of another person", req{method: "POST", path: act, body: ok, token: e.token(app.ScopeWrite, "sam")}},
	}
	before := e.snapshot()
	for _, tc := range cases {
		r := tc.r
		if r.token == "" && !strings.Contains(tc.name, "token") && r.header["Authorization"] == "" {
			r.token = writer
		}
		if tc.name == "no token" {
			r.token = ""
		}
		wantProblem(t, tc.name, e.do(r))
	}
	e.sameAs(t, "the abuse cases", before)

	// A replayed idempotency key: the first answer again, one row stored;
	// the same key with another body is refused and stores nothing.
	key := map[string]string{"Idempotency-Key": "abuse-1"}
	first := e.do(req{method: "POST", path: act, token: writer, body: ok, header: key}).want(t, 201)
	before = e.snapshot()
	again := e.do(req{method: "POST", path: act, token: writer, body: ok, header: key}).want(t, 201)
	if string(again.body) != string(first.body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay answered %s (replayed %q), first %s", again.body, again.Header.Get("Idempotent-Replayed"), first.body)
	}
	wantProblem(t, "key reused for another body", e.do(req{method: "POST", path: act, token: writer,
		body: map[string]any{"type": "walk", "amount": 31}, header: key}))
	wantProblem(t, "key reused on another operation", e.do(req{method: "POST", path: "/api/v1/people/alex/moods", token: writer,
		body: map[string]any{"value": 5}, header: key}))
	e.sameAs(t, "replays", before)

	// A revoked token is refused at once; an expired pairing code pairs no
	// device.
	var created NewTokenBody
	e.do(req{method: "POST", path: "/api/v1/tokens", token: e.admin, body: map[string]any{"name": "old phone", "scope": "write"}}).want(t, 201).decode(t, &created)
	e.do(req{method: "GET", path: "/api/v1/people", token: created.Token}).want(t, 200)
	e.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", created.ID), token: e.admin}).want(t, 204)
	var code PairingCodeBody
	e.do(req{method: "POST", path: "/api/v1/pairing-codes", token: e.admin, body: map[string]any{"person": "alex"}}).want(t, 201).decode(t, &code)
	mu.Lock()
	now = code.ExpiresAt.Add(time.Second)
	mu.Unlock()
	before = e.snapshot()
	wantProblem(t, "revoked token", e.do(req{method: "POST", path: act, token: created.Token, body: ok}))
	wantProblem(t, "revoked token reading", e.do(req{method: "GET", path: "/api/v1/people", token: created.Token}))
	wantProblem(t, "expired pairing code", e.do(req{method: "POST", path: "/api/v1/pair", body: map[string]any{"code": code.Code, "device": "late"}}))
	e.sameAs(t, "revoked and expired credentials", before)
}
