package app

import (
	"context"
	"fmt"

	"github.com/lifeops/lifeops/internal/domain"
)

// Rollover closes the household's days up to yesterday: every habit's days
// are derived and made final (streaks extended, shielded or broken), the
// closed days' scores are finalised, and biometric XP is awarded. It is
// idempotent, so the scheduler may run it late, twice, or after downtime
// across several midnights (catch-up).
func (s *Service) Rollover(ctx context.Context) error {
	people, err := s.store.PersonList(ctx)
	if err != nil {
		return err
	}
	for _, p := range people {
		if err := s.rolloverPerson(ctx, p.Value.ID); err != nil {
			return fmt.Errorf("rollover of person %d: %w", p.Value.ID, err)
		}
	}
	return nil
}

func (s *Service) rolloverPerson(ctx context.Context, personID int64) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		s.touched(ev, personID, domain.ChangeRollover)
		today := s.today()
		// The new day's timeline is generated here, not by whoever reads
		// it first.
		if _, err := s.syncTimeline(ctx, tx, personID, today); err != nil {
			return err
		}
		habits, err := tx.HabitList(ctx, personID)
		if err != nil {
			return err
		}
		// The oldest day still open anywhere is where scores need closing.
		oldestOpen := today
		for _, h := range habits {
			last, ok, err := tx.HabitDayBefore(ctx, h.Value.ID, today.Add(1))
			if err != nil {
				return err
			}
			from := h.Value.Start
			if ok {
				from = last.Day
				if last.Final {
					from = last.Day.Add(1)
				}
			}
			if from.Before(oldestOpen) {
				oldestOpen = from
			}
			if _, err := tx.HabitGet(ctx, personID, sourceID(h.Value.ID), true); err != nil {
				return err
			}
			if err := s.refoldHabit(ctx, tx, h.Value.Habit, from, ev); err != nil {
				return err
			}
		}
		// Close scores of days that were open; a long outage is bounded by
		// the baseline window, older days keep whatever they had.
		if limit := today.Add(-domain.BaselineDays); oldestOpen.Before(limit) {
			oldestOpen = limit
		}
		for d := oldestOpen; d.Before(today); d = d.Add(1) {
			sc, ok, err := tx.ScoreGet(ctx, personID, d)
			if err != nil {
				return err
			}
			if ok && sc.Final {
				continue
			}
			if err := s.recomputeScore(ctx, tx, personID, d, ev); err != nil {
				return err
			}
			if err := s.closeDay(ctx, tx, personID, d, ev); err != nil {
				return err
			}
		}
		if err := s.recomputeScore(ctx, tx, personID, today, ev); err != nil {
			return err
		}
		if err := s.checkAchievements(ctx, tx, personID, ev); err != nil {
			return err
		}
		return s.checkGoals(ctx, tx, personID, ev)
	})
}

// biometricXPOf is what a closed day's sleep and readiness earn against the
// person's baseline of the 30 days before it.
func (s *Service) biometricXPOf(ctx context.Context, tx Store, personID int64, day domain.Day) (int, error) {
	bio, err := tx.Biometrics(ctx, personID, day.Add(-domain.BaselineDays), day)
	if err != nil {
		return 0, err
	}
	var sleep, ready []float64
	var daySleep, dayReady *float64
	for _, b := range bio {
		if b.Day == day {
			// Numbers that came in (or changed) too long after their
			// night count for the score and baseline, not for XP.
			if domain.PaysXP(day, b.UpdatedAt, s.loc()) {
				daySleep, dayReady = b.Sleep, b.Readiness
			}
			continue
		}
		sleep, ready = append(sleep, value(b.Sleep)), append(ready, value(b.Readiness))
	}
	return domain.BiometricXP(daySleep, domain.NewBaseline(sleep), dayReady, domain.NewBaseline(ready)), nil
}

// closeDay awards what only a closed day can earn: biometrics at or above
// the person's baseline, and a perfect day's count.
func (s *Service) closeDay(ctx context.Context, tx Store, personID int64, day domain.Day, ev *[]domain.Event) error {
	xp, err := s.biometricXPOf(ctx, tx, personID, day)
	if err != nil {
		return err
	}
	if err := s.awardXP(ctx, tx, personID, day, xpBiometric, day.String(), xp, ev); err != nil {
		return err
	}
	days, err := tx.HabitDaysOfPerson(ctx, personID, day)
	if err != nil {
		return err
	}
	due, done := 0, 0
	for _, r := range days {
		switch r.Result.Status {
		case domain.StatusDone:
			due, done = due+1, done+1
		case domain.StatusMissed:
			due++
		}
	}
	perfect := due > 0 && due == done
	// The zero-XP ledger row marks the day as counted, so a repeated
	// rollover counts it once; a day corrected later (a backdated
	// check-in, an undo) gains or loses its mark.
	delta := int64(0)
	if perfect {
		added, _, err := tx.XPAward(ctx, personID, day, xpPerfectDay, day.String(), 0)
		if err != nil {
			return err
		}
		if added {
			delta = 1
		}
	} else {
		_, was, err := tx.XPRevoke(ctx, personID, xpPerfectDay, day.String())
		if err != nil {
			return err
		}
		if !was.IsZero() {
			delta = -1
		}
	}
	if delta == 0 {
		return nil
	}
	prog, err := tx.ProgressGet(ctx, personID)
	if err != nil {
		return err
	}
	prog.PerfectDays += delta
	return tx.ProgressPut(ctx, personID, prog)
}

// LastFinalised is the latest day the rollover has closed for everyone; the
// scheduler catches up from the day after it.
func (s *Service) LastFinalised(ctx context.Context) (domain.Day, error) {
	return s.store.ScoreLastFinal(ctx)
}
