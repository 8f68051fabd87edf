package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Errors of the Oura use cases. The gateway wraps its own failures in
// ErrOuraReauth and ErrOuraNotConnected so the app can react without
// knowing the client.
var (
	// ErrOuraDisabled means no Oura application is configured.
	ErrOuraDisabled = errors.New("oura is not configured (set oura_client_id and oura_client_secret)")
	// ErrOuraReauth means the person's authorization is gone: only a new
	// connection helps.
	ErrOuraReauth = errors.New("oura authorization required")
	// ErrOuraNotConnected means the person never connected Oura (or
	// disconnected).
	ErrOuraNotConnected = errors.New("oura not connected")
)

// Oura connection defaults.
const (
	// OuraStateTTL is how long a connect link is good for: Oura's
	// authorization codes live 10 minutes too.
	OuraStateTTL = 10 * time.Minute
	// OuraBackfillDays is the history a first sync reads.
	OuraBackfillDays = 90
	// ouraWorkoutDedup is how far apart a hand-logged workout and Oura's
	// may start and still be the same workout.
	ouraWorkoutDedup = 30 * time.Minute
)

// NotifyOuraReauth is the notification asking a person to connect Oura again.
const NotifyOuraReauth NotificationKind = "oura_reauth"

// OuraGateway is what the app needs from the Oura client (package oura
// implements it). Token storage is the gateway's business: it seals the
// pair before the OuraTokenStore sees it.
type OuraGateway interface {
	// AuthorizeURL is Oura's consent page for a connection bound to state.
	AuthorizeURL(state string) string
	// Connect exchanges an authorization code and stores the person's tokens.
	Connect(ctx context.Context, personID int64, code string) error
	// Sync fetches the days from..to, window by window, and hands every
	// window to sink.
	Sync(ctx context.Context, personID int64, from, to domain.Day, sink OuraSink) (OuraSyncReport, error)
	// Fetch fetches one document (a webhook's object_id) into sink.
	Fetch(ctx context.Context, personID int64, collection, id string, sink OuraSink) error
	// Health is the shared circuit breaker and rate-limit pause.
	Health() OuraHealth
}

// OuraSink takes one window of fetched Oura data; *Oura implements it.
type OuraSink interface {
	OuraIngest(ctx context.Context, personID int64, w OuraWindow) error
}

// OuraHealth is the state of the client every person shares.
type OuraHealth struct {
	Breaker      string    // closed, open, half-open
	BreakerError string    // the last failure, while not closed
	BreakerSince time.Time // when the breaker entered its state
	PausedUntil  time.Time // a 429's Retry-After, for everyone; zero or past: not paused
	Paused       bool      // PausedUntil is still ahead
}

// OuraSyncReport says what a sync fetched.
type OuraSyncReport struct {
	Documents map[string]int    // per collection
	Skipped   map[string]string // collections Oura refused (scope not granted)
}

// OuraDocument is one document as Oura sent it.
type OuraDocument struct {
	Collection string
	ID         string
	Day        string // YYYY-MM-DD, empty when the document has none
	Raw        []byte
}

// OuraDay are the daily numbers the gateway read out of one day's
// documents; nil fields were not in this window.
type OuraDay struct {
	Day       domain.Day
	Sleep     *float64   // daily_sleep score
	Readiness *float64   // daily_readiness score
	Activity  *float64   // daily_activity score
	Steps     *int       // daily_activity steps
	SleepEnd  *time.Time // the main sleep period's bedtime_end: the wake-up anchor
}

// OuraWorkout is one workout Oura recorded.
type OuraWorkout struct {
	ID        string
	Activity  string // Oura's name: walking, running, cycling, strength_training, …
	Start     time.Time
	End       time.Time
	DistanceM *float64
	Label     string
}

// OuraWindow is everything one sync window brought: the raw documents and
// what the gateway read out of them. OuraIngest applies only what changed.
type OuraWindow struct {
	From, To  domain.Day
	Documents []OuraDocument
	Days      []OuraDay
	Workouts  []OuraWorkout
}

