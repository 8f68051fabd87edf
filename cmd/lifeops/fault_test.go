package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestSIGKILLMidIngest kills `lifeops serve` with SIGKILL five times while
// REST clients write check-ins and activities, each with an Idempotency-Key
// and retried (against the restarted process) until acknowledged. Afterwards
// every acknowledged write is stored exactly once, no write is stored that
// was not acknowledged, and `lifeops verify` is clean.
func TestSIGKILLMidIngest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.URL(t)
	getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": url, "LIFEOPS_TIMEZONE": "UTC"})
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"token", "create", "--name", "fault", "--scope", "admin"}, &out, &errOut, getenv); code != exitOK {
		t.Fatalf("token create: %d %s", code, errOut.String())
	}
	token := strings.TrimSpace(out.String())

	var mu sync.Mutex
	proc := start(t, url, "LIFEOPS_TIMEZONE=UTC")
	drain := func(p *process) {
		go func() {
			for range p.lines {
			}
		}()
	}
	drain(proc)
	addr := func() string { mu.Lock(); defer mu.Unlock(); return proc.addr }

	client := &http.Client{Timeout: 5 * time.Second}
	post := func(path, key string, body any) (int, error) {
		b, _ := json.Marshal(body)
		req, err := http.NewRequest("POST", "http://"+addr()+path, bytes.NewReader(b))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	if code, err := post("/api/v1/people", "", map[string]any{"name": "Ann"}); code != 201 {
		t.Fatalf("create person: %d %v", code, err)
	}
	if code, err := post("/api/v1/people/ann/habits", "", map[string]any{"name": "Water", "schedule": map[string]any{"kind": "daily"}}); code != 201 {
		t.Fatalf("create habit: %d %v", code, err)
	}

	var attempted, acknowledged, retried, kills atomic.Int64
	var stopping atomic.Bool
	// Check-ins and activities the newest process acknowledged: its
	// /metrics below must have seen both.
	var servedLast [2]atomic.Int64
	var lastCode atomic.Value
	acked := sync.Map{}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for n := 0; !stopping.Load(); n++ {
				key := fmt.Sprintf("k%d-%d", w, n)
				path, body := "/api/v1/people/ann/habits/water/check-ins", any(map[string]any{})
				if n%2 == 1 {
					path, body = "/api/v1/people/ann/activities", map[string]any{"type": "walk", "amount": 5 + n%30}
				}
				attempted.Add(1)
				deadline := time.Now().Add(time.Minute)
				for try := 0; ; try++ {
					if try > 0 {
						retried.Add(1)
						time.Sleep(50 * time.Millisecond)
					}
					code, err := post(path, key, body)
					lastCode.Store(fmt.Sprint(code, err))
					if code == 201 {
						acknowledged.Add(1)
						acked.Store(key, true)
						servedLast[n%2].Add(1)
						break
					}
					if err == nil && code != 429 && code < 500 {
						t.Errorf("%s %s: status %d", path, key, code)
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("%s %s never acknowledged: %d %v", path, key, code, err)
						break
					}
				}
			}
		})
	}
	for range 5 {
		time.Sleep(700 * time.Millisecond)
		mu.Lock()
		p := proc
		mu.Unlock()
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-p.done
		kills.Add(1)
		next := start(t, url, "LIFEOPS_TIMEZONE=UTC")
		drain(next)
		mu.Lock()
		proc = next
		servedLast[0].Store(0)
		servedLast[1].Store(0)
		mu.Unlock()
	}
	for deadline := time.Now().Add(20 * time.Second); servedLast[0].Load() == 0 || servedLast[1].Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the last process acknowledged no check-in or no activity within 20 s (%d, %d; last answer %v)", servedLast[0].Load(), servedLast[1].Load(), lastCode.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopping.Store(true)
	wg.Wait()

	// The restarted process's /metrics has what the dashboard and the
	// alerts read (deploy/; deploy_test.go checks their names statically).
	req, _ := http.NewRequest("GET", "http://"+addr()+"/metrics", nil)
	out.Reset()
	if code := run(ctx, []string{"token", "create", "--name", "prometheus", "--scope", "admin"}, &out, &errOut, getenv); code != exitOK {
		t.Fatalf("token create: %d %s", code, errOut.String())
	}
	// A token of its own: the writers' token used up its rate.
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`lifeops_http_requests_total{operation="check-in",status="201"}`,
		`lifeops_http_request_duration_seconds_bucket{operation="log-activity"`, `lifeops_db_pool_connections{state="idle"}`,
		`lifeops_db_pool_max_connections`, `lifeops_dependency_up{dependency="database"} 1`, "process_resident_memory_bytes", "go_goroutines"} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics (%d, %d bytes) lacks %s", res.StatusCode, len(metrics), want)
		}
	}

	// The API scopes a client's key to its caller: "<caller>:<key>".
	stored := storedKeys(t, url, func(k string) string { return k[strings.LastIndex(k, ":")+1:] })
	acked.Range(func(k, _ any) bool {
		if stored[k.(string)] != 1 {
			t.Errorf("acknowledged %s stored %d times", k, stored[k.(string)])
		}
		return true
	})
	for k, n := range stored {
		if _, ok := acked.Load(k); !ok || n != 1 {
			t.Errorf("%s stored %d times, acknowledged %v", k, n, ok)
		}
	}
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"verify"}, &out, &errOut, getenv); code != exitOK {
		t.Errorf("verify after the kills: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	t.Logf("%d SIGKILLs mid-ingest: %d writes attempted, %d acknowledged, %d retried, %d stored; %s",
		kills.Load(), attempted.Load(), acknowledged.Load(), retried.Load(), len(stored), strings.TrimSpace(out.String()))
	if retried.Load() == 0 {
		t.Fatal("no write was retried: the kills did not land mid-ingest")
	}
}

// storedKeys counts the idempotency keys of every stored check-in and
// activity, each as key turns it (without the scope the server added).
func storedKeys(t *testing.T, url string, key func(stored string) string) map[string]int {
	t.Helper()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, "SELECT idempotency_key FROM check_ins UNION ALL SELECT idempotency_key FROM activities")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, k := range keys {
		stored[key(k)]++
	}
	return stored
}
