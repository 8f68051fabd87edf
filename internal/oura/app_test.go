package oura_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// These tests run the whole Oura path against a real PostgreSQL: the fake
// Oura, the client, the sealed token store, the gateway and the app's use
// cases, as serve wires them.

const redirectURI = "http://lifeops.test/api/v1/oura/callback"

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// notes records the notifications a person would see in HA.
type notes struct {
	mu  sync.Mutex
	got []app.Notification
}

func (n *notes) Notify(_ context.Context, note app.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, note)
	return nil
}

func (n *notes) all() []app.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]app.Notification(nil), n.got...)
}

// flakySealed fails Save a set number of times: the database went away
// between Oura's answer and storing the rotated pair.
type flakySealed struct {
	*postgres.Store
	mu   sync.Mutex
	fail int
}

func (f *flakySealed) OuraTokenSealedPut(ctx context.Context, personID int64, sealed string, expiry time.Time) error {
	f.mu.Lock()
	if f.fail > 0 {
		f.fail--
		f.mu.Unlock()
		return errors.New("database is down")
	}
	f.mu.Unlock()
	return f.Store.OuraTokenSealedPut(ctx, personID, sealed, expiry)
}

func (f *flakySealed) setFail(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = n
}

type world struct {
	fake   *ouratest.Server
	pool   *pgxpool.Pool
	store  *postgres.Store
	sealed *flakySealed
	sealer *oura.Sealer
	client *oura.Client
	svc    *app.Service
	oura   *app.Oura
	notes  *notes
	now    time.Time
}