// OuraStore keeps the Oura connection, documents and sync state.
type OuraStore interface {
	OuraStateInsert(ctx context.Context, state string, personID int64, expires time.Time) error
	// OuraStateTake deletes a state and returns its person; an unknown or
	// expired one is domain.ErrNotFound.
	OuraStateTake(ctx context.Context, state string, now time.Time) (int64, error)
	// OuraConnections lists every person with stored tokens.
	OuraConnections(ctx context.Context) ([]OuraConnection, error)
	OuraTokenDelete(ctx context.Context, personID int64) error
	// OuraReauthMark flags a person's tokens as dead; it reports whether
	// they were not flagged before (so the person is told once).
	OuraReauthMark(ctx context.Context, personID int64, reason string) (bool, error)
	// OuraDocumentsUpsert stores documents and returns the ones that were
	// new or differ from the stored copy.
	OuraDocumentsUpsert(ctx context.Context, personID int64, docs []OuraDocument) ([]OuraDocument, error)
	// OuraBiometricsPut writes a day's numbers (nil keeps the stored value)
	// and reports whether the row changed.
	OuraBiometricsPut(ctx context.Context, personID int64, d OuraDay, at time.Time) (bool, error)
	// OuraSyncGet reads a person's sync state (zero when never synced).
	OuraSyncGet(ctx context.Context, personID int64) (OuraSyncState, error)
	// OuraSyncDays raises the latest stored day per collection.
	OuraSyncDays(ctx context.Context, personID int64, days map[string]domain.Day) error
	// OuraSyncResult records a finished sync: its time and error ("" for
	// success); backfill marks the first backfill done.
	OuraSyncResult(ctx context.Context, personID int64, at time.Time, errText string, backfill bool) error
	// ActivityByExternal finds an activity of any source carrying externalID.
	ActivityByExternal(ctx context.Context, personID int64, externalID string) (domain.Activity, bool, error)
	// ActivityUnlinkedNear finds the activity of type typ, from a source
	// other than oura and without an external id, that started closest to
	// at within ±within.
	ActivityUnlinkedNear(ctx context.Context, personID int64, typ string, at time.Time, within time.Duration) (domain.Activity, bool, error)
	ActivityLinkExternal(ctx context.Context, id int64, externalID string) error
	// ActivityFromRingNear finds the Oura activity of type typ that started
	// closest to at within ±within.
	ActivityFromRingNear(ctx context.Context, personID int64, typ string, at time.Time, within time.Duration) (domain.Activity, bool, error)
	// XPAmount is the amount of one award; 0 when there is none.
	XPAmount(ctx context.Context, personID int64, kind, source string) (int, error)
}

// OuraConnection is one person's stored authorization.
type OuraConnection struct {
	PersonID     int64
	NeedsReauth  bool
	ReauthReason string
	ExpiresAt    *time.Time
	UpdatedAt    time.Time
}

// OuraSyncState is where a person's sync stands.
type OuraSyncState struct {
	LastSync     *time.Time
	LastDays     map[string]domain.Day
	LastError    string
	LastErrorAt  *time.Time
	BackfillDone bool
}

// OuraOptions wire the Oura use cases.
type OuraOptions struct {
	Gateway      OuraGateway // nil: Oura is not configured
	Notifier     Notifier    // tells a person to reconnect; nil: only the status says so
	BackfillDays int         // default OuraBackfillDays
}

// Oura runs the Oura use cases: connecting, syncing, status, and turning
// documents into facts.
type Oura struct {
	svc *Service
	o   OuraOptions
}

// NewOura returns the Oura use cases over svc's store.
func NewOura(svc *Service, o OuraOptions) *Oura {
	if o.BackfillDays <= 0 {
		o.BackfillDays = OuraBackfillDays
	}
	return &Oura{svc: svc, o: o}
}

// Enabled reports whether an Oura application is configured.
func (o *Oura) Enabled() bool { return o != nil && o.o.Gateway != nil }

func (o *Oura) gateway() (OuraGateway, error) {
	if !o.Enabled() {
		return nil, ErrOuraDisabled
	}
	return o.o.Gateway, nil
}

// OuraConnect is a started connection: where to send the person.
type OuraConnect struct {
	AuthorizeURL string
	State        string
	ExpiresAt    time.Time
}

