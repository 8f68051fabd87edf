package app

import (
	"context"
	"math"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// afterChange re-derives what a change of a person's facts on day can
// affect: the scores of that day and of the days after it up to today (a
// day's score reads the days before it as its baseline, and a week's quota
// judges its other days), what closing those days earned, and achievements.
func (s *Service) afterChange(ctx context.Context, tx Store, personID int64, day domain.Day, ev *[]domain.Event) error {
	today := s.today()
	if day.After(today) {
		day = today
	}
	if day == today {
		// The common change, of today: what re-deriving it reads (the
		// score's sources and the score it replaces, the achievements' and
		// the goals') comes in one round trip.
		cs, err := tx.ChangeSources(ctx, personID, ChangeQuery{Day: today, ScoreFrom: today.Add(-domain.BaselineDays),
			ScoresFrom: today.Add(-recentScoreDays), ScoresTo: today.Add(-1)})
		if err != nil {
			return err
		}
		if err := s.putScore(ctx, tx, personID, today, cs.Score, &cs.Stored, ev); err != nil {
			return err
		}
		if err := s.unlockAchievements(ctx, tx, personID, cs.Achievements, ev); err != nil {
			return err
		}
		return s.goalsReached(ctx, tx, cs.Goals, ev)
	}
	// Every day from the changed one on: a quota period (a week, a month,
	// a block of N days) judges its days together, and a score's baseline
	// reads the 30 days before it. A correction far back costs a few
	// statements per day since; an ordinary check-in of today, one day.
	for d := day; !d.After(today); d = d.Add(1) {
		if err := s.recomputeScore(ctx, tx, personID, d, ev); err != nil {
			return err
		}
		// A past day is closed (recomputeScore has just stored it final):
		// what closing it earns follows the correction, as the rollover
		// would have awarded it.
		if d.Before(today) {
			if err := s.closeDay(ctx, tx, personID, d, ev); err != nil {
				return err
			}
		}
	}
	if err := s.checkAchievements(ctx, tx, personID, ev); err != nil {
		return err
	}
	return s.checkGoals(ctx, tx, personID, ev)
}

// activeMinutes turns each day's per-type amounts into active minutes.
func activeMinutes(cat domain.Catalogue, amounts map[domain.Day]map[string]float64) map[domain.Day]float64 {
	out := make(map[domain.Day]float64, len(amounts))
	for d, byType := range amounts {
		for key, amount := range byType {
			if t, ok := cat.Lookup(key); ok {
				if m, ok := t.ActiveMinutes(amount); ok {
					out[d] += m
				}
			}
		}
	}
	return out
}

// scoreInput turns what a day's score reads into the score's input. Each
// source is a bounded window (the day and the 30 before it), so the cost does
// not grow with history.
func (s *Service) scoreInput(src ScoreSources, day domain.Day) (domain.ScoreInput, error) {
	in := domain.ScoreInput{Open: day == s.today()}

	var sleepHist, readyHist, activityHist []float64
	for _, b := range src.Biometrics {
		if b.Day == day {
			in.Sleep = measure(b.Sleep, b.UpdatedAt)
			in.Readiness = measure(b.Readiness, b.UpdatedAt)
			in.ActivityScore = measure(b.Activity, b.UpdatedAt)
			continue
		}
		sleepHist = append(sleepHist, value(b.Sleep))
		readyHist = append(readyHist, value(b.Readiness))
		activityHist = append(activityHist, value(b.Activity))
	}
	in.Sleep.Baseline = domain.NewBaseline(sleepHist)
	in.Readiness.Baseline = domain.NewBaseline(readyHist)
	in.ActivityScore.Baseline = domain.NewBaseline(activityHist)

	cat, err := domain.NewCatalogue(src.CustomTypes...)
	if err != nil {
		return in, err
	}
	// Only fitness types turn into active minutes; the others are left out.
	minutes := activeMinutes(cat, src.Amounts)
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

	for _, r := range src.HabitDays {
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

	in.Routine = s.tally(src.Timeline, day)
	if src.Mood != nil {
		in.Mood = domain.Measure{Present: true, Value: float64(src.Mood.Value), At: src.Mood.At}
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
	src, err := tx.ScoreSources(ctx, personID, day.Add(-domain.BaselineDays), day)
	if err != nil {
		return domain.DayScore{}, err
	}
	return s.scoreOf(src, day)
}

// scoreOf is the day's score computed from its sources.
func (s *Service) scoreOf(src ScoreSources, day domain.Day) (domain.DayScore, error) {
	in, err := s.scoreInput(src, day)
	if err != nil {
		return domain.DayScore{}, err
	}
	return domain.ComputeScore(in, src.Weights), nil
}

// recomputeScore stores the day's score and tells listeners when it moved.
func (s *Service) recomputeScore(ctx context.Context, tx Store, personID int64, day domain.Day, ev *[]domain.Event) error {
	src, err := tx.ScoreSources(ctx, personID, day.Add(-domain.BaselineDays), day)
	if err != nil {
		return err
	}
	return s.putScore(ctx, tx, personID, day, src, nil, ev)
}

// putScore stores the day's score computed from src and tells listeners
// when it moved. prior is the score it replaces when the caller read it
// with src; nil asks the store for it as it writes.
func (s *Service) putScore(ctx context.Context, tx Store, personID int64, day domain.Day, src ScoreSources, prior *PriorScore, ev *[]domain.Event) error {
	score, err := s.scoreOf(src, day)
	if err != nil {
		return err
	}
	sc := StoredScore{Day: day, Score: score, Final: day.Before(s.today())}
	var prev StoredScore
	var had bool
	if prior != nil {
		prev, had = prior.Score, prior.Had
		err = tx.ScoreSet(ctx, personID, sc)
	} else {
		prev, had, err = tx.ScorePut(ctx, personID, sc)
	}
	if err != nil {
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

// ScoreHistory lists every day between two days, oldest first: its stored
// score, or for a day nothing was recorded on (a simply missed day) a score
// without data (HasData false), so a chart shows the gap.
func (s *Service) ScoreHistory(ctx context.Context, personRef string, from, to domain.Day) ([]StoredScore, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	stored, err := s.store.ScoreHistory(ctx, p.Value.ID, from, to)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := make([]StoredScore, 0, to.Sub(from)+1)
	i := 0
	for d := from; !d.After(to); d = d.Add(1) {
		if i < len(stored) && stored[i].Day == d {
			out = append(out, stored[i])
			i++
			continue
		}
		out = append(out, StoredScore{Day: d, Final: d.Before(today),
			Score: domain.DayScore{Explanation: "Nothing was recorded on this day."}})
	}
	return out, nil
}

// ScoreWeights are the household's score weights (defaults for components
// never set).
func (s *Service) ScoreWeights(ctx context.Context) (domain.ScoreWeights, error) {
	return s.store.HouseholdWeights(ctx)
}

// SetScoreWeights stores new weights and recomputes everyone's score of
// today, which is not final yet; closed days keep the weights they closed
// with.
func (s *Service) SetScoreWeights(ctx context.Context, w domain.ScoreWeights) (domain.ScoreWeights, error) {
	if err := domain.ValidateScoreWeights(w); err != nil {
		return w, err
	}
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		if err := tx.HouseholdWeightsPut(ctx, w); err != nil {
			return err
		}
		s.touched(ev, 0, domain.ChangeScoreWeights)
		people, err := tx.PersonList(ctx)
		if err != nil {
			return err
		}
		for _, p := range people {
			if err := s.recomputeScore(ctx, tx, p.Value.ID, s.today(), ev); err != nil {
				return err
			}
		}
		return nil
	})
	return w, err
}