// newWorld is a household whose clock stands at now (Berlin); the Oura
// client runs on real time (its pauses and breaker wait for real).
func newWorld(t *testing.T, now time.Time, opts ouratest.Options, mod func(*oura.Config)) *world {
	t.Helper()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{fake: ouratest.New(t, opts), pool: dbtest.New(t), notes: &notes{}, now: now}
	w.store = postgres.NewStore(w.pool)
	w.sealed = &flakySealed{Store: w.store}
	if w.sealer, err = oura.NewSealer(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	w.client = newClient(t, w.fake, oura.SealedTokens{Store: w.sealed, Sealer: w.sealer}, mod)
	loc := func() *time.Location { return berlin }
	w.svc = app.New(app.Options{Store: w.store, Logger: zerolog.Nop(), Now: func() time.Time { return w.now }, Location: loc, Tree: tree})
	w.oura = app.NewOura(w.svc, app.OuraOptions{Gateway: oura.NewGateway(w.client, redirectURI, 0, loc), Notifier: w.notes})
	return w
}

func (w *world) person(t *testing.T, name string) domain.Person {
	t.Helper()
	p, err := w.svc.CreatePerson(t.Context(), app.PersonInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return p.Value
}

// connect runs the OAuth flow as a person's browser would: connect, approve
// on Oura's page, land on the callback.
func (w *world) connect(t *testing.T, person string) {
	t.Helper()
	c, err := w.oura.Connect(t.Context(), person)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("state"); got != c.State || got == "" {
		t.Fatalf("authorize URL state %q, want %q", got, c.State)
	}
	if got := u.Query().Get("redirect_uri"); got != redirectURI {
		t.Fatalf("redirect_uri %q", got)
	}
	if _, err := w.oura.Callback(t.Context(), c.State, w.fake.IssueCode(redirectURI)); err != nil {
		t.Fatalf("callback: %v", err)
	}
}

// fingerprint is every row version of the tables a sync writes to (xmin
// changes whenever a row is rewritten, even with equal values).
func (w *world) fingerprint(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"oura_documents", "daily_biometrics", "daily_scores", "activities", "xp_ledger",
		"person_progress", "stat_growth_days", "achievement_unlocks", "oura_tokens"} {
		var fp string
		err := w.pool.QueryRow(t.Context(), fmt.Sprintf(
			"SELECT count(*)::text || ':' || coalesce(md5(string_agg(xmin::text || ctid::text, ',' ORDER BY ctid)), '') FROM %s", table)).Scan(&fp)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = fp
	}
	return out
}

func (w *world) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := w.pool.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func mustDay(t *testing.T, s string) domain.Day {
	t.Helper()
	d, err := domain.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestBackfillFullHistory backfills the recorded whole-account histories
// (2,141 days of daily sleep and readiness, 2018-10-10 … 2024-11-12) into a
// real database; a second run changes no row; every day gets its score.
func TestBackfillFullHistory(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2024, 11, 13, 10, 0, 0, 0, berlin), ouratest.Options{}, nil)
	for _, c := range []string{"daily_sleep", "daily_readiness", "daily_stress", "daily_resilience", "daily_spo2", "enhanced_tag"} {
		w.fake.SetCase(c, "full_history")
	}
	anna := w.person(t, "Anna")
	w.connect(t, "anna")
	from, to := mustDay(t, "2018-10-10"), mustDay(t, "2024-11-12")

	start := time.Now()
	rep, err := w.oura.Backfill(t.Context(), "anna", from, to)
	first := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents["daily_sleep"] != 2141 || rep.Documents["daily_readiness"] != 2141 {
		t.Fatalf("fetched %v, want 2,141 daily sleep and readiness documents", rep.Documents)
	}
	if n := w.count(t, "SELECT count(*) FROM oura_documents WHERE person_id = $1 AND collection = 'daily_sleep'", anna.ID); n != 2141 {
		t.Errorf("%d daily_sleep documents stored, want 2141", n)
	}
	bioDays := w.count(t, "SELECT count(*) FROM daily_biometrics WHERE person_id = $1 AND sleep_score IS NOT NULL", anna.ID)
	if bioDays < 2000 {
		t.Errorf("only %d days with a sleep score", bioDays)
	}
	// Every day with a ring score has its Daily Life Score, with the
	// sleep component present.
	missing := w.count(t, `SELECT count(*) FROM daily_biometrics b LEFT JOIN daily_scores s USING (person_id, day)
		WHERE b.person_id = $1 AND (s.day IS NULL OR s.score IS NULL)`, anna.ID)
	if missing != 0 {
		t.Errorf("%d days with biometrics but no score", missing)
	}
	sc, err := w.svc.Score(t.Context(), anna.ID, to)
	if err != nil {
		t.Fatal(err)
	}
	present := map[domain.Component]bool{}
	for _, c := range sc.Score.Contributors {
		present[c.Component] = c.Present
	}
	if !sc.Score.HasData || !present[domain.ComponentSleep] || !present[domain.ComponentReadiness] || sc.Score.WarmingUp {
		t.Errorf("score of %s: %+v, want sleep and readiness judged against a baseline", to, sc.Score)
	}
	// The wake-up anchor and workouts come from the 24-day recordings.
	if n := w.count(t, "SELECT count(*) FROM daily_biometrics WHERE person_id = $1 AND sleep_end IS NOT NULL", anna.ID); n < 20 {
		t.Errorf("only %d days with a wake-up time", n)
	}
	if n := w.count(t, "SELECT count(*) FROM activities WHERE person_id = $1 AND source = 'oura'", anna.ID); n == 0 {
		t.Error("no workout became an activity")
	}
	st, err := w.oura.Status(t.Context(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Sync.LastDays["daily_sleep"]; got.String() != "2024-11-12" {
		t.Errorf("last daily_sleep day %v", got)
	}

	// Everything derived from the synced facts recomputes to what is
	// stored (lifeops verify).
	if rep, err := w.svc.Verify(t.Context()); err != nil || len(rep.Differences) != 0 {
		t.Errorf("verify after the backfill: %v, %d differences: %+v", err, len(rep.Differences), rep.Differences[:min(len(rep.Differences), 5)])
	}

	before := w.fingerprint(t)
	start = time.Now()
	if _, err := w.oura.Backfill(t.Context(), "anna", from, to); err != nil {
		t.Fatal(err)
	}
	second := time.Since(start)
	after := w.fingerprint(t)
	for table, fp := range before {
		if after[table] != fp {
			t.Errorf("second run rewrote rows of %s (%s → %s)", table, fp, after[table])
		}
	}
	t.Logf("full-history backfill of %d days: first run %v, second run (no changes) %v; %d days with biometrics, %d scores",
		to.Sub(from)+1, first.Round(time.Millisecond), second.Round(time.Millisecond), bioDays,
		w.count(t, "SELECT count(*) FROM daily_scores WHERE person_id = $1", anna.ID))
}

// TestStateSingleUseAndExpiry: a connect link works once, and not after
// ten minutes.
func TestStateSingleUseAndExpiry(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2024, 11, 13, 10, 0, 0, 0, berlin), ouratest.Options{}, nil)
	w.person(t, "Anna")
	c, err := w.oura.Connect(t.Context(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.oura.Callback(t.Context(), c.State, w.fake.IssueCode(redirectURI)); err != nil {
		t.Fatal(err)
	}
	var ve *domain.ValidationError
	_, err = w.oura.Callback(t.Context(), c.State, w.fake.IssueCode(redirectURI))
	if !errors.As(err, &ve) || ve.Fields[0].Field != "state" {
		t.Fatalf("second use of a state: %v, want a validation error naming state", err)
	}

	c, err = w.oura.Connect(t.Context(), "anna")
	if err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(app.OuraStateTTL + time.Second)
	if _, err := w.oura.Callback(t.Context(), c.State, w.fake.IssueCode(redirectURI)); !errors.As(err, &ve) || ve.Fields[0].Field != "state" {
		t.Fatalf("expired state: %v, want a validation error naming state", err)
	}
	if _, err := w.oura.Callback(t.Context(), "never-issued", "x"); !errors.As(err, &ve) || ve.Fields[0].Field != "state" {
		t.Fatalf("unknown state: %v", err)
	}
	// The token is stored sealed: the database never sees it in clear.
	var sealed string
	if err := w.pool.QueryRow(t.Context(), "SELECT sealed FROM oura_tokens").Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "at-") || strings.Contains(sealed, "rt-") {
		t.Errorf("stored token is not sealed: %q", sealed)
	}
}

// TestRotationWhileDatabaseDown: Oura rotated the refresh token but the
// database refused the new pair; the pair is held and stored first on the
// next sync, so nobody is locked out and the spent token is never offered
// again. When the new pair is lost for good (the process died before
// storing it), the next sync flags re-authorisation and tells the person
// once; connecting again clears the flag.
func TestRotationWhileDatabaseDown(t *testing.T) {
	t.Parallel()
	// Tokens that live 30 s are never fresh (a minute of skew): every sync
	// refreshes first.
	w := newWorld(t, time.Date(2024, 11, 13, 10, 0, 0, 0, berlin), ouratest.Options{ExpiresIn: 30}, nil)
	w.person(t, "Anna")
	w.connect(t, "anna")
	ctx := t.Context()

	w.sealed.setFail(3) // outlasts the client's save attempts
	if _, err := w.oura.SyncNow(ctx, "anna"); err == nil || !strings.Contains(err.Error(), "store rotated oura token") {
		t.Fatalf("sync while the database is down: %v, want the store failure", err)
	}
	if len(w.fake.Requests()) != 0 {
		t.Fatal("the unstored access token was used")
	}
	if _, err := w.oura.SyncNow(ctx, "anna"); err != nil {
		t.Fatalf("sync after the database came back: %v", err)
	}
	for _, r := range w.fake.TokenRequests() {
		if strings.Contains(r, "invalid_grant") {
			t.Fatalf("token requests %v: a spent refresh token was offered", w.fake.TokenRequests())
		}
	}
	st, err := w.oura.Status(ctx, "anna")
	if err != nil || st.NeedsReauth || st.Sync.LastError != "" || st.Sync.LastSync == nil {
		t.Fatalf("status %+v, %v: want connected and synced", st, err)
	}

	// Another process receives a rotated pair and dies before storing it.
	crashed := newClient(t, w.fake, oura.SealedTokens{Store: w.sealed, Sealer: w.sealer}, nil)
	w.sealed.setFail(1 << 20)
	if _, err := crashed.Documents(ctx, 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12")); err == nil {
		t.Fatal("the crashed process stored nothing yet its call succeeded")
	}
	w.sealed.setFail(0)
	for range 2 {
		if _, err := w.oura.SyncNow(ctx, "anna"); !errors.Is(err, app.ErrOuraReauth) {
			t.Fatalf("sync after the lost pair: %v, want ErrOuraReauth", err)
		}
	}
	if st, _ := w.oura.Status(ctx, "anna"); !st.NeedsReauth || st.ReauthReason == "" {
		t.Errorf("status %+v: want needs_reauth with a reason", st)
	}
	if n := w.notes.all(); len(n) != 1 || n[0].Kind != app.NotifyOuraReauth {
		t.Errorf("notifications %+v, want one re-auth notice", n)
	}
	if p, err := w.oura.Problems(ctx); err != nil || len(p) != 1 || !strings.Contains(p[0], "must connect Oura again") {
		t.Errorf("problems %v, %v", p, err)
	}
	// The scheduled sync leaves the person alone until they connect again.
	before := len(w.fake.TokenRequests())
	if err := w.oura.Tick(ctx, time.Date(2024, 11, 13, 11, 0, 0, 0, berlin)); err != nil {
		t.Fatal(err)
	}
	if len(w.fake.TokenRequests()) != before {
		t.Error("the tick tried a dead authorization again")
	}
	w.connect(t, "anna")
	if st, _ := w.oura.Status(ctx, "anna"); st.NeedsReauth {
		t.Error("connecting again did not clear needs_reauth")
	}
	if _, err := w.oura.SyncNow(ctx, "anna"); err != nil {
		t.Fatalf("sync after reconnecting: %v", err)
	}
}

// TestRetryAfterSharedAcrossPeople: a 429 on one person's sync holds the
// other person's requests back until Retry-After has passed, and the
// status and readiness say so while it lasts.
func TestRetryAfterSharedAcrossPeople(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2024, 11, 13, 10, 0, 0, 0, berlin), ouratest.Options{}, func(c *oura.Config) { c.MaxAttempts = 1 })
	w.person(t, "Anna")
	w.person(t, "Ben")
	w.connect(t, "anna")
	w.connect(t, "ben")
	ctx := t.Context()
	w.fake.Fail(ouratest.Fault{Status: 429, RetryAfter: 1})
	if _, err := w.oura.SyncNow(ctx, "anna"); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("anna's sync: %v, want the 429", err)
	}
	st, err := w.oura.Status(ctx, "ben")
	if err != nil {
		t.Fatal(err)
	}
	pause := st.Health.PausedUntil
	if !st.Health.Paused {
		t.Fatalf("ben's status %+v does not show the pause anna's 429 started", st.Health)
	}
	if p, _ := w.oura.Problems(ctx); len(p) != 1 || !strings.Contains(p[0], "rate limited") {
		t.Errorf("problems %v, want the pause", p)
	}
	n := len(w.fake.Requests())
	if _, err := w.oura.SyncNow(ctx, "ben"); err != nil {
		t.Fatalf("ben's sync: %v", err)
	}
	reqs := w.fake.Requests()[n:]
	if len(reqs) == 0 {
		t.Fatal("ben's sync sent nothing")
	}
	if reqs[0].At.Before(pause) {
		t.Errorf("ben's first request at %v, inside the pause until %v", reqs[0].At, pause)
	}
}

