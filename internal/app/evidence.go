package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// Reading is one observed state of a household sensor, from HA or MQTT.
type Reading struct {
	Source string    // "ha", "zigbee2mqtt", "esphome"
	Sensor string    // "binary_sensor.bed" | "zigbee2mqtt/<friendly_name>/<property>" | "esphome/<node>/<component>/<object_id>"
	State  string    // the raw state as text: "on", "21.5", "ON", "true", "unavailable"
	At     time.Time // when it was observed (the source's timestamp when known)
}

// Delivery identifies the MQTT message some readings of a batch came in, so
// a store keeps each message once: MQTT's QoS 1 is "at least once", and a
// message whose readings were committed just before a crash, before its
// PUBACK left, is sent again to the next process on the same session.
//
// A broker sends a message again with the DUP flag and its original packet
// id, and may not reuse that id before it has our PUBACK (MQTT 3.1.1,
// 4.3.2 and 4.4). So a Duplicate delivery whose session (ClientID) and
// PacketID were last stored with the same Digest is the message stored
// then; a delivery without DUP is always a new message, even with a payload
// seen before (a button pressed twice).
type Delivery struct {
	ClientID  string
	PacketID  uint16
	Digest    int64 // of topic and payload (FNV-1a)
	Duplicate bool  // the DUP flag
	// First and N place the message's readings in the batch:
	// readings[First:First+N].
	First, N int
}

// EvidenceStore keeps evidence rules, the state of the sensors they read and
// their matches.
type EvidenceStore interface {
	EvidenceRuleInsert(ctx context.Context, r evidence.Rule) (evidence.Rule, error)
	// EvidenceRuleGet finds a person's rule (deleted ones are not found).
	EvidenceRuleGet(ctx context.Context, personID, id int64) (Versioned[evidence.Rule], error)
	EvidenceRuleList(ctx context.Context, personID int64) ([]Versioned[evidence.Rule], error)
	// EvidenceRuleUpdate writes r when its stored version is still version
	// and returns the new one; domain.ErrPrecondition when it changed.
	EvidenceRuleUpdate(ctx context.Context, r evidence.Rule, version int) (int, error)
	// EvidenceRuleDelete retires a rule; its matches stay.
	EvidenceRuleDelete(ctx context.Context, personID, id int64) error
	// EvidenceSensors lists the sensor keys enabled rules read, sorted.
	EvidenceSensors(ctx context.Context) ([]string, error)
	// InsightSensorKeys lists every sensor anyone links, once each.
	InsightSensorKeys(ctx context.Context) ([]string, error)
	// SensorObserve reads what evaluating sensor needs: its state (found
	// is false when nothing is known), the enabled rules that read it and
	// the days from from on that those rules already matched. lock
	// serialises everyone observing that sensor until the transaction ends
	// (also when there is no row yet). In a transaction it also makes the
	// commit lazy (CommitLazily): everything a sensor brings is.
	SensorObserve(ctx context.Context, sensor string, lock bool, from domain.Day) (SensorObservation, error)
	SensorStatePut(ctx context.Context, st SensorState) error
	// CommitLazily lets the transaction it runs in commit without waiting
	// for the disk. It is for what sensors bring (sensor states, matches
	// and the check-ins, activities and items they complete): a crash of
	// the database server, not a restart, may lose the last fraction of a
	// second of them, never a part of one. Outside a transaction it does
	// nothing.
	CommitLazily(ctx context.Context) error
	// EvidenceMatchInsert records a match unless the rule already matched
	// that day; inserted reports which.
	EvidenceMatchInsert(ctx context.Context, m EvidenceMatch) (out EvidenceMatch, inserted bool, err error)
	// EvidenceMatchAdd records m as EvidenceMatchInsert does, but the
	// insert may wait for the transaction's next statement: m is filled in
	// (its ID) once that was sent, and when the rule already matched that
	// day, that statement fails with ErrMatchTaken.
	EvidenceMatchAdd(ctx context.Context, m *EvidenceMatch) error
	// EvidenceMatchDays lists, per rule, the days from from on that the
	// rules already matched.
	EvidenceMatchDays(ctx context.Context, ruleIDs []int64, from domain.Day) (map[int64]map[domain.Day]bool, error)
	EvidenceMatchGet(ctx context.Context, personID, id int64, lock bool) (EvidenceMatch, error)
	// EvidenceMatchUpdate writes a match's targets, error and undone_at.
	EvidenceMatchUpdate(ctx context.Context, m EvidenceMatch) error
	// EvidenceMatchPage lists a person's matches (of one rule when ruleID
	// is not 0) newest first, with ids below before (0: from the newest).
	EvidenceMatchPage(ctx context.Context, personID, ruleID, before int64, limit int) ([]EvidenceMatch, error)
}