// Connect starts connecting a person's ring: a single-use state bound to
// the person and the consent page's address.
func (o *Oura) Connect(ctx context.Context, personRef string) (OuraConnect, error) {
	gw, err := o.gateway()
	if err != nil {
		return OuraConnect{}, err
	}
	p, err := o.svc.store.PersonGet(ctx, personRef)
	if err != nil {
		return OuraConnect{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return OuraConnect{}, err
	}
	state := base64.RawURLEncoding.EncodeToString(b)
	exp := o.svc.now().Add(OuraStateTTL)
	if err := o.svc.store.OuraStateInsert(ctx, state, p.Value.ID, exp); err != nil {
		return OuraConnect{}, fmt.Errorf("person %d oura state: %w", p.Value.ID, err)
	}
	return OuraConnect{AuthorizeURL: gw.AuthorizeURL(state), State: state, ExpiresAt: exp}, nil
}

// Callback finishes a connection from Oura's redirect: the state names the
// person (once, before it expires), the code becomes tokens.
func (o *Oura) Callback(ctx context.Context, state, code string) (domain.Person, error) {
	gw, err := o.gateway()
	if err != nil {
		return domain.Person{}, err
	}
	var v domain.ValidationError
	if strings.TrimSpace(state) == "" {
		v.Add("state", nil, "must not be empty")
	}
	if strings.TrimSpace(code) == "" {
		v.Add("code", nil, "must not be empty")
	}
	if err := v.Err(); err != nil {
		return domain.Person{}, err
	}
	personID, err := o.svc.store.OuraStateTake(ctx, state, o.svc.now())
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Person{}, domain.Invalid("state", nil, "is unknown, used or expired: start connecting again")
	}
	if err != nil {
		return domain.Person{}, err
	}
	p, err := o.svc.store.PersonGet(ctx, fmt.Sprint(personID))
	if err != nil {
		return domain.Person{}, err
	}
	if err := o.exchange(ctx, gw, personID, code); err != nil {
		return domain.Person{}, err
	}
	return p.Value, nil
}

// PasteCode connects a person with a code copied from Oura's redirect, for
// homes whose LifeOps Oura's redirect cannot reach.
func (o *Oura) PasteCode(ctx context.Context, personRef, code string) error {
	gw, err := o.gateway()
	if err != nil {
		return err
	}
	if strings.TrimSpace(code) == "" {
		return domain.Invalid("code", nil, "must not be empty")
	}
	p, err := o.svc.store.PersonGet(ctx, personRef)
	if err != nil {
		return err
	}
	return o.exchange(ctx, gw, p.Value.ID, strings.TrimSpace(code))
}

func (o *Oura) exchange(ctx context.Context, gw OuraGateway, personID int64, code string) error {
	if err := gw.Connect(ctx, personID, code); err != nil {
		if errors.Is(err, ErrOuraReauth) {
			return domain.Invalid("code", nil, "was refused by Oura (expired, used, or for another redirect address): connect again")
		}
		return fmt.Errorf("person %d: connect oura: %w", personID, err)
	}
	o.changed(ctx, personID, domain.ChangeOuraLink)
	return nil
}

// changed announces a change to a person's Oura state, which is written
// outside the service's transactions (tokens by the gateway, sync results).
func (o *Oura) changed(ctx context.Context, personID int64, what domain.Change) {
	o.svc.emit(ctx, []domain.Event{{Kind: domain.EventPersonChanged, PersonID: personID, At: o.svc.now(),
		Changed: &domain.PersonChangedData{What: what}}})
}

// Disconnect forgets a person's tokens. The facts already synced stay.
func (o *Oura) Disconnect(ctx context.Context, personRef string) error {
	if o == nil {
		return ErrOuraDisabled
	}
	p, err := o.svc.store.PersonGet(ctx, personRef)
	if err != nil {
		return err
	}
	if err := o.svc.store.OuraTokenDelete(ctx, p.Value.ID); err != nil {
		return err
	}
	o.changed(ctx, p.Value.ID, domain.ChangeOuraLink)
	return nil
}

// OuraStatus is one person's Oura connection as the API and HA show it.
type OuraStatus struct {
	Enabled      bool
	Connected    bool
	NeedsReauth  bool
	ReauthReason string
	Sync         OuraSyncState
	Health       OuraHealth
}

