package app

import (
	"context"
	"fmt"

	"github.com/lifeops/lifeops/internal/domain"
)

// XP sources as recorded in the ledger.
const (
	xpActivity    = "activity"
	xpCheckIn     = "check_in"
	xpHabitDay    = "habit_day"
	xpRoutineItem = "routine_item"
	xpAchievement = "achievement"
	xpBiometric   = "biometric"
	xpPerfectDay  = "perfect_day" // 0 XP: marks a closed day counted as perfect
)

// awardXP records amount XP for one source (once: a retried award is a
// no-op) and emits level_up for every level it crosses.
func (s *Service) awardXP(ctx context.Context, tx Store, personID int64, day domain.Day, kind, source string, amount int, ev *[]domain.Event) error {
	if amount <= 0 {
		return nil
	}
	added, err := tx.XPAward(ctx, personID, day, kind, source, amount)
	if err != nil || !added {
		return err
	}
	return s.adjustXP(ctx, tx, personID, int64(amount), ev)
}

// revokeXP removes the award of one source, if any.
func (s *Service) revokeXP(ctx context.Context, tx Store, personID int64, kind, source string, ev *[]domain.Event) error {
	amount, err := tx.XPRevoke(ctx, personID, kind, source)
	if err != nil || amount == 0 {
		return err
	}
	return s.adjustXP(ctx, tx, personID, -int64(amount), ev)
}

// setXP makes one source's award exactly amount (used when a day's marginal
// activity XP is recomputed after an undo).
func (s *Service) setXP(ctx context.Context, tx Store, personID int64, day domain.Day, kind, source string, amount int, ev *[]domain.Event) error {
	if err := s.revokeXP(ctx, tx, personID, kind, source, ev); err != nil {
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
