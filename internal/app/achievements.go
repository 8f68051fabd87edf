package app

import (
	"context"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// recentScoreDays is how far back "N days in a row" achievements look.
const recentScoreDays = 30

// checkAchievements unlocks (once, timestamped) every achievement whose
// condition the person's progress now meets, and awards its XP. Awarding XP
// can raise the level, which can unlock more, so it repeats until stable;
// only the running totals change between rounds.
func (s *Service) checkAchievements(ctx context.Context, tx Store, personID int64, ev *[]domain.Event) error {
	today := s.today()
	src, err := tx.AchievementSources(ctx, personID, today, today.Add(-recentScoreDays), today.Add(-1))
	if err != nil {
		return err
	}
	defs, err := s.mergeAchievements(ctx, tx, src.Custom)
	if err != nil {
		return err
	}
	already := make(map[string]bool, len(src.Unlocked))
	for k := range src.Unlocked {
		already[k] = true
	}
	mods := character.Modifiers(s.tree, nodeIDs(src.Allocations))
	for range 5 { // each round can only raise the level; a few rounds settle it
		p, err := tx.ProgressGet(ctx, personID)
		if err != nil {
			return err
		}
		fresh := domain.Unlocked(defs, progressSnapshot(p, today, src, mods), already)
		if len(fresh) == 0 {
			return nil
		}
		now := s.now()
		for _, a := range fresh {
			added, err := tx.AchievementUnlock(ctx, personID, a.Key, now)
			if err != nil {
				return err
			}
			already[a.Key] = true
			if !added {
				continue // unlocked meanwhile by someone else
			}
			*ev = append(*ev, domain.Event{Kind: domain.EventAchievementUnlocked, PersonID: personID, At: now,
				Achievement: &domain.AchievementUnlockedData{Key: a.Key, Name: a.Name, XP: a.XP}})
			if err := s.awardXP(ctx, tx, personID, today, xpAchievement, a.Key, a.XP, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) achievementDefs(ctx context.Context, tx Store) ([]domain.Achievement, error) {
	custom, err := tx.AchievementsCustom(ctx)
	if err != nil {
		return nil, err
	}
	return s.mergeAchievements(ctx, tx, custom)
}

// mergeAchievements is the built-in achievements with the household's own.
func (s *Service) mergeAchievements(ctx context.Context, tx Store, custom []domain.Achievement) ([]domain.Achievement, error) {
	if len(custom) == 0 {
		return s.achievements, nil
	}
	cat, err := s.catalogue(ctx, tx)
	if err != nil {
		return nil, err
	}
	return domain.MergeAchievements(s.achievements, custom, cat)
}

// progressSnapshot is what achievement conditions read, from running totals
// and bounded windows only.
func progressSnapshot(p Progress, today domain.Day, src AchievementSources, mods domain.Modifiers) domain.Progress {
	level, _, _ := domain.LevelForTotal(p.TotalXP)
	out := domain.Progress{
		TotalCheckIns: p.CheckIns, TotalActivities: p.Activities, ActivityCounts: p.ActivityCounts,
		ActivityAmounts: p.ActivityAmounts, LongestStreak: p.LongestStreak, Level: level, TotalXP: p.TotalXP,
		PerfectDays: p.PerfectDays, MoodLogs: p.MoodLogs,
	}
	for _, r := range src.HabitDays {
		out.BestCurrentStreak = max(out.BestCurrentStreak, streakView(r, today, mods).Current)
	}
	out.LongestStreak = max(out.LongestStreak, out.BestCurrentStreak)
	for _, sc := range src.Scores {
		if sc.Score.HasData {
			out.RecentScores = append(out.RecentScores, float64(sc.Score.Score))
		} else {
			out.RecentScores = append(out.RecentScores, 0)
		}
	}
	return out
}

// AchievementView is an achievement, when unlocked, and how far the person
// is toward it.
type AchievementView struct {
	domain.Achievement
	UnlockedAt *time.Time
	// Progress is the person's value of the condition's metric now, read
	// from the same snapshot that unlocks achievements (running totals,
	// today's streaks, the recent days' scores), at most the condition's
	// AtLeast. It is computed on every read, never stored.
	Progress float64
	// Unit is what Progress counts, for people: "days", "check-ins", the
	// activity's unit, or "" for a level.
	Unit string
}

// Fraction is how much of the condition is met, 0 to 1.
func (v AchievementView) Fraction() float64 {
	if v.UnlockedAt != nil || v.Condition.AtLeast <= 0 {
		return 1
	}
	return min(1, max(0, v.Progress/v.Condition.AtLeast))
}

// metricUnits are what each metric counts, for people.
var metricUnits = map[domain.Metric]string{
	domain.MetricTotalCheckIns: "check-ins", domain.MetricTotalActivities: "activities", domain.MetricActivityCount: "times",
	domain.MetricBestCurrentStreak: "days", domain.MetricLongestStreak: "days", domain.MetricLevel: "",
	domain.MetricTotalXP: "XP", domain.MetricScoreDaysInRow: "days", domain.MetricFullRoutineWeeks: "weeks",
	domain.MetricPerfectDays: "days", domain.MetricMoodLogs: "mood logs",
}

// Achievements lists every achievement with the person's unlocks and their
// progress toward each.
func (s *Service) Achievements(ctx context.Context, personRef string) ([]AchievementView, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	personID := p.Value.ID
	today := s.today()
	src, err := s.store.AchievementSources(ctx, personID, today, today.Add(-recentScoreDays), today.Add(-1))
	if err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx, s.store)
	if err != nil {
		return nil, err
	}
	defs := s.achievements
	if len(src.Custom) > 0 {
		if defs, err = domain.MergeAchievements(s.achievements, src.Custom, cat); err != nil {
			return nil, err
		}
	}
	prog, err := s.store.ProgressGet(ctx, personID)
	if err != nil {
		return nil, err
	}
	snap := progressSnapshot(prog, today, src, character.Modifiers(s.tree, nodeIDs(src.Allocations)))
	out := make([]AchievementView, len(defs))
	for i, d := range defs {
		v := AchievementView{Achievement: d, Progress: min(snap.Value(d.Condition), d.Condition.AtLeast), Unit: metricUnits[d.Condition.Metric]}
		if d.Condition.Metric == domain.MetricActivityAmount {
			if t, ok := cat.Lookup(d.Condition.Activity); ok {
				v.Unit = string(t.Unit)
			}
		}
		if at, ok := src.Unlocked[d.Key]; ok {
			v.UnlockedAt = &at
			v.Progress = d.Condition.AtLeast
		}
		out[i] = v
	}
	return out, nil
}
