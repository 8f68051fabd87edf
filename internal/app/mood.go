package app

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// MoodInput is one mood check-in.
type MoodInput struct {
	Person         string
	Value          int
	Note           string
	At             time.Time
	Source         domain.Source
	IdempotencyKey string
}

// LogMood records how someone feels (1–9).
func (s *Service) LogMood(ctx context.Context, in MoodInput) (domain.Mood, bool, error) {
	var out domain.Mood
	var replayed bool
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, in.Person)
		if err != nil {
			return err
		}
		now := s.now()
		m := domain.Mood{PersonID: p.Value.ID, Value: in.Value, Note: in.Note, At: in.At, Source: in.Source}
		if m.At.IsZero() {
			m.At = now
		}
		if m.Source == "" {
			m.Source = domain.SourceAPI
		}
		if err := domain.ValidateMood(m, now); err != nil {
			return err
		}
		m.At = domain.NotAfter(m.At, now)
		day := domain.DayOf(m.At, s.loc())
		var inserted bool
		out, inserted, err = tx.MoodInsert(ctx, m, day, in.IdempotencyKey)
		if err != nil {
			return err
		}
		if !inserted {
			if out.Value != in.Value {
				return fmt.Errorf("idempotency key %q was used for another mood: %w", in.IdempotencyKey, domain.ErrConflict)
			}
			replayed = true
			return nil
		}
		prog, err := tx.ProgressGet(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		prog.MoodLogs++
		if err := tx.ProgressPut(ctx, p.Value.ID, prog); err != nil {
			return err
		}
		s.touched(ev, p.Value.ID, domain.ChangeMood)
		return s.afterChange(ctx, tx, p.Value.ID, day, ev)
	})
	return out, replayed, err
}