// TestSyncBreakerOpensAndCloses: repeated 5xx open the shared breaker (the
// status and readiness show it, syncs fail fast without calling Oura); after
// the cool-down a successful probe closes it.
func TestSyncBreakerOpensAndCloses(t *testing.T) {
	t.Parallel()
	clk := &manualClock{now: time.Now()}
	breaker := oura.NewBreaker(2, time.Minute, clk.Now)
	w := newWorld(t, time.Date(2024, 11, 13, 10, 0, 0, 0, berlin), ouratest.Options{}, func(c *oura.Config) {
		c.MaxAttempts = 1
		c.Breaker = breaker
	})
	w.person(t, "Anna")
	w.connect(t, "anna")
	ctx := t.Context()
	w.fake.Fail(ouratest.Fault{Status: 500, Times: 2})
	for range 2 {
		if _, err := w.oura.SyncNow(ctx, "anna"); err == nil {
			t.Fatal("sync succeeded through a 500")
		}
	}
	st, _ := w.oura.Status(ctx, "anna")
	if st.Health.Breaker != "open" || st.Health.BreakerError == "" {
		t.Fatalf("breaker %+v, want open with the error", st.Health)
	}
	if p, _ := w.oura.Problems(ctx); len(p) != 1 || !strings.Contains(p[0], "circuit open") {
		t.Errorf("problems %v", p)
	}
	n := len(w.fake.Requests())
	if _, err := w.oura.SyncNow(ctx, "anna"); !errors.Is(err, oura.ErrCircuitOpen) {
		t.Fatalf("sync while open: %v, want ErrCircuitOpen", err)
	}
	if len(w.fake.Requests()) != n {
		t.Error("an open breaker let a request through")
	}
	if st, _ := w.oura.Status(ctx, "anna"); st.Sync.LastError == "" {
		t.Error("the failed sync left no error in the status")
	}
	clk.Advance(time.Minute)
	if _, err := w.oura.SyncNow(ctx, "anna"); err != nil {
		t.Fatalf("sync after the cool-down: %v", err)
	}
	st, _ = w.oura.Status(ctx, "anna")
	if st.Health.Breaker != "closed" || st.Sync.LastError != "" {
		t.Errorf("after a good probe: %+v, last error %q", st.Health, st.Sync.LastError)
	}
	if p, _ := w.oura.Problems(ctx); len(p) != 0 {
		t.Errorf("problems after closing: %v", p)
	}
}