// Status reads a person's connection and freshness.
func (o *Oura) Status(ctx context.Context, personRef string) (OuraStatus, error) {
	if o == nil {
		return OuraStatus{}, ErrOuraDisabled
	}
	p, err := o.svc.store.PersonGet(ctx, personRef)
	if err != nil {
		return OuraStatus{}, err
	}
	return o.statusOf(ctx, p.Value.ID)
}

func (o *Oura) statusOf(ctx context.Context, personID int64) (OuraStatus, error) {
	st := OuraStatus{Enabled: o.Enabled()}
	if st.Enabled {
		st.Health = o.o.Gateway.Health()
	}
	conns, err := o.svc.store.OuraConnections(ctx)
	if err != nil {
		return st, err
	}
	for _, c := range conns {
		if c.PersonID == personID {
			st.Connected, st.NeedsReauth, st.ReauthReason = true, c.NeedsReauth, c.ReauthReason
		}
	}
	st.Sync, err = o.svc.store.OuraSyncGet(ctx, personID)
	return st, err
}

// LastSync is when a person's Oura data was last synced (zero: never).
func (o *Oura) LastSync(ctx context.Context, personID int64) (time.Time, error) {
	st, err := o.svc.store.OuraSyncGet(ctx, personID)
	if err != nil || st.LastSync == nil {
		return time.Time{}, err
	}
	return *st.LastSync, nil
}

// StatusOf is Status by person id, for Home Assistant's diagnostic entity.
func (o *Oura) StatusOf(ctx context.Context, personID int64) (OuraStatus, error) {
	if o == nil {
		return OuraStatus{}, ErrOuraDisabled
	}
	return o.statusOf(ctx, personID)
}