// SensorState is what is known of one sensor key: its latest state, since
// when it holds, and its recent changes.
type SensorState struct {
	Sensor     string
	Source     string
	State      string
	Since      time.Time
	ObservedAt time.Time
	History    []evidence.Reading
}

// SensorObservation is what SensorObserve reads.
type SensorObservation struct {
	State SensorState
	Found bool
	Rules []Versioned[evidence.Rule]
	// Done holds, per rule, the days it already matched.
	Done map[int64]map[domain.Day]bool
}

// EvidenceMatch is one firing of a rule: the evidence and what it did.
type EvidenceMatch struct {
	ID        int64
	RuleID    int64
	PersonID  int64
	Day       domain.Day
	WindowKey string
	Sensor    string
	StartedAt time.Time
	EndedAt   time.Time
	State     string
	Quantity  *float64
	Readings  []evidence.Reading
	Action    evidence.Action
	// What the completion made (0: nothing of that kind).
	CheckInID  int64
	ActivityID int64
	ItemID     int64
	ItemDay    domain.Day
	// Error says why the action could not be done (the match still counts
	// for its day).
	Error     string
	MatchedAt time.Time
	UndoneAt  *time.Time
}

// History kept per sensor: long enough for the longest duration inside a
// window that crosses midnight, bounded for chatty sensors.
const (
	evidenceHorizon    = 50 * time.Hour
	evidenceMaxHistory = 500
)