// TestWorkoutDedup: a walk logged by hand 8 minutes after the one Oura
// recorded is the same walk: it is linked to Oura's id and nothing is
// added; Oura's other walks of the day become activities; re-syncing adds
// nothing.
func TestWorkoutDedup(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2024, 10, 10, 12, 0, 0, 0, berlin), ouratest.Options{}, nil)
	anna := w.person(t, "Anna")
	w.connect(t, "anna")
	ctx := t.Context()
	// Oura: walking 2024-10-09 09:07–09:18 +02:00, id 23264206-….
	manual, err := w.svc.LogActivity(ctx, app.ActivityInput{Person: "anna", Type: "walk", Amount: 12,
		At: time.Date(2024, 10, 9, 9, 15, 0, 0, berlin), Source: domain.SourceManual})
	if err != nil {
		t.Fatal(err)
	}
	d := mustDay(t, "2024-10-09")
	for range 2 {
		if _, err := w.oura.Backfill(ctx, "anna", d, d); err != nil {
			t.Fatal(err)
		}
	}
	var ext string
	if err := w.pool.QueryRow(ctx, "SELECT external_id FROM activities WHERE id = $1", manual.Activity.ID).Scan(&ext); err != nil {
		t.Fatal(err)
	}
	if ext != "23264206-4a83-4619-abff-0e77bf6cd562" {
		t.Errorf("hand-logged walk linked to %q", ext)
	}
	if n := w.count(t, "SELECT count(*) FROM activities WHERE person_id = $1 AND external_id = $2", anna.ID, ext); n != 1 {
		t.Errorf("%d activities carry the workout's id, want the hand-logged one only", n)
	}
	// The day's other walks (16:49 UTC, 21:11 +02:00, …) are Oura's own.
	day9 := w.count(t, `SELECT count(*) FROM oura_documents WHERE person_id = $1 AND collection = 'workout' AND day = '2024-10-09'`, anna.ID)
	oura9 := w.count(t, `SELECT count(*) FROM activities WHERE person_id = $1 AND source = 'oura' AND day = '2024-10-09'`, anna.ID)
	if day9 < 2 || oura9 != day9-1 {
		t.Errorf("%d Oura workouts on the day, %d logged from Oura: want all but the hand-logged one", day9, oura9)
	}
	// The walks count: XP was awarded and the day's score reads them.
	if n := w.count(t, `SELECT count(*) FROM activities WHERE person_id = $1 AND source = 'oura' AND xp > 0`, anna.ID); n == 0 {
		t.Error("Oura walks earned no XP")
	}
}

