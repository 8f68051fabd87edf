package app

import (
	"context"
	"math"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// afterChange re-derives what a change of a person's facts on day can
// affect: that day's score (and today's, when they differ) and achievements.
func (s *Service) afterChange(ctx context.Context, tx Store, personID int64, day domain.Day, ev *[]domain.Event) error {
	if err := s.recomputeScore(ctx, tx, personID, day, ev); err != nil {
		return err
	}
	if today := s.today(); day != today {
		if err := s.recomputeScore(ctx, tx, personID, today, ev); err != nil {
			return err
		}
	}
	return s.checkAchievements(ctx, tx, personID, ev)
}

// fitnessMinuteTypes are the activity types whose minutes count as the
// activity component when no ring reports an activity score.
func fitnessMinuteTypes(cat domain.Catalogue) []string {
	var out []string
	for _, t := range cat.Types() {
		if t.Category == domain.CategoryFitness && t.Unit == domain.UnitMinutes {
			out = append(out, t.Key)
		}
	}
	return out
}

// scoreInput gathers everything the Daily Life Score of one day reads. Each
// source is a bounded window (the day and the 30 before it), so the cost does
// not grow with history.
func (s *Service) scoreInput(ctx context.Context, tx Store, personID int64, day domain.Day) (domain.ScoreInput, error) {
	in := domain.ScoreInput{Open: day == s.today()}
	from := day.Add(-domain.BaselineDays)

	bio, err := tx.Biometrics(ctx, personID, from, day)
	if err != nil {
		return in, err
	}
	var sleepHist, readyHist []float64
	for _, b := range bio {
		if b.Day == day {
			in.Sleep = measure(b.Sleep, b.UpdatedAt)
			in.Readiness = measure(b.Readiness, b.UpdatedAt)
			continue
		}
		sleepHist = append(sleepHist, value(b.Sleep))
		readyHist = append(readyHist, value(b.Readiness))
	}
	in.Sleep.Baseline = domain.NewBaseline(sleepHist)
	in.Readiness.Baseline = domain.NewBaseline(readyHist)

	cat, err := s.catalogue(ctx, tx)
	if err != nil {
		return in, err
	}
	minutes, err := tx.ActiveMinutes(ctx, personID, from, day, fitnessMinuteTypes(cat))
	if err != nil {
		return in, err
	}
	first := day
	for d := range minutes {
		if d.Before(first) {
			first = d
		}
	}
	var actHist []float64
	for d := first; d.Before(day); d = d.Add(1) {
		actHist = append(actHist, minutes[d])
	}
	if m, ok := minutes[day]; ok || len(actHist) > 0 {
		in.Activity = domain.Measure{Present: true, Value: m, Baseline: domain.NewBaseline(actHist)}
	}

	days, err := tx.HabitDaysOfPerson(ctx, personID, day)
	if err != nil {
		return in, err
	}
	for _, r := range days {
		switch r.Result.Status {
		case domain.StatusDone:
			in.Habits.Due++
			in.Habits.Done++
		case domain.StatusMissed:
			in.Habits.Due++
			in.Habits.Lost++
		case domain.StatusPending:
			in.Habits.Due++
		}
	}

	if in.Routine, err = s.routineTally(ctx, tx, personID, day); err != nil {
		return in, err
	}
	if mood, ok, err := tx.MoodLatest(ctx, personID, day); err != nil {
		return in, err
	} else if ok {
		in.Mood = domain.Measure{Present: true, Value: float64(mood.Value), At: mood.At}
	}
	return in, nil
}

func measure(v *float64, at time.Time) domain.Measure {
	if v == nil {
		return domain.Measure{}
	}
	return domain.Measure{Present: true, Value: *v, At: at}
}

func value(v *float64) float64 {
	if v == nil {
		return math.NaN() // NewBaseline skips days without a value
	}
	return *v
}

// computeScore derives a day's score from its inputs and the household's
// weights.
func (s *Service) computeScore(ctx context.Context, tx Store, personID int64, day domain.Day) (domain.DayScore, error) {
	in, err := s.scoreInput(ctx, tx, personID, day)
	if err != nil {
		return domain.DayScore{}, err
	}
	weights, err := tx.HouseholdWeights(ctx)
	if err != nil {
		return domain.DayScore{}, err
	}
	return domain.ComputeScore(in, weights), nil
}

// recomputeScore stores the day's score and tells listeners when it moved.
func (s *Service) recomputeScore(ctx context.Context, tx Store, personID int64, day domain.Day, ev *[]domain.Event) error {
	score, err := s.computeScore(ctx, tx, personID, day)
	if err != nil {
		return err
	}
	prev, had, err := tx.ScoreGet(ctx, personID, day)
	if err != nil {
		return err
	}
	if err := tx.ScorePut(ctx, personID, StoredScore{Day: day, Score: score, Final: day.Before(s.today())}); err != nil {
		return err
	}
	if !had || prev.Score.Score != score.Score || prev.Score.HasData != score.HasData {
		*ev = append(*ev, domain.Event{Kind: domain.EventScoreChanged, PersonID: personID, At: s.now(),
			Score: &domain.ScoreChangedData{Day: day, Score: score.Score, Previous: prev.Score.Score, Max: score.Max, Explanation: score.Explanation}})
	}
	return nil
}

// Score returns a person's score for a day, computing it when it was never
// stored (a day with no facts yet).
func (s *Service) Score(ctx context.Context, personID int64, day domain.Day) (StoredScore, error) {
	sc, ok, err := s.store.ScoreGet(ctx, personID, day)
	if err != nil || ok {
		return sc, err
	}
	score, err := s.computeScore(ctx, s.store, personID, day)
	return StoredScore{Day: day, Score: score, Final: day.Before(s.today())}, err
}

// ScoreHistory lists stored scores between two days, oldest first.
func (s *Service) ScoreHistory(ctx context.Context, personRef string, from, to domain.Day) ([]StoredScore, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.ScoreHistory(ctx, p.Value.ID, from, to)
}
