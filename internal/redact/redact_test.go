package redact

import (
	"bytes"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, secret string }{
		{"postgres://lifeops:s3cr3t-pw@db:5432/lifeops", "s3cr3t-pw"},
		{"tcp://mqttuser:p@ss:w0rd@broker:1883", "p@ss:w0rd"},
		{"wss://u:hapass@ha.local/api/websocket", "hapass"},
		{"host=db user=lifeops password=kv-secret dbname=lifeops", "kv-secret"},
		{"host=db password='quoted secret' dbname=x", "quoted"},
		{"postgres://db/lifeops?sslmode=disable&password=qpass", "qpass"},
		{`{"client_secret":"oauth-cs-123"}`, "oauth-cs-123"},
		{"refresh_token=rt-abcdef&x=1", "rt-abcdef"},
		{"Authorization: Bearer AbCdEf0123456789_-xyz", "AbCdEf0123456789_-xyz"},
		{`cannot parse "host=db password=pgx-pw": failed`, "pgx-pw"},
	}
	for _, c := range cases {
		got := String(c.in)
		if strings.Contains(got, c.secret) {
			t.Errorf("String(%q) = %q: still shows %q", c.in, got, c.secret)
		}
		if !strings.Contains(got, Mask) {
			t.Errorf("String(%q) = %q: no mask", c.in, got)
		}
	}
	for _, keep := range []string{
		"postgres://postgres@127.0.0.1:5432/lifeops?sslmode=disable",
		"Authorization: Bearer <token>",
		`"ha_token":"<redacted>"`,
		"the token is unknown or revoked",
		"tcp://127.0.0.1:1883",
	} {
		if got := String(keep); got != keep {
			t.Errorf("String(%q) = %q, want it unchanged", keep, got)
		}
	}
}

func TestRedactorKnownSecretsAndWriter(t *testing.T) {
	t.Parallel()
	r := New("hunter22", "a")
	var buf bytes.Buffer
	w := r.Writer(&buf)
	r.Add("late-secret")
	msg := `{"level":"error","error":"dial: auth hunter22 refused; late-secret"}` + "\n"
	n, err := w.Write([]byte(msg))
	if err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if s := buf.String(); strings.Contains(s, "hunter22") || strings.Contains(s, "late-secret") || !strings.Contains(s, `"level":"error"`) {
		t.Errorf("written %q", s)
	}
	if got := r.String("a cat"); got != "a cat" {
		t.Errorf("a one-letter value masked ordinary text: %q", got)
	}
}