// Problems lists what keeps Oura from working, for /readyz: the breaker,
// a rate-limit pause, people who must connect again. Empty: all is well.
func (o *Oura) Problems(ctx context.Context) ([]string, error) {
	if !o.Enabled() {
		return nil, ErrOuraDisabled
	}
	var out []string
	h := o.o.Gateway.Health()
	if h.Breaker != "" && h.Breaker != "closed" {
		out = append(out, fmt.Sprintf("circuit %s since %s: %s", h.Breaker, h.BreakerSince.Format(time.RFC3339), h.BreakerError))
	}
	if h.Paused {
		out = append(out, "rate limited until "+h.PausedUntil.Format(time.RFC3339))
	}
	conns, err := o.svc.store.OuraConnections(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range conns {
		if c.NeedsReauth {
			out = append(out, fmt.Sprintf("person %d must connect Oura again: %s", c.PersonID, c.ReauthReason))
		}
	}
	return out, nil
}

// SyncNow syncs one person: the first backfill, else from the day before
// the last sync (Oura revises the latest day) to today.
func (o *Oura) SyncNow(ctx context.Context, personRef string) (OuraSyncReport, error) {
	if !o.Enabled() {
		return OuraSyncReport{}, ErrOuraDisabled
	}
	p, err := o.svc.store.PersonGet(ctx, personRef)
	if err != nil {
		return OuraSyncReport{}, err
	}
	return o.sync(ctx, p.Value.ID)
}

// Backfill syncs the days from..to for one person, whatever was synced
// before (a longer history than the first backfill reads).
func (o *Oura) Backfill(ctx context.Context, personRef string, from, to domain.Day) (OuraSyncReport, error) {
	gw, err := o.gateway()
	if err != nil {
		return OuraSyncReport{}, err
	}
	p, err := o.svc.store.PersonGet(ctx, personRef)
	if err != nil {
		return OuraSyncReport{}, err
	}
	if to.Before(from) {
		return OuraSyncReport{}, domain.Invalid("to", to.String(), "must not be before from")
	}
	rep, err := gw.Sync(ctx, p.Value.ID, from, to, o)
	return rep, o.finish(ctx, p.Value.ID, err, false)
}

// syncRange is what the next sync covers: a backfill until one finished,
// else from the day before the last sync to today.
func (o *Oura) syncRange(st OuraSyncState) (from, to domain.Day) {
	to = o.svc.today()
	earliest := to.Add(-(o.o.BackfillDays - 1))
	if !st.BackfillDone || st.LastSync == nil {
		return earliest, to
	}
	from = domain.DayOf(*st.LastSync, o.svc.loc()).Add(-1)
	if from.Before(earliest) {
		from = earliest
	}
	if to.Before(from) {
		from = to
	}
	return from, to
}

func (o *Oura) sync(ctx context.Context, personID int64) (OuraSyncReport, error) {
	gw, err := o.gateway()
	if err != nil {
		return OuraSyncReport{}, err
	}
	st, err := o.svc.store.OuraSyncGet(ctx, personID)
	if err != nil {
		return OuraSyncReport{}, err
	}
	from, to := o.syncRange(st)
	rep, err := gw.Sync(ctx, personID, from, to, o)
	return rep, o.finish(ctx, personID, err, !st.BackfillDone)
}

// finish records a sync's outcome; a lost authorization is flagged and the
// person told once.
func (o *Oura) finish(ctx context.Context, personID int64, syncErr error, backfill bool) error {
	errText := ""
	if syncErr != nil {
		errText = syncErr.Error()
	}
	if err := o.svc.store.OuraSyncResult(ctx, personID, o.svc.now(), errText, backfill && syncErr == nil); err != nil {
		return errors.Join(syncErr, err)
	}
	o.changed(ctx, personID, domain.ChangeOuraSync)
	o.svc.ConnectionChanged(ctx, "oura", syncErr == nil)
	if !errors.Is(syncErr, ErrOuraReauth) {
		return syncErr
	}
	first, err := o.svc.store.OuraReauthMark(ctx, personID, errText)
	if err != nil {
		return errors.Join(syncErr, err)
	}
	if first && o.o.Notifier != nil {
		note := Notification{PersonID: personID, Kind: NotifyOuraReauth, Title: "Oura needs you again",
			Message: "LifeOps can no longer read your Oura Ring. Connect Oura again in LifeOps to resume syncing.",
			Day:     o.svc.today()}
		if err := o.o.Notifier.Notify(ctx, note); err != nil {
			return errors.Join(syncErr, fmt.Errorf("notify person %d: %w", personID, err))
		}
	}
	return syncErr
}

// Tick is the scheduled sync at slot (every 15 minutes): a person is synced
// until their first backfill is done, every quarter hour from 05:00 to
// 12:00 local while today's sleep has not arrived, and on every full hour.
// One person's failure does not stop the others.
func (o *Oura) Tick(ctx context.Context, slot time.Time) error {
	if !o.Enabled() {
		return nil
	}
	conns, err := o.svc.store.OuraConnections(ctx)
	if err != nil {
		return err
	}
	local := slot.In(o.svc.loc())
	today := domain.DayOf(slot, o.svc.loc())
	morning := local.Hour() >= 5 && local.Hour() < 12
	var errs []error
	for _, c := range conns {
		if c.NeedsReauth {
			continue
		}
		due := local.Minute() == 0
		if !due {
			st, err := o.svc.store.OuraSyncGet(ctx, c.PersonID)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			due = !st.BackfillDone || (morning && st.LastDays["daily_sleep"] != today)
		}
		if !due {
			continue
		}
		if _, err := o.sync(ctx, c.PersonID); err != nil {
			errs = append(errs, fmt.Errorf("oura sync person %d: %w", c.PersonID, err))
		}
	}
	return errors.Join(errs...)
}

// Notified fetches the document a webhook announced, for every connected
// person (Oura's user_id is not stored; fetching with the wrong person's
// token answers 404, which is skipped).
func (o *Oura) Notified(ctx context.Context, collection, id string) error {
	gw, err := o.gateway()
	if err != nil {
		return err
	}
	conns, err := o.svc.store.OuraConnections(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range conns {
		if c.NeedsReauth {
			continue
		}
		if err := gw.Fetch(ctx, c.PersonID, collection, id, o); err != nil && !errors.Is(err, domain.ErrNotFound) {
			errs = append(errs, fmt.Errorf("person %d: %w", c.PersonID, err))
		}
	}
	return errors.Join(errs...)
}

// ouraDayCollections are the collections behind daily_biometrics.
var ouraDayCollections = []string{"daily_sleep", "daily_readiness", "daily_activity", "sleep"}

// OuraIngest applies one window in one transaction: documents upserted,
// then, for what changed only, the day's numbers, workouts as activities,
// and the affected days' scores. Re-ingesting the same window changes no
// row.
func (o *Oura) OuraIngest(ctx context.Context, personID int64, w OuraWindow) error {
	s := o.svc
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		s.touched(ev, personID, domain.ChangeOuraSync)
		changed, err := tx.OuraDocumentsUpsert(ctx, personID, w.Documents)
		if err != nil {
			return err
		}
		lastDays := map[string]domain.Day{}
		for _, d := range w.Documents {
			if day, err := domain.ParseDay(d.Day); err == nil && lastDays[d.Collection].Before(day) {
				lastDays[d.Collection] = day
			}
		}
		if len(lastDays) > 0 {
			if err := tx.OuraSyncDays(ctx, personID, lastDays); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			return nil
		}
		// Serialise with the person's other writes (XP, growth totals).
		if _, err := tx.ProgressGet(ctx, personID); err != nil {
			return err
		}
		changedDays := map[string]bool{}
		changedWorkouts := map[string]bool{}
		for _, d := range changed {
			switch {
			case d.Collection == "workout":
				changedWorkouts[d.ID] = true
			case slices.Contains(ouraDayCollections, d.Collection):
				changedDays[d.Day] = true
			}
		}
		cat, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		var affected []domain.Day
		today := s.today()
		for _, d := range w.Days {
			// A day after today is not a fact yet: the document stays
			// stored, the numbers wait for their day.
			if !changedDays[d.Day.String()] || d.Day.After(today) {
				continue
			}
			moved, err := tx.OuraBiometricsPut(ctx, personID, d, s.now())
			if err != nil {
				return err
			}
			if !moved {
				continue
			}
			affected = append(affected, d.Day)
			if d.Readiness != nil {
				// Readiness gates the day's passive stat growth.
				if err := s.regrow(ctx, tx, personID, d.Day, cat); err != nil {
					return err
				}
			}
		}
		for _, wo := range w.Workouts {
			if !changedWorkouts[wo.ID] {
				continue
			}
			day, added, err := o.workout(ctx, tx, personID, wo, cat, ev)
			if err != nil {
				return err
			}
			if added {
				affected = append(affected, day)
			}
		}
		if len(affected) == 0 {
			return nil
		}
		// A day's score reads the 30 days before it as its baseline, so
		// the days after a changed one move too.
		first, last := slices.MinFunc(affected, domain.Day.Compare), slices.MaxFunc(affected, domain.Day.Compare)
		last = last.Add(domain.BaselineDays)
		if today.Before(last) {
			last = today
		}
		for d := first; !last.Before(d); d = d.Add(1) {
			if err := s.recomputeScore(ctx, tx, personID, d, ev); err != nil {
				return err
			}
			if d.Before(today) {
				if err := o.biometricXP(ctx, tx, personID, d, ev); err != nil {
					return err
				}
				// The day is closed again, as any correction does: a day
				// first scored now gets its perfect-day mark (the
				// biometric award it makes is the one just set).
				if err := s.closeDay(ctx, tx, personID, d, ev); err != nil {
					return err
				}
			}
		}
		return s.checkAchievements(ctx, tx, personID, ev)
	})
}

