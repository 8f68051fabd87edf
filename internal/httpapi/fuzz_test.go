package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
)

// FuzzLogActivityBody sends arbitrary bodies to POST …/activities through
// the whole handler on a real database: the answer is a 201 or a 4xx
// problem+json, never a 5xx, and exactly one activity is stored for a 201
// and none otherwise. Seeds: testdata/fuzz/FuzzLogActivityBody.
func FuzzLogActivityBody(f *testing.F) {
	e := newEnv(f, func(o *Options) { o.Rate, o.Burst = 1e9, 1e9 })
	e.person("Alex")
	writer := e.token(app.ScopeWrite, "")
	f.Add([]byte(`{"type":"walk","amount":30}`))
	f.Add([]byte(`{"type":"walk","amount":-1}`))
	count := func(t *testing.T) int {
		var n int
		if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM activities").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := count(t)
		hr := httptest.NewRequest("POST", "/api/v1/people/alex/activities", bytes.NewReader(body))
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Authorization", "Bearer "+writer)
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, hr)
		after := count(t)
		switch {
		case rec.Code == 201:
			if after != before+1 {
				t.Fatalf("201 stored %d activities", after-before)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if after != before {
				t.Fatalf("%d stored %d activities", rec.Code, after-before)
			}
			var p struct {
				Status int    `json:"status"`
				Title  string `json:"title"`
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") ||
				json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != rec.Code {
				t.Fatalf("%d is not a problem document: %s", rec.Code, rec.Body.Bytes())
			}
		default:
			t.Fatalf("status %d for body %q: %s", rec.Code, body, rec.Body.Bytes())
		}
	})
}
