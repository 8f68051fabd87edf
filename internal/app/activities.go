package app

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// catalogue is the shipped activity types plus the household's own.
func (s *Service) catalogue(ctx context.Context, tx Store) (domain.Catalogue, error) {
	custom, err := tx.ActivityTypesCustom(ctx)
	if err != nil {
		return domain.Catalogue{}, err
	}
	cat, err := domain.NewCatalogue(custom...)
	if err != nil {
		return cat, err
	}
	names, err := tx.ActivityTypeNames(ctx)
	if err != nil {
		return cat, err
	}
	return cat.WithNames(names), nil
}

// SetActivityTypeNames gives an activity type the household's own display
// name and aliases, which HA actions, voice and evidence rules resolve
// ("walking", "Spazieren"). An empty name keeps the current one; the
// aliases replace the current ones (an empty list removes them).
func (s *Service) SetActivityTypeNames(ctx context.Context, key, name string, aliases []string) (domain.ActivityType, error) {
	var out domain.ActivityType
	err := s.tx(ctx, func(tx Store, _ *[]domain.Event) error {
		cat, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		renamed, err := cat.Rename(key, name, aliases)
		if err != nil {
			return err
		}
		out, _ = renamed.Lookup(key)
		return tx.ActivityTypeNamesPut(ctx, domain.TypeNames{Key: key, Name: out.Name, Aliases: out.Aliases})
	})
	return out, err
}

// ActivityTypes lists the catalogue.
func (s *Service) ActivityTypes(ctx context.Context) ([]domain.ActivityType, error) {
	cat, err := s.catalogue(ctx, s.store)
	if err != nil {
		return nil, err
	}
	return cat.Types(), nil
}

// AddActivityType adds a household type to the catalogue.
func (s *Service) AddActivityType(ctx context.Context, t domain.ActivityType) (domain.ActivityType, error) {
	t.Custom = true
	err := s.tx(ctx, func(tx Store, _ *[]domain.Event) error {
		cat, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		if _, exists := cat.Lookup(t.Key); exists {
			return domain.Conflict("An activity type with the key %q exists already; choose another key.", t.Key)
		}
		if err := domain.ValidateActivityType(t); err != nil {
			return err
		}
		if o, taken := cat.Resolve(t.Name); taken {
			return domain.Invalid("name", t.Name, fmt.Sprintf("already names %s (%s); choose a name no other type uses", o.Name, o.Key))
		}
		if err := tx.ActivityTypeInsert(ctx, t); err != nil {
			return err
		}
		if len(t.Aliases) == 0 {
			return nil
		}
		withNew, err := domain.NewCatalogue(append(customOf(cat), t)...)
		if err != nil {
			return err
		}
		named, err := withNew.Rename(t.Key, t.Name, t.Aliases)
		if err != nil {
			return err
		}
		t, _ = named.Lookup(t.Key)
		return tx.ActivityTypeNamesPut(ctx, domain.TypeNames{Key: t.Key, Name: t.Name, Aliases: t.Aliases})
	})
	return t, err
}

// customOf is the household's own types of cat.
func customOf(cat domain.Catalogue) []domain.ActivityType {
	var out []domain.ActivityType
	for _, t := range cat.Types() {
		if t.Custom {
			out = append(out, t)
		}
	}
	return out
}

// ActivityInput is one logged activity.
type ActivityInput struct {
	Person         string
	Type           string
	Amount         float64 // in the type's unit; minutes for minute types
	At             time.Time
	Note           string
	Source         domain.Source
	IdempotencyKey string
	ExternalID     string // the source's own id (an Oura workout), for dedup
}

// ActivityResult says what logging did.
type ActivityResult struct {
	Activity domain.Activity
	Type     domain.ActivityType
	Replayed bool
	// Duplicate is set when the ring had recorded the same workout (same
	// type, within ±30 min): that activity is the answer and nothing was
	// added.
	Duplicate bool
}

// LogActivity records an activity and its effects: XP (with diminishing
// returns per type per day), stat growth, the day's score, achievements.
func (s *Service) LogActivity(ctx context.Context, in ActivityInput) (ActivityResult, error) {
	var out ActivityResult
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		var err error
		out, err = s.logActivityTx(ctx, tx, in, ev)
		return err
	})
	return out, err
}

