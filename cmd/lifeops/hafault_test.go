package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/hass/hatest"
)

// TestHASocketDroppedDuringActions drops every Home Assistant WebSocket 20
// times while check-ins and activities arrive as HA action events. HA does
// not buffer events for a client that is away, so the caller (an automation)
// fires an action again with the same request_id until a lifeops_result
// answers it. Afterwards each answered action is stored exactly once and
// `lifeops verify` is clean.
func TestHASocketDroppedDuringActions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const haToken = "ha-token"
	fake := hatest.Start(t, hatest.Options{Token: haToken, TimeZone: "UTC"})
	url := dbtest.URL(t)
	getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": url, "LIFEOPS_TIMEZONE": "UTC"})
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"token", "create", "--name", "ha-fault", "--scope", "admin"}, &out, &errOut, getenv); code != exitOK {
		t.Fatalf("token create: %d %s", code, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	p := start(t, url, "LIFEOPS_TIMEZONE=UTC", "LIFEOPS_HA_URL="+fake.WebSocketURL(), "LIFEOPS_HA_TOKEN="+haToken)
	go func() {
		for range p.lines {
		}
	}()
	for _, c := range []struct{ path, body string }{
		{"/api/v1/people", `{"name":"Ann"}`},
		{"/api/v1/people/ann/habits", `{"name":"Water","schedule":{"kind":"daily"}}`},
	} {
		if code := postJSON(t, "http://"+p.addr+c.path, token, c.body); code != 201 {
			t.Fatalf("POST %s: %d", c.path, code)
		}
	}
	actions := len(hass.ActionEvents())
	waitFor(t, func() bool { return countCommands(fake, "subscribe_events") >= actions })

	// The automation's side: it hears lifeops_result on a connection of its
	// own, which the drops cut too.
	var mu sync.Mutex
	answered := map[string]bool{}
	caller := hass.New(hass.Options{URL: fake.WebSocketURL(), Token: haToken, Logger: zerolog.Nop()})
	caller.SubscribeEvents(hass.ResultEvent, func(ev hass.Event) {
		var r struct {
			OK        bool   `json:"ok"`
			RequestID string `json:"request_id"`
			Error     string `json:"error"`
		}
		if err := json.Unmarshal(ev.Data, &r); err != nil || !r.OK {
			t.Errorf("lifeops_result %s", ev.Data)
			return
		}
		mu.Lock()
		answered[r.RequestID] = true
		mu.Unlock()
	})
	if err := caller.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caller.Stop(context.Background()) })
	if err := caller.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return countCommands(fake, "subscribe_events") > actions })

	const drops = 20
	var dropped atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range drops {
			// Each drop cuts live sockets: LifeOps' and the caller's are
			// back (they reconnect with backoff) before the next one.
			for wait := time.Now().Add(20 * time.Second); fake.Live() < 2 && time.Now().Before(wait); {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			if fake.DropAll() > 0 {
				dropped.Add(1)
			}
		}
	}()
	var attempted, acked, retried int
	deadline := time.Now().Add(90 * time.Second)
	finished := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	for i := 0; !finished(); i++ {
		id := fmt.Sprintf("r%d", i)
		event, data := hass.EventCheckIn, map[string]any{"person": "ann", "habit": "water", "request_id": id}
		if i%2 == 1 {
			event, data = hass.EventLogActivity, map[string]any{"person": "ann", "activity": "walk", "duration_min": 5 + i%20, "request_id": id}
		}
		attempted++
		for try := 0; ; try++ {
			if try > 0 {
				retried++
			}
			fake.FireEvent(event, data)
			waitUntil := time.Now().Add(time.Second)
			for time.Now().Before(waitUntil) {
				mu.Lock()
				ok := answered[id]
				mu.Unlock()
				if ok {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			mu.Lock()
			ok := answered[id]
			mu.Unlock()
			if ok {
				acked++
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("action %s never answered", id)
			}
		}
	}

	stored := storedKeys(t, url, func(k string) string { return strings.TrimPrefix(k, "ha:") })
	mu.Lock()
	for id := range answered {
		if stored[id] != 1 {
			t.Errorf("answered action %s stored %d times", id, stored[id])
		}
	}
	for id, n := range stored {
		if !answered[id] || n != 1 {
			t.Errorf("action %s stored %d times, answered %v", id, n, answered[id])
		}
	}
	mu.Unlock()
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"verify"}, &out, &errOut, getenv); code != exitOK {
		t.Errorf("verify after the drops: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	t.Logf("%d HA socket drops (%d connections): %d actions fired, %d answered, %d fired again, %d stored; %s",
		dropped.Load(), fake.Connections(), attempted, acked, retried, len(stored), strings.TrimSpace(out.String()))
	if dropped.Load() != drops || retried == 0 {
		t.Fatalf("%d drops cut a live socket and %d actions were fired again: the drops did not land during the stream", dropped.Load(), retried)
	}
}

// postJSON posts body with a bearer token and returns the status.
func postJSON(t *testing.T, url, token, body string) int {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
