package oura

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// SealedStore keeps each person's sealed token pair; the database never
// sees a token in clear (internal/postgres implements it).
type SealedStore interface {
	// OuraTokenSealed returns the sealed pair, or an error matching
	// domain.ErrNotFound.
	OuraTokenSealed(ctx context.Context, personID int64) (string, error)
	// OuraTokenSealedPut replaces the sealed pair in one statement.
	OuraTokenSealedPut(ctx context.Context, personID int64, sealed string, expiry time.Time) error
}

// SealedTokens is the TokenStore the client uses in production: pairs are
// sealed with Sealer (bound to the person) before Store keeps them.
type SealedTokens struct {
	Store  SealedStore
	Sealer *Sealer
}

var _ TokenStore = SealedTokens{}

// Load implements TokenStore.
func (s SealedTokens) Load(ctx context.Context, personID int64) (Token, error) {
	sealed, err := s.Store.OuraTokenSealed(ctx, personID)
	if err != nil {
		return Token{}, err
	}
	return s.Sealer.OpenToken(personID, sealed)
}

// Save implements TokenStore.
func (s SealedTokens) Save(ctx context.Context, personID int64, tok Token) error {
	sealed, err := s.Sealer.SealToken(personID, tok)
	if err != nil {
		return fmt.Errorf("person %d: seal oura token: %w", personID, err)
	}
	return s.Store.OuraTokenSealedPut(ctx, personID, sealed, tok.Expiry)
}

// Gateway is the app's view of Oura (app.OuraGateway): the client, the
// redirect address registered with the Oura application, and the sync
// orchestration that turns each window into the app's facts.
type Gateway struct {
	client      *Client
	redirectURI string
	windowDays  int
	loc         func() *time.Location
}

var _ app.OuraGateway = (*Gateway)(nil)

// NewGateway wraps client. redirectURI must be the one registered with the
// Oura application (where GET /api/v1/oura/callback is reachable); loc is
// the household's zone; windowDays 0 means DefaultWindowDays.
func NewGateway(client *Client, redirectURI string, windowDays int, loc func() *time.Location) *Gateway {
	if loc == nil {
		loc = func() *time.Location { return time.UTC }
	}
	return &Gateway{client: client, redirectURI: redirectURI, windowDays: windowDays, loc: loc}
}

// AuthorizeURL implements app.OuraGateway.
func (g *Gateway) AuthorizeURL(state string) string {
	return g.client.AuthorizeURL(state, g.redirectURI, nil)
}

// Connect implements app.OuraGateway: the new pair replaces whatever was
// stored, including a rotated pair still waiting to be stored (it belongs
// to the authorization the person just replaced).
func (g *Gateway) Connect(ctx context.Context, personID int64, code string) error {
	tok, err := g.client.Exchange(ctx, code, g.redirectURI)
	if err != nil {
		return appErr(err)
	}
	ts := g.client.tokens
	p := ts.person(personID)
	select {
	case p.lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.lock }()
	p.pending = nil
	return ts.save(ctx, personID, tok)
}

// Health implements app.OuraGateway.
func (g *Gateway) Health() app.OuraHealth {
	b := g.client.Breaker().Status()
	h := app.OuraHealth{Breaker: string(b.State), BreakerSince: b.Since, PausedUntil: g.client.Limiter().PausedUntil()}
	h.Paused = h.PausedUntil.After(g.client.cfg.Now())
	if b.State != BreakerClosed {
		h.BreakerError = b.LastError
	}
	return h
}

// Sync implements app.OuraGateway.
func (g *Gateway) Sync(ctx context.Context, personID int64, from, to domain.Day, sink app.OuraSink) (app.OuraSyncReport, error) {
	s := Syncer{Fetcher: g.client, Sink: windowSink{sink: sink}, WindowDays: g.windowDays, Location: g.loc()}
	rep, err := s.Sync(ctx, personID, from.Start(time.UTC), to.Start(time.UTC))
	out := app.OuraSyncReport{Documents: map[string]int{}, Skipped: map[string]string{}}
	for c, n := range rep.Documents {
		out.Documents[string(c)] = n
	}
	for c, e := range rep.Skipped {
		out.Skipped[string(c)] = e.Error()
	}
	return out, appErr(err)
}

