package oura_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

// wide covers every recording (2018 … Dec 2024).
var wideFrom, wideTo = day("2018-01-01"), day("2024-12-31")

func TestDocumentsEveryCollection(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, nil)

	decoders := map[oura.Collection]func([]oura.Document) error{
		oura.DailySleep:             decode[oura.DailySleepDoc],
		oura.DailyReadiness:         decode[oura.DailyReadinessDoc],
		oura.DailyActivity:          decode[oura.DailyActivityDoc],
		oura.Sleep:                  decode[oura.SleepPeriodDoc],
		oura.Workout:                decode[oura.WorkoutDoc],
		oura.Session:                decode[oura.SessionDoc],
		oura.DailyStress:            decode[oura.DailyStressDoc],
		oura.DailyResilience:        decode[oura.DailyResilienceDoc],
		oura.DailySpO2:              decode[oura.DailySpO2Doc],
		oura.VO2Max:                 decode[oura.VO2MaxDoc],
		oura.Tag:                    decode[oura.TagDoc],
		oura.EnhancedTag:            decode[oura.EnhancedTagDoc],
		oura.Heartrate:              decode[oura.HeartRateDoc],
		oura.SleepTime:              nil,
		oura.DailyCardiovascularAge: nil,
		oura.RestModePeriod:         nil,
		oura.RingConfiguration:      nil,
	}
	files := map[oura.Collection]string{
		oura.DailySpO2: "multiple_daily_sp02.200.json", oura.Heartrate: "multiple_heart_rate.200.json",
		oura.VO2Max: "multiple_vo2_max.200.json",
	}
	for coll, dec := range decoders {
		t.Run(string(coll), func(t *testing.T) {
			t.Parallel()
			file, ok := files[coll]
			if !ok {
				file = "multiple_" + string(coll) + ".200.json"
			}
			want := recorded(t, file)
			from, to := wideFrom, wideTo
			if coll == oura.Heartrate {
				from, to = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			docs, err := c.Documents(t.Context(), 1, coll, from, to)
			if err != nil {
				t.Fatalf("Documents: %v", err)
			}
			if len(docs) != len(want) || len(docs) == 0 && coll != oura.RingConfiguration {
				t.Fatalf("got %d documents, recording has %d", len(docs), len(want))
			}
			ids := map[string]bool{}
			for i, d := range docs {
				if !bytes.Equal(d.Raw, want[i]) {
					t.Errorf("document %d: raw JSON differs from the recording", i)
				}
				if d.ID == "" || ids[d.ID] {
					t.Errorf("document %d: id %q empty or repeated", i, d.ID)
				}
				ids[d.ID] = true
				if coll != oura.Heartrate && coll != oura.RingConfiguration {
					if _, err := time.Parse(time.DateOnly, d.Day); err != nil {
						t.Errorf("document %d: day %q: %v", i, d.Day, err)
					}
				}
			}
			if dec != nil {
				if err := dec(docs); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func decode[T any](docs []oura.Document) error {
	out, err := oura.Decode[T](docs)
	if err == nil && len(out) != len(docs) {
		err = errors.New("decoded count differs")
	}
	return err
}

func TestTypedDecodeKeepsValues(t *testing.T) {
	t.Parallel()
	// One document of each shape the scores need, checked against a
	// generic decode of the same bytes rather than against quoted values.
	cases := []struct {
		file  string
		check func(t *testing.T, raw json.RawMessage, generic map[string]any)
	}{
		{"single_daily_sleep.200.json", func(t *testing.T, raw json.RawMessage, g map[string]any) {
			v := one[oura.DailySleepDoc](t, raw)
			if v.Score == nil || float64(*v.Score) != g["score"].(float64) || v.Timestamp.IsZero() || v.Contributors.TotalSleep == nil {
				t.Errorf("daily sleep decoded as %+v", v)
			}
		}},
		{"single_daily_readiness.200.json", func(t *testing.T, raw json.RawMessage, g map[string]any) {
			v := one[oura.DailyReadinessDoc](t, raw)
			if v.Score == nil || float64(*v.Score) != g["score"].(float64) || v.TemperatureDeviation == nil {
				t.Errorf("readiness decoded as %+v", v)
			}
		}},
		{"single_daily_activity.200.json", func(t *testing.T, raw json.RawMessage, g map[string]any) {
			v := one[oura.DailyActivityDoc](t, raw)
			if float64(v.Steps) != g["steps"].(float64) || v.MET == nil || len(v.MET.Items) == 0 || v.Class5Min == nil {
				t.Errorf("activity decoded as steps=%d met=%v", v.Steps, v.MET != nil)
			}
		}},
		{"single_sleep.200.json", func(t *testing.T, raw json.RawMessage, g map[string]any) {
			v := one[oura.SleepPeriodDoc](t, raw)
			if v.TotalSleepDuration == nil || float64(*v.TotalSleepDuration) != g["total_sleep_duration"].(float64) ||
				v.Readiness == nil || v.HeartRate == nil || !v.BedtimeEnd.After(v.BedtimeStart) {
				t.Errorf("sleep period decoded wrongly")
			}
		}},
		{"single_daily_stress.200.json", func(t *testing.T, raw json.RawMessage, g map[string]any) {
			v := one[oura.DailyStressDoc](t, raw)
			if g["day_summary"] == nil && v.DaySummary != nil {
				t.Errorf("null day_summary decoded as %q", *v.DaySummary)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			raw := fixture(t, tc.file)
			var g map[string]any
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			tc.check(t, raw, g)
		})
	}
}

func one[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	out, err := oura.Decode[T]([]oura.Document{{ID: "x", Raw: raw}})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func TestUnknownAndMissingFieldsTolerated(t *testing.T) {
	t.Parallel()
	// A future Oura: new fields everywhere, optional ones gone, nulls.
	raw := json.RawMessage(`{"id":"x1","day":"2024-11-11","score":null,"timestamp":"2024-11-11T00:00:00+00:00",
		"contributors":{"deep_sleep":80,"brand_new":1},"meta":{"v":2},"timestamp_unix":1731283200}`)
	v := one[oura.DailySleepDoc](t, raw)
	if v.ID != "x1" || v.Score != nil || v.Contributors.DeepSleep == nil || *v.Contributors.DeepSleep != 80 || v.Contributors.Efficiency != nil {
		t.Errorf("decoded %+v", v)
	}
	// Recorded quirk: cardiovascular age items without id; heart-rate rows without id.
	fake := ouratest.New(t, ouratest.Options{})
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, nil)
	docs, err := c.Documents(t.Context(), 1, oura.DailyCardiovascularAge, wideFrom, wideTo)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.ID != "day:"+d.Day {
			t.Errorf("id-less document got id %q, want the day substitute", d.ID)
		}
	}
}

func TestEndDateAskedOneDayLater(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, nil)
	// The fake treats end_date as exclusive (like daily_activity): a one-day
	// request only finds the day because the client asks for one day more.
	d := recordedDay(t, "multiple_daily_activity.200.json")
	docs, err := c.Documents(t.Context(), 1, oura.DailyActivity, day(d), day(d))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Day != d {
		t.Fatalf("got %d documents for %s", len(docs), d)
	}
	req := fake.Requests()[0]
	if !strings.Contains(req.Query, "end_date="+day(d).AddDate(0, 0, 1).Format(time.DateOnly)) {
		t.Errorf("query %q does not ask for the extra day", req.Query)
	}
}

func recordedDay(t *testing.T, file string) string {
	t.Helper()
	var doc struct {
		Day string `json:"day"`
	}
	if err := json.Unmarshal(recorded(t, file)[0], &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Day
}

func TestFullHistoryPaging(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		coll     oura.Collection
		pageSize int
		requests int
	}{
		{oura.DailyReadiness, 0, 1},    // as recorded: one 2,141-document page, next_token null
		{oura.DailySleep, 0, 1},        // same
		{oura.DailyReadiness, 100, 22}, // split: 21 full pages and a last one
		{oura.DailySleep, 2140, 2},
	} {
		t.Run(string(tc.coll), func(t *testing.T) {
			t.Parallel()
			fake := ouratest.New(t, ouratest.Options{})
			fake.SetCase(string(tc.coll), "full_history")
			fake.SetPageSize(tc.pageSize)
			store := newMemStore()
			connect(fake, store, 1)
			c := newClient(t, fake, store, nil)
			docs, err := c.Documents(t.Context(), 1, tc.coll, wideFrom, wideTo)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, d := range docs {
				ids[d.ID] = true
			}
			if len(docs) != 2141 || len(ids) != 2141 {
				t.Errorf("got %d documents (%d unique), want 2141", len(docs), len(ids))
			}
			if n := len(fake.Requests()); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	fake.Forbid(string(oura.Workout))
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, nil)
	ctx := t.Context()

	var single struct {
		ID string `json:"id"`
	}
	json.Unmarshal(fixture(t, "single_daily_sleep.200.json"), &single)
	doc, err := c.Document(ctx, 1, oura.DailySleep, single.ID)
	if err != nil || !bytes.Equal(doc.Raw, fixture(t, "single_daily_sleep.200.json")) {
		t.Fatalf("single document: %v", err)
	}

	tests := []struct {
		name    string
		call    func() error
		is      error
		status  int
		message string
	}{
		{"404", func() error {
			_, err := c.Document(ctx, 1, oura.DailySleep, "00000000-0000-0000-0000-000000000000")
			return err
		}, domain.ErrNotFound, 404, "Document not found."},
		{"422 malformed id", func() error {
			_, err := c.Document(ctx, 1, oura.Tag, "malformed-id-format")
			return err
		}, oura.ErrInvalidRequest, 422, "path.document_id: Invalid document ID format"},
		{"403 scope not granted", func() error {
			_, err := c.Documents(ctx, 1, oura.Workout, day("2024-11-01"), day("2024-11-02"))
			return err
		}, oura.ErrForbidden, 403, "Forbidden"},
	}
	for _, tc := range tests {
		err := tc.call()
		var apiErr *oura.APIError
		if !errors.Is(err, tc.is) || !errors.As(err, &apiErr) || apiErr.Status != tc.status || apiErr.Message != tc.message {
			t.Errorf("%s: got %v, want %v with status %d and message %q", tc.name, err, tc.is, tc.status, tc.message)
		}
	}
	if _, err := c.Documents(ctx, 1, oura.DailySleep, day("2024-11-02"), day("2024-11-01")); err == nil {
		t.Error("to before from was accepted")
	}
}

func Test429PausesEveryPerson(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	fake.Fail(ouratest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})
	store := newMemStore()
	connect(fake, store, 1)
	tok2 := connect(fake, store, 2)
	c := newClient(t, fake, store, nil)
	ctx := t.Context()

	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() {
		_, errs[0] = c.Documents(ctx, 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
	})
	// Person 2 starts only once person 1's 429 has paused the client.
	deadline := time.Now().Add(3 * time.Second)
	for c.Limiter().PausedUntil().IsZero() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	wg.Go(func() {
		_, errs[1] = c.Documents(ctx, 2, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 (429, retry, person 2)", len(reqs))
	}
	limited := reqs[0].At
	for _, r := range reqs[1:] {
		if gap := r.At.Sub(limited); gap < 950*time.Millisecond {
			t.Errorf("request with token %s came %v after the 429, before Retry-After: 1", r.Bearer, gap)
		}
	}
	if !slices.ContainsFunc(reqs[1:], func(r ouratest.Request) bool { return r.Bearer == tok2.AccessToken }) {
		t.Error("person 2 never used their own token")
	}
}

func TestRetriesThen5xxGivesUp(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	fake.Fail(ouratest.Fault{Status: 500, Times: 2})
	fake.Fail(ouratest.Fault{Status: 503, Times: 1, PathPrefix: "/v2/usercollection/daily_stress"})
	fake.Fail(ouratest.Fault{Status: 502, Times: 4, PathPrefix: "/v2/usercollection/daily_spo2"})
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, nil)
	ctx := t.Context()
	if _, err := c.Documents(ctx, 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12")); err != nil {
		t.Fatalf("two 500s then success: %v", err)
	}
	if _, err := c.Documents(ctx, 1, oura.DailyStress, day("2024-11-11"), day("2024-11-12")); err != nil {
		t.Fatalf("503 then success: %v", err)
	}
	_, err := c.Documents(ctx, 1, oura.DailySpO2, day("2024-11-11"), day("2024-11-12"))
	if !errors.Is(err, oura.ErrUnavailable) {
		t.Fatalf("four 502s: got %v, want ErrUnavailable", err)
	}
	if n := len(fake.Requests()); n != 3+2+4 {
		t.Errorf("%d requests, want 9", n)
	}
	if st := c.Breaker().Status(); st.State != oura.BreakerClosed || st.Failures != 4 {
		t.Errorf("breaker %+v, want closed with 4 consecutive failures", st)
	}
}

func TestTimeoutRetried(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	fake.Fail(ouratest.Fault{Delay: 2 * time.Second})
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, func(cfg *oura.Config) { cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} })
	if _, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12")); err != nil {
		t.Fatalf("slow answer then success: %v", err)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestBreakerOpensAndCloses(t *testing.T) {
	t.Parallel()
	clock := &manualClock{now: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	fake := ouratest.New(t, ouratest.Options{})
	fake.Fail(ouratest.Fault{Status: 500, Times: 4})
	store := newMemStore()
	connect(fake, store, 1)
	c := newClient(t, fake, store, func(cfg *oura.Config) {
		cfg.MaxAttempts = 1
		cfg.Breaker = oura.NewBreaker(3, time.Minute, clock.Now)
	})
	ctx := t.Context()
	get := func() error {
		_, err := c.Documents(ctx, 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		return err
	}
	for i := range 3 {
		if err := get(); !errors.Is(err, oura.ErrUnavailable) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	st := c.Breaker().Status()
	if st.State != oura.BreakerOpen || !strings.Contains(st.LastError, "500") {
		t.Fatalf("after 3 failures: %+v", st)
	}
	if err := get(); !errors.Is(err, oura.ErrCircuitOpen) {
		t.Fatalf("open breaker let a call through: %v", err)
	}
	if n := len(fake.Requests()); n != 3 {
		t.Fatalf("%d requests reached Oura, want 3", n)
	}
	clock.Advance(time.Minute)
	if err := get(); !errors.Is(err, oura.ErrUnavailable) { // the half-open probe meets the 4th 500
		t.Fatalf("probe: %v", err)
	}
	if st := c.Breaker().Status(); st.State != oura.BreakerOpen {
		t.Fatalf("failed probe left breaker %s", st.State)
	}
	clock.Advance(time.Minute)
	if err := get(); err != nil {
		t.Fatalf("probe after cool-down: %v", err)
	}
	if st := c.Breaker().Status(); st.State != oura.BreakerClosed || st.LastError != "" || st.Failures != 0 {
		t.Fatalf("after success: %+v", st)
	}
}

func TestRefreshOn401ThenRetry(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	store := newMemStore()
	old := connect(fake, store, 1)
	fake.ExpireAccessToken(old.AccessToken) // Oura disagrees with our expiry
	c := newClient(t, fake, store, nil)
	if _, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12")); err != nil {
		t.Fatal(err)
	}
	now := store.get(1)
	if now.RefreshToken == old.RefreshToken || now.AccessToken == old.AccessToken {
		t.Fatal("rotated pair was not stored")
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || reqs[0].Bearer != old.AccessToken || reqs[1].Bearer != now.AccessToken {
		t.Errorf("requests %+v: want the old token refused, then the stored new one", reqs)
	}
	if got := fake.TokenRequests(); !slices.Equal(got, []string{"refresh_token ok"}) {
		t.Errorf("token requests %v", got)
	}
}

func TestReauthRequired(t *testing.T) {
	t.Parallel()
	t.Run("fresh token refused too", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		fake.Fail(ouratest.Fault{Status: http.StatusUnauthorized, Times: 2})
		store := newMemStore()
		connect(fake, store, 1)
		c := newClient(t, fake, store, nil)
		_, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		if !errors.Is(err, oura.ErrReauthRequired) {
			t.Fatalf("got %v", err)
		}
		if n := len(fake.TokenRequests()); n != 1 {
			t.Errorf("%d refreshes, want exactly 1", n)
		}
	})
	t.Run("refresh token revoked", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		store := newMemStore()
		tok := connect(fake, store, 1)
		fake.ExpireAccessToken(tok.AccessToken)
		fake.RevokeRefreshToken(tok.RefreshToken)
		c := newClient(t, fake, store, nil)
		_, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		if !errors.Is(err, oura.ErrReauthRequired) || !errors.Is(err, oura.ErrInvalidGrant) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("not connected", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		c := newClient(t, fake, newMemStore(), nil)
		_, err := c.Documents(t.Context(), 7, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		if !errors.Is(err, oura.ErrNotConnected) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestRefreshRotationCrash covers the moments around a single-use refresh.
// Oura spends the old refresh token when it answers, so the only pair that
// works afterwards is the new one: it is stored before use, held in memory
// while the store is down, and losing it (a crash before it was stored)
// means re-authorization, reported as such instead of retried forever.
func TestRefreshRotationCrash(t *testing.T) {
	t.Parallel()
	expired := func(tok oura.Token) oura.Token { tok.Expiry = time.Now().Add(-time.Hour); return tok }

	t.Run("store down: new pair kept and stored first on the next call", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		store := newMemStore()
		store.tokens[1] = expired(connect(fake, store, 1))
		c := newClient(t, fake, store, nil)
		store.setFailSave(3)
		_, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		if err == nil || !strings.Contains(err.Error(), "store rotated oura token") {
			t.Fatalf("got %v, want the store failure", err)
		}
		if len(fake.Requests()) != 0 {
			t.Fatal("the unstored access token was used")
		}
		if _, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12")); err != nil {
			t.Fatalf("after the store recovered: %v", err)
		}
		if got := fake.TokenRequests(); !slices.Equal(got, []string{"refresh_token ok"}) {
			t.Errorf("token requests %v: the spent refresh token must not be offered again", got)
		}
		if reqs := fake.Requests(); reqs[0].Bearer != store.get(1).AccessToken {
			t.Error("request did not use the stored pair")
		}
	})

	t.Run("crash after Oura answered: old token retried once, then re-auth", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		store := newMemStore()
		old := expired(connect(fake, store, 1))
		store.tokens[1] = old
		// The process that received the new pair died before Save.
		crashed := newClient(t, fake, store, nil)
		store.setFailSave(saveAttemptsForever)
		crashed.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		store.setFailSave(0)

		restarted := newClient(t, fake, store, nil)
		for range 2 {
			_, err := restarted.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
			if !errors.Is(err, oura.ErrReauthRequired) {
				t.Fatalf("got %v, want ErrReauthRequired", err)
			}
		}
		if got := fake.TokenRequests(); !slices.Equal(got, []string{"refresh_token ok", "refresh_token invalid_grant", "refresh_token invalid_grant"}) {
			t.Errorf("token requests %v", got)
		}
		if !reflect.DeepEqual(store.get(1), old) {
			t.Error("store changed although nothing new was stored")
		}
	})

	t.Run("token endpoint failed before rotating: old token still works", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		fake.FailToken(ouratest.Fault{Status: 503})
		store := newMemStore()
		old := expired(connect(fake, store, 1))
		store.tokens[1] = old
		c := newClient(t, fake, store, nil)
		_, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
		if !errors.Is(err, oura.ErrUnavailable) || errors.Is(err, oura.ErrReauthRequired) {
			t.Fatalf("got %v, want a transient failure", err)
		}
		if !reflect.DeepEqual(store.get(1), old) {
			t.Fatal("old pair replaced after a failed refresh")
		}
		if _, err := c.Documents(t.Context(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12")); err != nil {
			t.Fatalf("retry with the old refresh token: %v", err)
		}
		if got := fake.TokenRequests(); !slices.Equal(got, []string{"refresh_token 503", "refresh_token ok"}) {
			t.Errorf("token requests %v", got)
		}
	})

	t.Run("many goroutines, one refresh", func(t *testing.T) {
		t.Parallel()
		fake := ouratest.New(t, ouratest.Options{})
		store := newMemStore()
		store.tokens[1] = expired(connect(fake, store, 1))
		c := newClient(t, fake, store, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				_, err := c.Documents(context.Background(), 1, oura.DailySleep, day("2024-11-11"), day("2024-11-12"))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if got := fake.TokenRequests(); len(got) != 1 {
			t.Errorf("token requests %v, want one refresh", got)
		}
	})
}

// saveAttemptsForever outlasts the client's save retries.
const saveAttemptsForever = 1 << 20

func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{ExpiresIn: 3600})
	c := newClient(t, fake, newMemStore(), nil)
	const redirect = "https://ha.example/api/lifeops/oura/callback"

	u := c.AuthorizeURL("st4te", redirect, nil)
	if !strings.HasPrefix(u, oura.DefaultAuthorizeURL+"?") {
		t.Errorf("authorize URL %s", u)
	}
	for _, want := range []string{"client_id=" + fake.ClientID(), "response_type=code", "state=st4te",
		"scope=email+personal+daily+heartrate+workout+tag+session+spo2Daily", "redirect_uri=https%3A%2F%2Fha.example%2Fapi%2Flifeops%2Foura%2Fcallback"} {
		if !strings.Contains(u, want) {
			t.Errorf("authorize URL %s lacks %s", u, want)
		}
	}

	code := fake.IssueCode(redirect)
	before := time.Now()
	tok, err := c.Exchange(t.Context(), code, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || len(tok.Scopes) != 8 ||
		tok.Expiry.Before(before.Add(time.Hour-time.Second)) || tok.Expiry.After(time.Now().Add(time.Hour)) {
		t.Errorf("token %+v", tok)
	}
	if _, err := c.Exchange(t.Context(), code, redirect); !errors.Is(err, oura.ErrInvalidGrant) {
		t.Errorf("reused code: %v", err)
	}
	var oe *oura.OAuthError
	if _, err := c.Exchange(t.Context(), fake.IssueCode(redirect), "https://evil.example/"); !errors.As(err, &oe) || oe.Code != "invalid_redirect_uri" {
		t.Errorf("wrong redirect: %v", err)
	}
	bad := newClient(t, fake, newMemStore(), func(cfg *oura.Config) { cfg.ClientSecret = "wrong" })
	if _, err := bad.Exchange(t.Context(), fake.IssueCode(redirect), redirect); !errors.As(err, &oe) || oe.Code != "invalid_client" {
		t.Errorf("wrong secret: %v", err)
	}
	next, err := c.Refresh(t.Context(), tok.RefreshToken)
	if err != nil || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v (rotated: %v)", err, next.RefreshToken != tok.RefreshToken)
	}
	if _, err := c.Refresh(t.Context(), tok.RefreshToken); !errors.Is(err, oura.ErrInvalidGrant) {
		t.Errorf("second use of a refresh token: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := oura.New(oura.Config{BaseURL: "api.ouraring.com"}, nil)
	var v *domain.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 4 {
		t.Fatalf("got %v, want 4 field errors", err)
	}
}

func TestFakeValidatesRequests(t *testing.T) {
	t.Parallel()
	// The validator must be able to fail, or "zero violations" proves nothing.
	fake := ouratest.New(t, ouratest.Options{})
	access, _ := fake.IssueTokens()
	for _, q := range []string{"start_date=yesterday", "start_date=2024-11-11&end=2024-11-12"} {
		req, _ := http.NewRequest(http.MethodGet, fake.URL+"/v2/usercollection/daily_sleep?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if v := fake.TakeViolations(); len(v) != 2 {
		t.Errorf("violations %q, want 2", v)
	}
}
