package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func TestOuraStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, s, person := storeWithPerson(t)
	day := func(v string) domain.Day {
		d, err := domain.ParseDay(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	t.Run("state is single use and expires", func(t *testing.T) {
		now := time.Now()
		if err := s.OuraStateInsert(ctx, "s1", person, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.OuraStateTake(ctx, "s1", now); err != nil || got != person {
			t.Fatalf("take: %d %v", got, err)
		}
		if _, err := s.OuraStateTake(ctx, "s1", now); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("second take: %v", err)
		}
		if err := s.OuraStateInsert(ctx, "s2", person, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OuraStateTake(ctx, "s2", now.Add(time.Minute)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("expired take: %v", err)
		}
	})

	t.Run("latest day per collection only moves forward", func(t *testing.T) {
		for _, days := range []map[string]domain.Day{
			{"daily_sleep": day("2024-11-12"), "workout": day("2024-11-02")},
			{"daily_sleep": day("2024-10-01"), "sleep": day("2024-11-11")},
		} {
			if err := s.OuraSyncDays(ctx, person, days); err != nil {
				t.Fatal(err)
			}
		}
		st, err := s.OuraSyncGet(ctx, person)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"daily_sleep": "2024-11-12", "workout": "2024-11-02", "sleep": "2024-11-11"}
		if len(st.LastDays) != len(want) {
			t.Fatalf("last days %v", st.LastDays)
		}
		for c, d := range want {
			if st.LastDays[c].String() != d {
				t.Errorf("%s: %v, want %s", c, st.LastDays[c], d)
			}
		}
	})

	t.Run("documents: only new or different ones count", func(t *testing.T) {
		docs := []app.OuraDocument{
			{Collection: "daily_sleep", ID: "a", Day: "2024-11-11", Raw: []byte(`{"id":"a","score":80}`)},
			{Collection: "daily_sleep", ID: "b", Day: "2024-11-12", Raw: []byte(`{"id":"b","score":70}`)},
		}
		if got, err := s.OuraDocumentsUpsert(ctx, person, docs); err != nil || len(got) != 2 {
			t.Fatalf("first upsert: %d changed, %v", len(got), err)
		}
		// Same JSON with other spacing and key order is the same document.
		docs[0].Raw = []byte(`{"score": 80, "id": "a"}`)
		docs[1].Raw = []byte(`{"id":"b","score":71}`)
		got, err := s.OuraDocumentsUpsert(ctx, person, docs)
		if err != nil || len(got) != 1 || got[0].ID != "b" {
			t.Fatalf("second upsert: %+v, %v; want only b", got, err)
		}
	})

	t.Run("biometrics: unchanged values write nothing", func(t *testing.T) {
		sleep, steps := 81.0, 9000
		d := app.OuraDay{Day: day("2024-11-12"), Sleep: &sleep, Steps: &steps}
		for i, want := range []bool{true, false} {
			if moved, err := s.OuraBiometricsPut(ctx, person, d, time.Time{}); err != nil || moved != want {
				t.Fatalf("put %d: %v %v, want %v", i, moved, err, want)
			}
		}
		// A nil field keeps the stored value and is no change either.
		if moved, err := s.OuraBiometricsPut(ctx, person, app.OuraDay{Day: d.Day, Steps: &steps}, time.Time{}); err != nil || moved {
			t.Fatalf("partial put: %v %v", moved, err)
		}
		b, err := s.Biometrics(ctx, person, d.Day, d.Day)
		if err != nil || len(b) != 1 || b[0].Sleep == nil || *b[0].Sleep != sleep {
			t.Fatalf("stored %+v, %v", b, err)
		}
	})
}
