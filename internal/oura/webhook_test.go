package oura_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/oura"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", name, got, want)
	}
}

func TestChallengeResponse(t *testing.T) {
	t.Parallel()
	body, err := oura.ChallengeResponse(url.Values{"verification_token": {"vt-1"}, "challenge": {"ch<&>42"}}, "vt-1")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "challenge_response", body)
	for _, tc := range []struct {
		q    url.Values
		want error
	}{
		{url.Values{"verification_token": {"wrong"}, "challenge": {"c"}}, oura.ErrBadVerificationToken},
		{url.Values{"challenge": {"c"}}, oura.ErrBadVerificationToken},
	} {
		if _, err := oura.ChallengeResponse(tc.q, "vt-1"); !errors.Is(err, tc.want) {
			t.Errorf("%v: got %v", tc.q, err)
		}
	}
	if _, err := oura.ChallengeResponse(url.Values{"verification_token": {""}}, ""); !errors.Is(err, oura.ErrBadVerificationToken) {
		t.Error("empty configured token accepted an empty query token")
	}
	var v *domain.ValidationError
	if _, err := oura.ChallengeResponse(url.Values{"verification_token": {"vt-1"}}, "vt-1"); !errors.As(err, &v) {
		t.Errorf("missing challenge: %v", err)
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const secret, ts = "client-secret", "1731283200"
	body := []byte(`{"event_type":"update","data_type":"daily_sleep","object_id":"abc","event_time":"2024-11-11T08:00:00+00:00","user_id":"u1"}`)
	mac := oura.Sign(secret, ts, body)
	upper := strings.ToUpper(hex.EncodeToString(mac))
	// The scheme, independently: HMAC-SHA256(secret, timestamp || body), checked against a vector computed with Python's hmac module.
	if got := hex.EncodeToString(oura.Sign("key", "1", []byte("{}"))); got != "41377661c75dd21751bfd45dabfc9129b8c1d12a31961ccf6aed0f20b1fcd0e9" {
		t.Fatalf("HMAC vector: %s", got)
	}
	tests := []struct {
		name            string
		secret, ts, sig string
		body            []byte
		ok              bool
	}{
		{"upper-case hex as Oura sends", secret, ts, upper, body, true},
		{"lower-case hex", secret, ts, strings.ToLower(upper), body, true},
		{"wrong secret", "other", ts, upper, body, false},
		{"other timestamp", secret, "1731283201", upper, body, false},
		{"body changed", secret, ts, upper, append(bytes.Clone(body), ' '), false},
		{"not hex", secret, ts, "zz" + upper[2:], body, false},
		{"truncated", secret, ts, upper[:32], body, false},
		{"missing", secret, ts, "", body, false},
		{"no secret configured", "", ts, upper, body, false},
	}
	for _, tc := range tests {
		err := oura.VerifySignature(tc.secret, tc.ts, tc.sig, tc.body)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, oura.ErrBadSignature)) {
			t.Errorf("%s: got %v", tc.name, err)
		}
	}

	req := httptest.NewRequest("POST", "/oura/webhook", bytes.NewReader(body))
	req.Header.Set(oura.HeaderTimestamp, ts)
	req.Header.Set(oura.HeaderSignature, upper)
	n, err := oura.ReadNotification(req, secret)
	if err != nil || n.Collection() != oura.DailySleep || n.ObjectID != "abc" || n.EventType != "update" || n.EventTime.IsZero() {
		t.Fatalf("ReadNotification: %+v, %v", n, err)
	}
	req = httptest.NewRequest("POST", "/oura/webhook", bytes.NewReader(body))
	req.Header.Set(oura.HeaderTimestamp, ts)
	req.Header.Set(oura.HeaderSignature, strings.Repeat("0", 64))
	if _, err := oura.ReadNotification(req, secret); !errors.Is(err, oura.ErrBadSignature) {
		t.Errorf("forged delivery: %v", err)
	}
}

func TestParseNotification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body   string
		coll   oura.Collection
		fields []string // invalid fields, nil: valid
	}{
		{`{"event_type":"create","data_type":"workout","object_id":"w1","event_time":"2024-11-11T08:00:00+00:00","user_id":"u"}`, oura.Workout, nil},
		{`{"event_type":"delete","data_type":"vo2_max","object_id":"v1","future_field":true}`, oura.VO2Max, nil},
		{`{"event_type":"upsert","data_type":"","object_id":""}`, "", []string{"event_type", "data_type", "object_id"}},
		{`[1,2]`, "", []string{"body"}},
	}
	for _, tc := range tests {
		n, err := oura.ParseNotification([]byte(tc.body))
		var v *domain.ValidationError
		switch {
		case tc.fields == nil && err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case tc.fields == nil && n.Collection() != tc.coll:
			t.Errorf("%s: collection %q, want %q", tc.body, n.Collection(), tc.coll)
		case tc.fields != nil && !errors.As(err, &v):
			t.Errorf("%s: got %v, want a validation error", tc.body, err)
		case tc.fields != nil:
			var got []string
			for _, f := range v.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("%s: fields %v, want %v", tc.body, got, tc.fields)
			}
		}
	}
}
