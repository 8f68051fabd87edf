package app

import (
	"context"
	"fmt"

	"github.com/lifeops/lifeops/internal/domain"
)

// XP sources as recorded in the ledger.
const (
	xpActivity = "activity"
	// xpCheckIn is the per-check-in award of releases before the daily
	// check-in XP: such rows stay in the ledger as paid, and undoing their
	// check-in still gives them back.
	xpCheckIn = "check_in"
	// xpCheckInDay is a habit-day's check-in XP, paid once (source
	// "habit:day").
	xpCheckInDay  = "check_in_day"
	xpHabitDay    = "habit_day"
	xpRoutineItem = "routine_item"
	xpAchievement = "achievement"
	xpBiometric   = "biometric"
	xpPerfectDay  = "perfect_day" // 0 XP: marks a closed day counted as perfect
)

// awardXP records amount XP for one source (once: a retried award is a
// no-op) and emits level_up for every level it crosses. The ledger keeps
// what the source earned; the total gains what the day may still credit
// under domain.DailyXPCeiling. No XP is credited to a day after today.
//
// The person's totals are locked before the ledger is touched, so that
// what the day earned, read with the award, counts every award of a
// transaction that came first (see unit).
func (s *Service) awardXP(ctx context.Context, tx Store, personID int64, day domain.Day, kind, source string, amount int, ev *[]domain.Event) error {
	if amount <= 0 {
		return nil
	}
	if day.After(s.today()) {
		return fmt.Errorf("%s %s: XP for %s, a day after today: %w", kind, source, day, domain.ErrConflict)
	}
	if _, err := tx.ProgressGet(ctx, personID); err != nil {
		return err
	}
	added, earned, err := tx.XPAward(ctx, personID, day, kind, source, amount)
	if err != nil || !added {
		return err
	}
	return s.adjustXP(ctx, tx, personID, creditDelta(kind, earned, amount), ev)
}

// underCeiling tells whether awards of kind count toward their day's
// domain.DailyXPCeiling. Achievements stand outside it: each unlocks once,
// so it cannot be farmed, and its reward is meant to be felt in full.
func underCeiling(kind string) bool { return kind != xpAchievement }

// creditDelta is what the total gains when a source of kind adds amount to
// a day whose capped sources earned earned (negative amount: a revoke).
func creditDelta(kind string, earned, amount int) int64 {
	if !underCeiling(kind) {
		return int64(amount)
	}
	return int64(domain.CreditedXP(earned+amount) - domain.CreditedXP(earned))
}

// revokeXP removes the award of one source, if any, and returns its amount.
// The totals are locked first, as in awardXP.
func (s *Service) revokeXP(ctx context.Context, tx Store, personID int64, kind, source string, ev *[]domain.Event) (int, error) {
	if _, err := tx.ProgressGet(ctx, personID); err != nil {
		return 0, err
	}
	amount, day, err := tx.XPRevoke(ctx, personID, kind, source)
	if err != nil || amount == 0 {
		return 0, err
	}
	earned, err := tx.XPDayTotal(ctx, personID, day)
	if err != nil {
		return 0, err
	}
	return amount, s.adjustXP(ctx, tx, personID, creditDelta(kind, earned+amount, -amount), ev)
}

// replaceXP makes one source's award exactly amount (0: none), leaving an
// unchanged award alone so no level is lost and regained.
// The fold reads the awards of its days' sources beforehand (had is the
// source's award now, 0 when none).
func (s *Service) replaceXP(ctx context.Context, tx Store, personID int64, day domain.Day, kind, source string, had, amount int, ev *[]domain.Event) error {
	switch {
	case had == amount:
		return nil
	case had == 0:
		// Nothing to revoke: awardXP never records an award of 0.
		return s.awardXP(ctx, tx, personID, day, kind, source, amount, ev)
	}
	return s.setXP(ctx, tx, personID, day, kind, source, amount, ev)
}

// setXP makes one source's award exactly amount (used when a day's marginal
// activity XP is recomputed after an undo).
func (s *Service) setXP(ctx context.Context, tx Store, personID int64, day domain.Day, kind, source string, amount int, ev *[]domain.Event) error {
	if _, err := s.revokeXP(ctx, tx, personID, kind, source, ev); err != nil {
		return err
	}
	return s.awardXP(ctx, tx, personID, day, kind, source, amount, ev)
}

func (s *Service) adjustXP(ctx context.Context, tx Store, personID int64, delta int64, ev *[]domain.Event) error {
	p, err := tx.ProgressGet(ctx, personID)
	if err != nil {
		return err
	}
	before := p.TotalXP
	p.TotalXP += delta
	if p.TotalXP < 0 {
		return fmt.Errorf("person %d: XP would fall below zero (ledger and totals disagree)", personID)
	}
	if err := tx.ProgressPut(ctx, personID, p); err != nil {
		return err
	}
	for _, level := range domain.LevelsGained(before, p.TotalXP) {
		*ev = append(*ev, domain.Event{
			Kind: domain.EventLevelUp, PersonID: personID, At: s.now(),
			LevelUp: &domain.LevelUpData{Level: level, TotalXP: p.TotalXP, Points: domain.PointsForLevel(level) - domain.PointsForLevel(level-1)},
		})
	}
	return nil
}

func sourceID(id int64) string { return fmt.Sprint(id) }