// Observe takes readings of household sensors. Readings of sensors no rule
// reads cost a map lookup. For the others the sensor's state is updated
// and its rules evaluated; each match completes in its own transaction,
// at most once per rule and local day, however often and from however many
// sources the same readings arrive. Invalid readings are skipped and
// reported together in the returned error.
func (s *Service) Observe(ctx context.Context, readings []Reading) error {
	if len(readings) == 0 {
		return nil
	}
	idx, err := s.evidenceSensors(ctx)
	if err != nil {
		return err
	}
	var bad domain.ValidationError
	by := map[string][]Reading{}
	for i, r := range readings {
		if !idx[r.Sensor] {
			continue
		}
		if len(r.State) > 255 || !utf8.ValidString(r.State) {
			bad.Add("readings["+strconv.Itoa(i)+"].state", nil, "must be valid text of at most 255 bytes")
			continue
		}
		by[r.Sensor] = append(by[r.Sensor], r)
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []error
	for _, k := range keys {
		if err := s.observeSensor(ctx, k, by[k]); err != nil {
			errs = append(errs, err)
		}
	}
	if err := bad.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// EvidenceTick evaluates every rule against its sensors' known states at
// now: a condition that holds long enough fires without a new reading
// (a desk occupied for two hours reports nothing new at the two-hour mark).
//
// It also works out again which sensors LifeOps reads, so a rule another
// replica changed reaches this one's feeds within a tick.
func (s *Service) EvidenceTick(ctx context.Context) error {
	if err := s.RefreshSensorInterest(ctx); err != nil {
		return fmt.Errorf("evidence tick: %w", err)
	}
	idx, err := s.evidenceSensors(ctx)
	if err != nil {
		return fmt.Errorf("evidence tick: %w", err)
	}
	keys := slices.Sorted(maps.Keys(idx))
	var errs []error
	for _, k := range keys {
		if err := s.observeSensor(ctx, k, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

type evidenceCandidate struct {
	rule  Versioned[evidence.Rule]
	match evidence.Match
}

// observeSensor brings readings into a sensor's state and does what its
// rules' new matches ask, in one transaction: a press that completes a
// habit costs one commit. When an action is refused (the habit was
// archived, the item is not on the day's timeline), that transaction is
// undone and the sensor observed again step by step (observeApart), so the
// refusal is kept with its match and everything else still happens; so is
// a press whose rule another sensor matched meanwhile.
func (s *Service) observeSensor(ctx context.Context, sensor string, readings []Reading) error {
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		cands, err := s.sensorState(ctx, tx, sensor, readings)
		if err != nil {
			return err
		}
		for _, c := range cands {
			if err := s.completeMatchTx(ctx, tx, sensor, c, ev); err != nil && !errors.Is(err, errSkip) {
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case refusal(err), errors.Is(err, ErrMatchTaken):
		return s.observeApart(ctx, sensor, readings)
	}
	return fmt.Errorf("observe %s: %w", sensor, err)
}

// observeApart is observeSensor with the sensor's state in one transaction
// and each match in its own (completeMatch), so a refused action is
// recorded and does not undo the rest.
func (s *Service) observeApart(ctx context.Context, sensor string, readings []Reading) error {
	var cands []evidenceCandidate
	err := s.inTx(ctx, func(tx Store) error {
		var err error
		cands, err = s.sensorState(ctx, tx, sensor, readings)
		return err
	})
	if err != nil {
		return fmt.Errorf("observe %s: %w", sensor, err)
	}
	var errs []error
	for _, c := range cands {
		if err := s.completeMatch(ctx, sensor, c); err != nil {
			errs = append(errs, fmt.Errorf("rule %d on %s: %w", c.rule.Value.ID, c.match.Day, err))
		}
	}
	return errors.Join(errs...)
}

// sensorState merges readings into a sensor's state, stores it when it
// changed, and returns the matches of its rules not yet taken.
func (s *Service) sensorState(ctx context.Context, tx Store, sensor string, readings []Reading) ([]evidenceCandidate, error) {
	now, loc := s.now(), s.loc()
	// The history reaches back evidenceHorizon, plus the reading in effect
	// then: the days already taken are read from the day before its start
	// (a run that began the evening before counts for that day), so they
	// are skipped instead of tried again on every reading.
	from := domain.DayOf(now.Add(-evidenceHorizon), loc).Add(-1)
	o, err := tx.SensorObserve(ctx, sensor, len(readings) > 0, from)
	if err != nil {
		return nil, err
	}
	st := o.State
	if !o.Found && len(readings) == 0 {
		return nil, nil
	}
	add := make([]evidence.Reading, 0, len(readings))
	source := st.Source
	observed := st.ObservedAt
	for _, r := range readings {
		at := r.At
		if at.IsZero() || at.After(now) {
			// A source clock ahead of ours must not make a state hold
			// from the future on.
			at = now
		}
		add = append(add, evidence.Reading{At: at.UTC(), State: r.State})
		if !at.Before(observed) {
			observed, source = at, r.Source
		}
	}
	hist, changed := evidence.Merge(st.History, add, now.Add(-evidenceHorizon), evidenceMaxHistory)
	if changed || observed.After(st.ObservedAt) {
		last := hist[len(hist)-1]
		st = SensorState{Sensor: sensor, Source: source, State: last.State, Since: last.At, ObservedAt: observed, History: hist}
		if err := tx.SensorStatePut(ctx, st); err != nil {
			return nil, err
		}
	}
	if len(o.Rules) == 0 || len(hist) == 0 {
		return nil, nil
	}
	done := o.Done
	if first := domain.DayOf(hist[0].At, loc).Add(-1); first.Before(from) {
		// A state held since before the horizon: its older days too.
		ids := make([]int64, len(o.Rules))
		for i, r := range o.Rules {
			ids[i] = r.Value.ID
		}
		if done, err = tx.EvidenceMatchDays(ctx, ids, first); err != nil {
			return nil, err
		}
	}
	var cands []evidenceCandidate
	for _, r := range o.Rules {
		for _, m := range r.Value.Evaluate(hist, now, loc) {
			if !done[r.Value.ID][m.Day] {
				cands = append(cands, evidenceCandidate{rule: r, match: m})
			}
		}
	}
	return cands, nil
}

// errSkip ends a completion without an error and before it wrote
// anything: someone else completed it, or the rule changed meanwhile.
var errSkip = errors.New("skip")

// ErrMatchTaken is the store saying a rule's day was matched meanwhile
// (EvidenceMatchAdd): another sensor of the rule took it. The transaction
// is undone, since what went with the insert may have been written.
var ErrMatchTaken = errors.New("the rule matched that day already")

// completeMatch records a match and does its action in a transaction of
// its own, after checking that the rule is still the one evaluated. An
// action the app refuses (the habit was archived, the item is not on the
// day's timeline) is recorded with its error, so the rule does not retry
// all day.
func (s *Service) completeMatch(ctx context.Context, sensor string, c evidenceCandidate) error {
	rule, m := c.rule.Value, c.match
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		cur, err := tx.EvidenceRuleGet(ctx, rule.PersonID, rule.ID)
		if errors.Is(err, domain.ErrNotFound) {
			return errSkip
		}
		if err != nil {
			return err
		}
		if cur.Version != c.rule.Version || !cur.Value.Enabled {
			return errSkip // changed meanwhile: the next reading or tick evaluates the new rule
		}
		// What a sensor did is kept as its readings are: a press shows up
		// in HA without waiting for the disk.
		if err := tx.CommitLazily(ctx); err != nil {
			return err
		}
		return s.completeMatchTx(ctx, tx, sensor, c, ev)
	})
	switch {
	case err == nil, errors.Is(err, errSkip), errors.Is(err, ErrMatchTaken):
		return nil
	case !refusal(err):
		return err
	}
	s.log.Warn().Err(err).Int64("rule_id", rule.ID).Str("sensor", sensor).Stringer("day", m.Day).
		Msg("evidence rule matched but its action was refused")
	rec := matchRecord(sensor, c)
	rec.MatchedAt, rec.Error = s.now(), err.Error()
	return s.inTx(ctx, func(tx Store) error {
		_, _, err := tx.EvidenceMatchInsert(ctx, rec)
		return err
	})
}

// matchRecord is the match c as stored, before its action.
func matchRecord(sensor string, c evidenceCandidate) EvidenceMatch {
	rule, m := c.rule.Value, c.match
	return EvidenceMatch{
		RuleID: rule.ID, PersonID: rule.PersonID, Day: m.Day, WindowKey: rule.Key(m.Day), Sensor: sensor,
		StartedAt: m.Start, EndedAt: m.End, State: m.State, Readings: m.Readings, Action: rule.Action,
	}
}

// completeMatchTx records a match and does its action in tx; an error
// wrapping ErrMatchTaken when the rule already matched that day.
func (s *Service) completeMatchTx(ctx context.Context, tx Store, sensor string, c evidenceCandidate, ev *[]domain.Event) error {
	rule, m := c.rule.Value, c.match
	qty, qerr := rule.QuantityOf(m)
	rec := matchRecord(sensor, c)
	rec.MatchedAt = s.now()
	if rule.Action.Quantity != nil && qerr == nil {
		rec.Quantity = &qty
	}
	// The match's insert goes with the action's first read; a day another
	// sensor of the rule took meanwhile fails that read (ErrMatchTaken).
	if err := tx.EvidenceMatchAdd(ctx, &rec); err != nil {
		return err
	}
	if qerr != nil {
		return qerr
	}
	if err := s.doEvidenceAction(ctx, tx, rule, m, qty, &rec, ev); err != nil {
		return err
	}
	if rec.ID == 0 { // every action reads before it is done
		return fmt.Errorf("evidence match of rule %d on %s: the insert was not sent", rule.ID, m.Day)
	}
	s.touched(ev, rule.PersonID, domain.ChangeEvidenceMatch)
	return tx.EvidenceMatchUpdate(ctx, rec)
}

// refusal reports whether err is the app saying no (bad reference, wrong
// state), as opposed to a failure worth retrying.
func refusal(err error) bool {
	var v *domain.ValidationError
	return errors.As(err, &v) || errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict) ||
		errors.Is(err, domain.ErrInvalidTransition)
}

func (s *Service) doEvidenceAction(ctx context.Context, tx Store, rule evidence.Rule, m evidence.Match, qty float64, rec *EvidenceMatch, ev *[]domain.Event) error {
	person := sourceID(rule.PersonID)
	key := fmt.Sprintf("evidence:%d:%s", rule.ID, m.Day)
	switch rule.Action.Kind {
	case evidence.ActionCheckIn:
		proof, err := json.Marshal(map[string]any{"rule_id": rule.ID, "sensor": rec.Sensor, "from": m.Start, "to": m.End, "readings": m.Readings})
		if err != nil {
			return err
		}
		res, err := s.checkInTx(ctx, tx, CheckInInput{
			Person: person, Habit: rule.Action.Habit, Quantity: qty, At: m.At, Source: domain.SourceSensor,
			Note: rule.Name, IdempotencyKey: key, Evidence: proof,
		}, noDescription, ev)
		if err != nil {
			return err
		}
		rec.CheckInID = res.CheckIn.ID
	case evidence.ActionActivity:
		res, err := s.logActivityTx(ctx, tx, ActivityInput{
			Person: person, Type: rule.Action.Activity, Amount: qty, At: m.At, Note: rule.Name,
			Source: domain.SourceSensor, IdempotencyKey: key,
		}, ev)
		if err != nil {
			return err
		}
		rec.ActivityID = res.Activity.ID
	case evidence.ActionRoutineItem:
		res, err := s.setItemStatusTx(ctx, tx, ItemStatusInput{
			Person: person, Item: rule.Action.Item, Day: m.Day, Status: routine.StatusDone, Source: domain.SourceSensor,
		}, ev)
		if err != nil {
			return err
		}
		rec.ItemID, rec.ItemDay = res.Entry.ItemID, m.Day
	default:
		return domain.Invalid("action.kind", rule.Action.Kind, "must be one of check_in, routine_item, activity")
	}
	return nil
}

// UndoMatch reverses what a match did (the check-in, the activity or the
// item's completion, with all their effects) and marks it undone; the rule
// does not fire again that day. Undoing twice changes nothing more; what
// was already undone by hand is left as it is.
func (s *Service) UndoMatch(ctx context.Context, personRef string, id int64) (EvidenceMatch, error) {
	var out EvidenceMatch
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		m, err := tx.EvidenceMatchGet(ctx, p.Value.ID, id, true)
		if err != nil {
			return err
		}
		out = m
		if m.UndoneAt != nil {
			return nil
		}
		if m.CheckInID != 0 {
			c, err := tx.CheckInGet(ctx, p.Value.ID, m.CheckInID)
			switch {
			case errors.Is(err, domain.ErrNotFound):
			case err != nil:
				return err
			default:
				if err := s.undoCheckInTx(ctx, tx, c, ev); err != nil {
					return err
				}
				if err := s.afterChange(ctx, tx, p.Value.ID, domain.DayOf(c.At, s.loc()), ev); err != nil {
					return err
				}
			}
		}
		if m.ActivityID != 0 {
			if err := s.undoActivityTx(ctx, tx, p.Value.ID, m.ActivityID, ev); err != nil && !errors.Is(err, domain.ErrNotFound) {
				return err
			}
		}
		if m.ItemID != 0 {
			_, err := s.setItemStatusTx(ctx, tx, ItemStatusInput{
				Person: sourceID(p.Value.ID), Item: sourceID(m.ItemID), Day: m.ItemDay, Status: routine.StatusPending, Source: domain.SourceSensor,
			}, ev)
			if err != nil && !errors.Is(err, domain.ErrInvalidTransition) && !errors.Is(err, domain.ErrNotFound) {
				return err
			}
		}
		now := s.now()
		m.UndoneAt = &now
		out = m
		s.touched(ev, p.Value.ID, domain.ChangeEvidenceMatch)
		return tx.EvidenceMatchUpdate(ctx, m)
	})
	return out, err
}

// Matches pages through a person's matches newest first (of one
// rule when ruleID is not 0): pass the last id seen as before.
func (s *Service) Matches(ctx context.Context, personRef string, ruleID, before int64, limit int) ([]EvidenceMatch, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	if ruleID != 0 {
		if _, err := s.store.EvidenceRuleGet(ctx, p.Value.ID, ruleID); err != nil {
			return nil, err
		}
	}
	return s.store.EvidenceMatchPage(ctx, p.Value.ID, ruleID, before, limit)
}

// RuleInput is an evidence rule as a client writes it.
type RuleInput struct {
	Name      string
	Sensors   []string
	Condition evidence.Condition
	For       time.Duration
	Window    *evidence.Window
	Action    evidence.Action
	Enabled   bool
}

func (in RuleInput) rule(personID int64) evidence.Rule {
	return evidence.Rule{
		PersonID: personID, Name: in.Name, Sensors: slices.Clone(in.Sensors), Condition: in.Condition,
		For: in.For, Window: in.Window, Action: in.Action, Enabled: in.Enabled,
	}
}

// resolveRule validates r and pins its references: the habit by id (a
// rename keeps the rule working), the activity type as known.
func (s *Service) resolveRule(ctx context.Context, tx Store, r *evidence.Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	switch r.Action.Kind {
	case evidence.ActionCheckIn:
		h, err := tx.HabitGet(ctx, r.PersonID, r.Action.Habit, false)
		if errors.Is(err, domain.ErrNotFound) || (err == nil && h.Value.Archived) {
			return domain.Invalid("action.habit", r.Action.Habit, "is not an active habit of this person")
		}
		if err != nil {
			return err
		}
		if h.Value.CountsAmounts() && r.Action.Quantity == nil {
			// A check-in without an amount is refused: the rule would never count.
			return domain.Invalid("action.quantity", nil, "is required: "+h.Value.AmountHint()+
				"; say where the amount comes from (fixed, duration_minutes or state)")
		}
		r.Action.Habit = sourceID(h.Value.ID)
	case evidence.ActionRoutineItem:
		routines, err := tx.RoutineList(ctx, r.PersonID)
		if err != nil {
			return err
		}
		if !hasRoutineItem(routines, r.Action.Item) {
			return domain.Invalid("action.item", r.Action.Item, "is not an item of this person's routines; give an item's title or id")
		}
	case evidence.ActionActivity:
		cat, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		t, ok := cat.Resolve(r.Action.Activity)
		if !ok {
			return domain.Invalid("action.activity", r.Action.Activity, "is not an activity type LifeOps knows; say one of "+cat.Names())
		}
		r.Action.Activity = t.Key
	}
	return nil
}

// CreateRule adds an evidence rule to a person.
func (s *Service) CreateRule(ctx context.Context, personRef string, in RuleInput) (Versioned[evidence.Rule], error) {
	var out Versioned[evidence.Rule]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		r := in.rule(p.Value.ID)
		if err := s.resolveRule(ctx, tx, &r); err != nil {
			return err
		}
		if err := s.checkSensorsExist(ctx, tx, r, nil); err != nil {
			return err
		}
		if r, err = tx.EvidenceRuleInsert(ctx, r); err != nil {
			return err
		}
		out = Versioned[evidence.Rule]{Value: r, Version: 1}
		s.changed(ev, p.Value.ID)
		return nil
	})
	return out, err
}

