package app

import (
	"context"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
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
	mods, err := s.modifiers(ctx, tx, personID)
	if err != nil {
		return err
	}
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

// AchievementView is an achievement and, when unlocked, when.
type AchievementView struct {
	domain.Achievement
	UnlockedAt *time.Time
}

// Achievements lists every achievement with the person's unlocks.
func (s *Service) Achievements(ctx context.Context, personRef string) ([]AchievementView, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	defs, err := s.achievementDefs(ctx, s.store)
	if err != nil {
		return nil, err
	}
	unlocked, err := s.store.AchievementsUnlocked(ctx, p.Value.ID)
	if err != nil {
		return nil, err
	}
	out := make([]AchievementView, len(defs))
	for i, d := range defs {
		out[i].Achievement = d
		if at, ok := unlocked[d.Key]; ok {
			out[i].UnlockedAt = &at
		}
	}
	return out, nil
}