// TestWorkoutLoggedByHandAfterTheRing: Oura synced the walk first; the
// person logs it by hand afterwards: the ring's activity is the answer and
// nothing is added.
func TestWorkoutLoggedByHandAfterTheRing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2024, 10, 10, 12, 0, 0, 0, berlin), ouratest.Options{}, nil)
	anna := w.person(t, "Anna")
	w.connect(t, "anna")
	ctx := t.Context()
	d := mustDay(t, "2024-10-09")
	if _, err := w.oura.Backfill(ctx, "anna", d, d); err != nil {
		t.Fatal(err)
	}
	before := w.count(t, "SELECT count(*) FROM activities WHERE person_id = $1", anna.ID)
	// Oura: walking 2024-10-09 09:07–09:18 +02:00.
	res, err := w.svc.LogActivity(ctx, app.ActivityInput{Person: "anna", Type: "walk", Amount: 12,
		At: time.Date(2024, 10, 9, 9, 30, 0, 0, berlin), Source: domain.SourceManual})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Duplicate || res.Activity.Source != domain.SourceOura {
		t.Errorf("hand log after the ring: %+v", res)
	}
	if after := w.count(t, "SELECT count(*) FROM activities WHERE person_id = $1", anna.ID); after != before {
		t.Errorf("%d activities after the hand log, want %d", after, before)
	}
	// A walk an hour later is another walk.
	res, err = w.svc.LogActivity(ctx, app.ActivityInput{Person: "anna", Type: "walk", Amount: 20,
		At: time.Date(2024, 10, 9, 10, 30, 0, 0, berlin), Source: domain.SourceManual})
	if err != nil || res.Duplicate {
		t.Fatalf("a later walk: %+v, %v", res, err)
	}
}