// biometricXP sets a closed day's biometric XP to what closing it awards
// (see closeDay): data that arrives after the rollover, or a revised night,
// earns what it would have earned on time. An unchanged amount is left
// alone, so no level is lost and regained.
func (o *Oura) biometricXP(ctx context.Context, tx Store, personID int64, day domain.Day, ev *[]domain.Event) error {
	xp, err := o.svc.biometricXPOf(ctx, tx, personID, day)
	if err != nil {
		return err
	}
	had, err := tx.XPAmount(ctx, personID, xpBiometric, day.String())
	if err != nil || had == xp {
		return err
	}
	return o.svc.setXP(ctx, tx, personID, day, xpBiometric, day.String(), xp, ev)
}

// workout records an Oura workout as an activity, unless it is known
// already or the person logged the same workout by hand within ±30 min:
// then the hand-logged one is linked to it and nothing is added.
func (o *Oura) workout(ctx context.Context, tx Store, personID int64, wo OuraWorkout, cat domain.Catalogue, ev *[]domain.Event) (domain.Day, bool, error) {
	s := o.svc
	typ, amount := ouraActivity(wo)
	if amount <= 0 {
		return domain.Day{}, false, nil
	}
	if _, found, err := tx.ActivityByExternal(ctx, personID, wo.ID); err != nil || found {
		return domain.Day{}, false, err
	}
	if manual, found, err := tx.ActivityUnlinkedNear(ctx, personID, typ, wo.Start, ouraWorkoutDedup); err != nil {
		return domain.Day{}, false, err
	} else if found {
		return domain.Day{}, false, tx.ActivityLinkExternal(ctx, manual.ID, wo.ID)
	}
	t, ok := cat.Lookup(typ)
	if !ok {
		return domain.Day{}, false, nil
	}
	// The ring's record is not a late hand log: the 7-day backdating
	// limit does not apply, the future still does not count.
	vnow := s.now()
	if wo.Start.Before(vnow) {
		vnow = wo.Start
	}
	amount = min(amount, t.Unit.MaxAmount())
	note := "Oura: " + strings.ReplaceAll(wo.Activity, "_", " ")
	if wo.Label != "" {
		note = "Oura: " + wo.Label
	}
	a := domain.Activity{PersonID: personID, Type: typ, Amount: amount, At: wo.Start, Note: note, Source: domain.SourceOura}
	if err := domain.ValidateActivity(a, cat, vnow); err != nil {
		// A workout Oura dated in the future or out of range is not a fact
		// we can score; the document stays stored.
		s.log.Warn().Err(err).Int64("person", personID).Str("workout", wo.ID).Msg("oura workout not logged")
		return domain.Day{}, false, nil
	}
	day := domain.DayOf(a.At, s.loc())
	a.Recorded = s.now()
	a, err := tx.ActivityInsert(ctx, a, day, "", wo.ID)
	if err != nil {
		return day, false, err
	}
	if err := s.reprice(ctx, tx, personID, day, t, ev); err != nil {
		return day, false, err
	}
	if a, err = tx.ActivityGet(ctx, personID, a.ID); err != nil {
		return day, false, err
	}
	if err := s.countActivity(ctx, tx, personID, a, +1); err != nil {
		return day, false, err
	}
	if err := s.regrow(ctx, tx, personID, day, cat); err != nil {
		return day, false, err
	}
	*ev = append(*ev, domain.Event{Kind: domain.EventActivityLogged, PersonID: personID, At: s.now(),
		Activity: &domain.ActivityLoggedData{ActivityID: a.ID, Type: a.Type, Amount: a.Amount, Unit: t.Unit, XP: a.XP}})
	return day, true, nil
}

