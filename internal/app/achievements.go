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
	return s.unlockAchievements(ctx, tx, personID, src, ev)
}

// unlockAchievements is checkAchievements with its sources read.
func (s *Service) unlockAchievements(ctx context.Context, tx Store, personID int64, src AchievementSources, ev *[]domain.Event) error {
	today := s.today()
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
	var own *ownFacts // read only when something unlocks
	for range 5 {     // each round can only raise the level; a few rounds settle it
		p, err := tx.ProgressGet(ctx, personID)
		if err != nil {
			return err
		}
		snap := progressSnapshot(p, today, src, mods)
		fresh := domain.Unlocked(defs, snap, already)
		if len(fresh) == 0 {
			return nil
		}
		if own == nil {
			if own, err = s.ownFacts(ctx, tx, personID, mods); err != nil {
				return err
			}
		}
		ownSnap := own.apply(snap, src)
		now := s.now()
		for _, a := range fresh {
			// Held only with imported history counted: unlocked from
			// history, once, with no XP (docs/rules.md).
			fromHistory := len(domain.Unlocked([]domain.Achievement{a}, ownSnap, nil)) == 0
			added, err := tx.AchievementUnlock(ctx, personID, a.Key, now, fromHistory)
			if err != nil {
				return err
			}
			already[a.Key] = true
			if !added {
				continue // unlocked meanwhile by someone else
			}
			xp := a.XP
			if fromHistory {
				xp = 0
			}
			*ev = append(*ev, domain.Event{Kind: domain.EventAchievementUnlocked, PersonID: personID, At: now,
				Achievement: &domain.AchievementUnlockedData{Key: a.Key, Name: a.Name, XP: xp}})
			if err := s.awardXP(ctx, tx, personID, today, xpAchievement, a.Key, xp, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// ownFacts is what achievement conditions read, derived from LifeOps' own
// facts only: imported check-ins left out.
type ownFacts struct {
	imported          map[domain.Day]bool // days with an imported check-in
	bestCurrentStreak int
	longestStreak     int
	perfectDays       int64
}

// ownFacts folds every habit's streak again without its imported
// check-ins (a day only imported history kept is not done) and counts the
// perfect days on which nothing was imported. A person with no imported
// check-in gets the stored values' equal.
func (s *Service) ownFacts(ctx context.Context, tx Store, personID int64, mods domain.Modifiers) (*ownFacts, error) {
	today, loc, now := s.today(), s.loc(), s.now()
	out := &ownFacts{imported: map[domain.Day]bool{}}
	active, err := tx.HabitList(ctx, personID)
	if err != nil {
		return nil, err
	}
	// The rest in one round trip, however many habits the person has.
	hist, err := tx.OwnHistory(ctx, personID, today.Add(1), today)
	if err != nil {
		return nil, err
	}
	for _, h := range append(active, hist.Archived...) {
		end := today
		if h.Value.Archived {
			last, ok := hist.LastDay[h.Value.ID]
			if !ok {
				continue
			}
			end = last
		}
		if end.Before(h.Value.Start) {
			continue
		}
		var mine []domain.CheckIn
		for _, c := range hist.CheckIns[h.Value.ID] {
			switch {
			case c.Day.Before(h.Value.Start) || c.Day.After(end):
			case c.Source == domain.SourceImport:
				out.imported[domain.DayOf(c.At, loc)] = true
			default:
				mine = append(mine, c.CheckIn)
			}
		}
		var streak domain.StreakState
		for _, r := range domain.EvaluateRangeAt(h.Value.Habit, h.Value.Start, end, mine, loc, now) {
			if r.Day.Before(today) {
				streak = streak.Advance(r, mods)
				continue
			}
			v := streak.View(r, mods)
			out.bestCurrentStreak = max(out.bestCurrentStreak, v.Current)
			out.longestStreak = max(out.longestStreak, v.Best)
		}
		out.longestStreak = max(out.longestStreak, streak.Best)
	}
	out.longestStreak = max(out.longestStreak, out.bestCurrentStreak)
	for _, e := range hist.Ledger {
		if e.Kind == xpPerfectDay && !out.imported[e.Day] {
			out.perfectDays++
		}
	}
	return out, nil
}

// apply is snap with what imported history added taken out: streaks and
// perfect days from own facts, and a recent day with an imported check-in
// counted as a score of 0. Counts of check-ins, activities and moods, XP
// and level never include imports.
func (o *ownFacts) apply(snap domain.Progress, src AchievementSources) domain.Progress {
	if len(o.imported) == 0 {
		return snap
	}
	snap.BestCurrentStreak = o.bestCurrentStreak
	snap.LongestStreak = o.longestStreak
	snap.PerfectDays = o.perfectDays
	snap.RecentScores = nil
	for _, sc := range src.Scores {
		switch {
		case o.imported[sc.Day] || !sc.Score.HasData:
			snap.RecentScores = append(snap.RecentScores, 0)
		default:
			snap.RecentScores = append(snap.RecentScores, float64(sc.Score.Score))
		}
	}
	return snap
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
	// Progress is the person's value of the condition's metric now, read
	// from the same snapshot that unlocks achievements (running totals,
	// today's streaks, the recent days' scores), at most the condition's
	// AtLeast. It is computed on every read, never stored.
	Progress float64
	// Unit is what Progress counts, for people: "days", "check-ins", the
	// activity's unit, or "" for a level.
	Unit string
	// FromHistory is set on one unlocked only by imported history: it paid
	// no XP.
	FromHistory bool
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
	history, err := s.store.AchievementsFromHistory(ctx, personID)
	if err != nil {
		return nil, err
	}
	mods, err := s.modifiers(ctx, s.store, personID)
	if err != nil {
		return nil, err
	}
	snap := progressSnapshot(prog, today, src, mods)
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
			v.FromHistory = history[d.Key]
		}
		out[i] = v
	}
	return out, nil
}