// UpdateRule replaces a rule when its version is still ifVersion (0 skips
// the check). Matches already recorded stay.
func (s *Service) UpdateRule(ctx context.Context, personRef string, id int64, in RuleInput, ifVersion int) (Versioned[evidence.Rule], error) {
	var out Versioned[evidence.Rule]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.EvidenceRuleGet(ctx, p.Value.ID, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Evidence rule %d", id), cur.Version, ifVersion)
		}
		r := in.rule(p.Value.ID)
		r.ID = id
		if err := s.resolveRule(ctx, tx, &r); err != nil {
			return err
		}
		if err := s.checkSensorsExist(ctx, tx, r, cur.Value.Sensors); err != nil {
			return err
		}
		v, err := tx.EvidenceRuleUpdate(ctx, r, cur.Version)
		if err != nil {
			return err
		}
		out = Versioned[evidence.Rule]{Value: r, Version: v}
		s.changed(ev, p.Value.ID)
		return nil
	})
	return out, err
}

// DeleteRule retires a rule; its matches stay and can still be undone.
func (s *Service) DeleteRule(ctx context.Context, personRef string, id int64) error {
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		if err := tx.EvidenceRuleDelete(ctx, p.Value.ID, id); err != nil {
			return err
		}
		s.changed(ev, p.Value.ID)
		return nil
	})
	return err
}

// Rules lists a person's evidence rules, oldest first.
func (s *Service) Rules(ctx context.Context, personRef string) ([]Versioned[evidence.Rule], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.EvidenceRuleList(ctx, p.Value.ID)
}

// Rule finds one of a person's evidence rules.
func (s *Service) Rule(ctx context.Context, personRef string, id int64) (Versioned[evidence.Rule], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return Versioned[evidence.Rule]{}, err
	}
	return s.store.EvidenceRuleGet(ctx, p.Value.ID, id)
}

// hasRoutineItem reports whether ref names an item of routines the way a
// match finds it on the timeline: by id, or by title ignoring case.
func hasRoutineItem(routines []Versioned[routine.Routine], ref string) bool {
	id, idErr := strconv.ParseInt(ref, 10, 64)
	want := strings.ToLower(strings.TrimSpace(ref))
	for _, rt := range routines {
		for _, it := range rt.Value.Items {
			if (idErr == nil && it.ID == id) || strings.ToLower(strings.TrimSpace(it.Title)) == want {
				return true
			}
		}
	}
	return false
}