// logActivityTx is LogActivity inside tx (evidence rules log activities in
// the transaction that records the match).
func (s *Service) logActivityTx(ctx context.Context, tx Store, in ActivityInput, ev *[]domain.Event) (ActivityResult, error) {
	var out ActivityResult
	p, err := tx.PersonGet(ctx, in.Person)
	if err != nil {
		return out, err
	}
	// Serialise a person's activity writes: the day's XP is a curve over
	// their sum, so two concurrent logs must not both read the old sum.
	if _, err := tx.ProgressGet(ctx, p.Value.ID); err != nil {
		return out, err
	}
	cat, err := s.catalogue(ctx, tx)
	if err != nil {
		return out, err
	}
	if t, ok := cat.Resolve(in.Type); ok { // "walking", "Deep work": the type's key
		in.Type = t.Key
	}
	if in.IdempotencyKey != "" {
		if prior, found, err := tx.ActivityByKey(ctx, p.Value.ID, in.IdempotencyKey); err != nil {
			return out, err
		} else if found {
			if prior.Type != in.Type || prior.Amount != in.Amount {
				return out, fmt.Errorf("idempotency key %q was used for another activity: %w", in.IdempotencyKey, domain.ErrConflict)
			}
			t, _ := cat.Lookup(prior.Type)
			out = ActivityResult{Activity: prior, Type: t, Replayed: true}
			return out, nil
		}
	}
	now := s.now()
	a := domain.Activity{PersonID: p.Value.ID, Type: in.Type, Amount: in.Amount, At: in.At, Note: in.Note, Source: in.Source}
	if a.At.IsZero() {
		a.At = now
	}
	if a.Source == "" {
		a.Source = domain.SourceAPI
	}
	if err := domain.ValidateActivity(a, cat, now); err != nil {
		return out, err
	}
	a.At = domain.NotAfter(a.At, now)
	t, _ := cat.Lookup(a.Type)
	if a.Source != domain.SourceOura {
		// Logged by hand after Oura synced the same workout: count it once.
		if ring, found, err := tx.ActivityFromRingNear(ctx, p.Value.ID, a.Type, a.At, ouraWorkoutDedup); err != nil {
			return out, err
		} else if found {
			return ActivityResult{Activity: ring, Type: t, Duplicate: true}, nil
		}
	}
	day := domain.DayOf(a.At, s.loc())
	a.Recorded = now
	a, err = tx.ActivityInsert(ctx, a, day, in.IdempotencyKey, in.ExternalID)
	if err != nil {
		return out, err
	}
	if err := s.reprice(ctx, tx, p.Value.ID, day, t, ev); err != nil {
		return out, err
	}
	if a, err = tx.ActivityGet(ctx, p.Value.ID, a.ID); err != nil {
		return out, err
	}
	if err := s.countActivity(ctx, tx, p.Value.ID, a, +1); err != nil {
		return out, err
	}
	if err := s.regrow(ctx, tx, p.Value.ID, day, cat); err != nil {
		return out, err
	}
	out = ActivityResult{Activity: a, Type: t}
	*ev = append(*ev, domain.Event{Kind: domain.EventActivityLogged, PersonID: p.Value.ID, At: now,
		Activity: &domain.ActivityLoggedData{ActivityID: a.ID, Type: a.Type, Amount: a.Amount, Unit: t.Unit, XP: a.XP}})
	return out, s.afterChange(ctx, tx, p.Value.ID, day, ev)
}

// UndoActivity removes an activity and reverses every effect it had.
func (s *Service) UndoActivity(ctx context.Context, personRef string, id int64) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		s.touched(ev, p.Value.ID, domain.ChangeUndo)
		return s.undoActivityTx(ctx, tx, p.Value.ID, id, ev)
	})
}

// undoActivityTx is UndoActivity inside tx.
func (s *Service) undoActivityTx(ctx context.Context, tx Store, personID, id int64, ev *[]domain.Event) error {
	if _, err := tx.ProgressGet(ctx, personID); err != nil {
		return err
	}
	a, err := tx.ActivityGet(ctx, personID, id)
	if err != nil {
		return err
	}
	cat, err := s.catalogue(ctx, tx)
	if err != nil {
		return err
	}
	if err := tx.ActivityDelete(ctx, a.ID); err != nil {
		return err
	}
	if _, err := s.revokeXP(ctx, tx, personID, xpActivity, sourceID(a.ID), ev); err != nil {
		return err
	}
	day := domain.DayOf(a.At, s.loc())
	if t, ok := cat.Lookup(a.Type); ok {
		if err := s.reprice(ctx, tx, personID, day, t, ev); err != nil {
			return err
		}
	}
	if err := s.countActivity(ctx, tx, personID, a, -1); err != nil {
		return err
	}
	if err := s.regrow(ctx, tx, personID, day, cat); err != nil {
		return err
	}
	return s.afterChange(ctx, tx, personID, day, ev)
}

