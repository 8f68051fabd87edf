package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// faultDuration bounds the fault loop; LIFEOPS_FAULT_DURATION overrides it
// (a Go duration) for longer runs by hand.
func faultDuration(t *testing.T) time.Duration {
	if v := os.Getenv("LIFEOPS_FAULT_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("LIFEOPS_FAULT_DURATION: %v", err)
		}
		return d
	}
	if testing.Short() {
		return 5 * time.Second
	}
	return 10 * time.Second
}

// TestBackendsTerminatedDuringWrites kills the database connections of the
// service over and over while check-ins and activities are written through
// it, every write retried by its client with its idempotency key until it
// is acknowledged. Afterwards each acknowledged write is stored exactly
// once, nothing is half-written (verify finds every derived value equal to
// its recomputation) and the tallies are logged.
func TestBackendsTerminatedDuringWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.URL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree,
		Location: func() *time.Location { return time.UTC }})
	people := []string{"ann", "ben"}
	for _, p := range people {
		if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: p}); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"water", "read"} {
			if _, err := svc.CreateHabit(ctx, p, app.HabitInput{Name: h, Schedule: domain.Schedule{Kind: domain.ScheduleDaily}}); err != nil {
				t.Fatal(err)
			}
		}
	}

	var attempted, acknowledged, retried, failedAttempts, terminated atomic.Int64
	// The store retries lost connections inside (postgres.InTx), so a bite
	// need not reach the client: the connections the pool had to make again
	// show it.
	connsBefore := pool.Stat().NewConnsCount()
	run := faultDuration(t)
	stop := time.Now().Add(run)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{} // kind:key

	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for n := 0; time.Now().Before(stop); n++ {
				person := people[rng.IntN(len(people))]
				key := fmt.Sprintf("w%d-%d", w, n)
				kind := "check_in"
				if rng.IntN(2) == 0 {
					kind = "activity"
				}
				attempted.Add(1)
				// The client retries until the write is acknowledged (or
				// gives up after a minute: a lost write then fails the test
				// through the missing acknowledgement, not a hang).
				deadline := time.Now().Add(time.Minute)
				for try := 0; ; try++ {
					if try > 0 {
						retried.Add(1)
						time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
					}
					var err error
					if kind == "check_in" {
						_, err = svc.CheckIn(ctx, app.CheckInInput{Person: person, Habit: []string{"water", "read"}[n%2], IdempotencyKey: key})
					} else {
						_, err = svc.LogActivity(ctx, app.ActivityInput{Person: person, Type: "walk", Amount: float64(5 + n%20), IdempotencyKey: key})
					}
					if err == nil {
						acknowledged.Add(1)
						mu.Lock()
						acked[kind+":"+person+":"+key] = true
						mu.Unlock()
						break
					}
					failedAttempts.Add(1)
					if time.Now().After(deadline) {
						t.Errorf("%s %s of %s never acknowledged: %v", kind, key, person, err)
						break
					}
				}
			}
		})
	}
	wg.Go(func() {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		for time.Now().Before(stop) {
			var n int64
			if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
				t.Error(err)
				return
			}
			terminated.Add(n)
			time.Sleep(time.Duration(20+rand.IntN(180)) * time.Millisecond)
		}
	})
	wg.Wait()

	// Every acknowledged write is stored exactly once, and nothing else.
	stored := map[string]int{}
	rows, err := pool.Query(ctx, `SELECT 'check_in:' || p.slug || ':' || c.idempotency_key FROM check_ins c JOIN people p ON p.id = c.person_id
		UNION ALL SELECT 'activity:' || p.slug || ':' || a.idempotency_key FROM activities a JOIN people p ON p.id = a.person_id`)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		stored[k]++
	}
	for k := range acked {
		if stored[k] != 1 {
			t.Errorf("acknowledged %s stored %d times", k, stored[k])
		}
	}
	for k, n := range stored {
		if !acked[k] || n != 1 {
			t.Errorf("%s stored %d times, acknowledged %v", k, n, acked[k])
		}
	}
	rep, err := svc.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("after the faults: %s", d)
	}
	reconnects := pool.Stat().NewConnsCount() - connsBefore
	t.Logf("%v of backend terminations: %d writes attempted, %d acknowledged, %d retries (%d failed attempts), %d backends terminated, %d connections made again; verify compared %d values, %d differ",
		run, attempted.Load(), acknowledged.Load(), retried.Load(), failedAttempts.Load(), terminated.Load(), reconnects, rep.Checked, len(rep.Differences))
	if terminated.Load() == 0 || (failedAttempts.Load() == 0 && reconnects == 0) {
		t.Fatalf("the faults did not bite: %d terminations, %d failed attempts, %d connections made again", terminated.Load(), failedAttempts.Load(), reconnects)
	}
}