// sleepNotInYet reports whether a person's ring is connected and day has
// no sleep score yet.
func sleepNotInYet(ctx context.Context, tx Store, personID int64, day domain.Day) (bool, error) {
	conns, err := tx.OuraConnections(ctx)
	if err != nil {
		return false, err
	}
	if !slices.ContainsFunc(conns, func(c OuraConnection) bool { return c.PersonID == personID }) {
		return false, nil
	}
	bio, err := tx.Biometrics(ctx, personID, day, day)
	if err != nil {
		return false, err
	}
	return len(bio) == 0 || bio[0].Sleep == nil, nil
}

// ouraActivity maps Oura's activity name onto the catalogue: walks by
// minutes, runs and rides by kilometres when Oura measured a distance,
// anything else a workout by minutes.
func ouraActivity(wo OuraWorkout) (typ string, amount float64) {
	minutes := wo.End.Sub(wo.Start).Minutes()
	km := 0.0
	if wo.DistanceM != nil {
		km = *wo.DistanceM / 1000
	}
	switch strings.ToLower(wo.Activity) {
	case "walking", "hiking":
		return "walk", minutes
	case "running", "trail_running", "treadmill_running":
		if km > 0 {
			return "run", km
		}
	case "cycling", "mountain_biking", "indoor_cycling":
		if km > 0 {
			return "cycling", km
		}
	case "meditation", "breathwork":
		return "meditation", minutes
	}
	return "workout", minutes
}