// reprice gives each of the day's activities of one type its marginal XP in
// the order they happened. The day's total is then exactly the curve at the
// day's sum, whatever was logged or undone in between: undo restores the
// state before the activity was logged, to the point.
func (s *Service) reprice(ctx context.Context, tx Store, personID int64, day domain.Day, t domain.ActivityType, ev *[]domain.Event) error {
	mods, err := s.modifiers(ctx, tx, personID)
	if err != nil {
		return err
	}
	acts, err := tx.ActivitiesOfDay(ctx, personID, day, t.Key)
	if err != nil {
		return err
	}
	already := 0.0
	for _, a := range acts {
		// One recorded too long after its day pays nothing and does not
		// tire the day's curve for the others.
		xp := 0
		if domain.PaysXP(day, a.Recorded, s.loc()) {
			xp = domain.ActivityXP(t, already, a.Amount, mods)
			already += a.Amount
		}
		if xp == a.XP {
			// Unchanged: still make sure the ledger has it (first pricing).
			if err := s.awardXP(ctx, tx, personID, day, xpActivity, sourceID(a.ID), xp, ev); err != nil {
				return err
			}
			continue
		}
		if err := tx.ActivitySetXP(ctx, a.ID, xp); err != nil {
			return err
		}
		if err := s.setXP(ctx, tx, personID, day, xpActivity, sourceID(a.ID), xp, ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) countActivity(ctx context.Context, tx Store, personID int64, a domain.Activity, sign int) error {
	p, err := tx.ProgressGet(ctx, personID)
	if err != nil {
		return err
	}
	if p.ActivityCounts == nil {
		p.ActivityCounts = map[string]int64{}
	}
	if p.ActivityAmounts == nil {
		p.ActivityAmounts = map[string]float64{}
	}
	p.Activities += int64(sign)
	p.ActivityCounts[a.Type] += int64(sign)
	p.ActivityAmounts[a.Type] += float64(sign) * a.Amount
	if p.ActivityCounts[a.Type] <= 0 {
		delete(p.ActivityCounts, a.Type)
		delete(p.ActivityAmounts, a.Type)
	}
	return tx.ProgressPut(ctx, personID, p)
}

// regrow recomputes one day's passive stat growth and moves the running
// total by the difference.
func (s *Service) regrow(ctx context.Context, tx Store, personID int64, day domain.Day, cat domain.Catalogue) error {
	totals := character.DayTotals{Minutes: map[string]float64{}, Stats: map[string][]character.Stat{}}
	acts, err := tx.ActivitiesOfDay(ctx, personID, day, "")
	if err != nil {
		return err
	}
	for _, a := range acts {
		t, ok := cat.Lookup(a.Type)
		if !ok {
			continue
		}
		totals.Minutes[a.Type] += t.GrowthMinutes(a.Amount)
		if _, seen := totals.Stats[a.Type]; seen {
			continue
		}
		// A type grows what it advertises (built-in types' rules list the
		// same stats, at their own rates).
		stats := []character.Stat{}
		for _, st := range t.Stats {
			if cs, err := character.ParseStat(string(st)); err == nil {
				stats = append(stats, cs)
			}
		}
		totals.Stats[a.Type] = stats
	}
	// Streak milestones reached that day grow LCK.
	days, err := tx.HabitDaysOfPerson(ctx, personID, day)
	if err != nil {
		return err
	}
	for _, r := range days {
		if milestoneDay(r) {
			totals.StreakMilestones++
		}
	}
	bio, err := tx.Biometrics(ctx, personID, day, day)
	if err != nil {
		return err
	}
	if len(bio) == 1 && bio[0].Readiness != nil {
		totals.Readiness = int(*bio[0].Readiness)
	}
	next := character.DayGrowth(totals)
	prev, err := tx.GrowthDay(ctx, personID, day)
	if err != nil {
		return err
	}
	if next == prev {
		return nil
	}
	if err := tx.GrowthDayPut(ctx, personID, day, next); err != nil {
		return err
	}
	p, err := tx.ProgressGet(ctx, personID)
	if err != nil {
		return err
	}
	for i := range p.Growth {
		p.Growth[i] += next[i] - prev[i]
	}
	return tx.ProgressPut(ctx, personID, p)
}

// milestoneDay reports whether a closed habit day reached a streak
// milestone: done, with the streak after it at a milestone (a done day is
// the only one that moves the streak up, so each milestone counts once).
func milestoneDay(r HabitDay) bool {
	return r.Final && r.Result.Status == domain.StatusDone && isStreakMilestone(r.Streak.Current)
}

// Activities pages through a person's activities, newest first: pass the
// last id of a page as before to get the next one (0 for the first).
func (s *Service) Activities(ctx context.Context, personRef string, before int64, limit int) ([]domain.Activity, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.ActivityPage(ctx, p.Value.ID, before, limit)
}