// Fetch implements app.OuraGateway: one document (a webhook's object_id),
// with the day's other sleep periods when it is one, so the main sleep is
// chosen among all of them.
func (g *Gateway) Fetch(ctx context.Context, personID int64, collection, id string, sink app.OuraSink) error {
	coll := Collection(collection)
	if collection == "vo2_max" {
		coll = VO2Max
	}
	doc, err := g.client.Document(ctx, personID, coll, id)
	if err != nil {
		return appErr(err)
	}
	docs := []Document{doc}
	if coll == Sleep && doc.Day != "" {
		day, err := time.Parse(time.DateOnly, doc.Day)
		if err != nil {
			return err
		}
		if docs, err = g.client.Documents(ctx, personID, Sleep, day, day); err != nil {
			return appErr(err)
		}
	}
	w, err := window(map[Collection][]Document{coll: docs})
	if err != nil {
		return err
	}
	return sink.OuraIngest(ctx, personID, w)
}

// appErr translates the client's errors the app reacts to.
func appErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrReauthRequired), errors.Is(err, ErrInvalidGrant):
		return fmt.Errorf("%w: %w", app.ErrOuraReauth, err)
	case errors.Is(err, ErrNotConnected):
		return fmt.Errorf("%w: %w", app.ErrOuraNotConnected, err)
	}
	return err
}

// windowSink hands the Syncer's windows to the app, one call per window.
type windowSink struct {
	sink app.OuraSink
}

var _ WindowSink = windowSink{}

// UpsertDocuments implements Sink for a single collection.
func (w windowSink) UpsertDocuments(ctx context.Context, personID int64, coll Collection, docs []Document) error {
	return w.UpsertWindow(ctx, personID, map[Collection][]Document{coll: docs})
}

// UpsertWindow implements WindowSink.
func (w windowSink) UpsertWindow(ctx context.Context, personID int64, docs map[Collection][]Document) error {
	win, err := window(docs)
	if err != nil {
		return err
	}
	return w.sink.OuraIngest(ctx, personID, win)
}

// window reads the app's facts out of one window's documents.
func window(docs map[Collection][]Document) (app.OuraWindow, error) {
	var w app.OuraWindow
	days := map[string]*app.OuraDay{}
	dayOf := func(s string) (*app.OuraDay, bool) {
		if d, ok := days[s]; ok {
			return d, true
		}
		day, err := domain.ParseDay(s)
		if err != nil {
			return nil, false
		}
		d := &app.OuraDay{Day: day}
		days[s] = d
		return d, true
	}
	score := func(v *int) *float64 {
		if v == nil {
			return nil
		}
		f := float64(*v)
		return &f
	}
	for coll, list := range docs {
		for _, d := range list {
			w.Documents = append(w.Documents, app.OuraDocument{Collection: string(coll), ID: d.ID, Day: d.Day, Raw: d.Raw})
		}
		switch coll {
		case DailySleep:
			typed, err := Decode[DailySleepDoc](list)
			if err != nil {
				return w, err
			}
			for _, t := range typed {
				if d, ok := dayOf(t.Day); ok && t.Score != nil {
					d.Sleep = score(t.Score)
				}
			}
		case DailyReadiness:
			typed, err := Decode[DailyReadinessDoc](list)
			if err != nil {
				return w, err
			}
			for _, t := range typed {
				if d, ok := dayOf(t.Day); ok && t.Score != nil {
					d.Readiness = score(t.Score)
				}
			}
		case DailyActivity:
			typed, err := Decode[DailyActivityDoc](list)
			if err != nil {
				return w, err
			}
			for _, t := range typed {
				if d, ok := dayOf(t.Day); ok {
					d.Activity = score(t.Score)
					steps := t.Steps
					d.Steps = &steps
				}
			}
		case Sleep:
			typed, err := Decode[SleepPeriodDoc](list)
			if err != nil {
				return w, err
			}
			seen := map[string]bool{}
			for _, t := range typed {
				if seen[t.Day] {
					continue
				}
				seen[t.Day] = true
				if main, ok := MainSleep(typed, t.Day); ok && !main.BedtimeEnd.IsZero() {
					if d, ok := dayOf(t.Day); ok {
						end := main.BedtimeEnd
						d.SleepEnd = &end
					}
				}
			}
		case Workout:
			typed, err := Decode[WorkoutDoc](list)
			if err != nil {
				return w, err
			}
			for _, t := range typed {
				wo := app.OuraWorkout{ID: t.ID, Activity: t.Activity, Start: t.StartDatetime, End: t.EndDatetime, DistanceM: t.Distance}
				if t.Label != nil {
					wo.Label = *t.Label
				}
				w.Workouts = append(w.Workouts, wo)
			}
		}
	}
	for _, d := range days {
		w.Days = append(w.Days, *d)
	}
	return w, nil
}