// TestSleepArrivesAndTickPolicy: before the night's sleep is in, today says
// so and the score leaves sleep out; the scheduled tick backfills a new
// connection at once, then polls every quarter hour in the morning only
// until today's sleep arrived, and on full hours after that.
func TestSleepArrivesAndTickPolicy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2024, 11, 12, 8, 0, 0, 0, berlin), ouratest.Options{}, nil)
	w.person(t, "Anna")
	ctx := t.Context()
	sleepPresent := func() bool {
		t.Helper()
		v, err := w.svc.Today(ctx, "anna")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range v.Score.Score.Contributors {
			if c.Component == domain.ComponentSleep {
				if c.Present == v.SleepNotInYet {
					t.Errorf("sleep present %v but sleep_not_in_yet %v", c.Present, v.SleepNotInYet)
				}
				return c.Present
			}
		}
		t.Fatal("no sleep contributor")
		return false
	}
	if v, _ := w.svc.Today(ctx, "anna"); v.SleepNotInYet {
		t.Error("sleep_not_in_yet without a ring")
	}
	w.connect(t, "anna")
	if sleepPresent() {
		t.Fatal("sleep present before any sync")
	}
	tick := func(h, m int) int {
		t.Helper()
		n := len(w.fake.Requests())
		if err := w.oura.Tick(ctx, time.Date(2024, 11, 12, h, m, 0, 0, berlin)); err != nil {
			t.Fatal(err)
		}
		return len(w.fake.Requests()) - n
	}
	if n := tick(8, 15); n == 0 {
		t.Fatal("a new connection was not backfilled on the next tick")
	}
	if !sleepPresent() {
		t.Fatal("today's sleep did not reach the score")
	}
	if n := tick(8, 30); n != 0 {
		t.Errorf("quarter-hour tick after today's sleep arrived sent %d requests", n)
	}
	if n := tick(9, 0); n == 0 {
		t.Error("the hourly tick did not sync")
	}
	st, _ := w.oura.Status(ctx, "anna")
	if !st.Sync.BackfillDone || st.Sync.LastDays["daily_sleep"].String() != "2024-11-12" {
		t.Errorf("sync state %+v", st.Sync)
	}
}
