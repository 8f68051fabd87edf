package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// AuditStore reads what Verify needs beyond the use cases' own reads.
type AuditStore interface {
	// AuditSnapshot makes the transaction it runs in see one snapshot of
	// the database; it must be the transaction's first statement.
	AuditSnapshot(ctx context.Context) error
	// XPLedger lists a person's XP awards.
	XPLedger(ctx context.Context, personID int64) ([]XPEntry, error)
	// FactCounts counts a person's facts as Progress's counters count them
	// (check-ins, activities and their per-type counts and amounts, moods).
	FactCounts(ctx context.Context, personID int64) (Progress, error)
	// ActivityDays lists the (day, type) pairs a person logged activities on.
	ActivityDays(ctx context.Context, personID int64) ([]ActivityDay, error)
	// GrowthDays returns a person's stored growth per day and the days with
	// biometrics.
	GrowthDays(ctx context.Context, personID int64) (map[domain.Day]character.StatValues, []domain.Day, error)
}

// XPEntry is one row of the XP ledger.
type XPEntry struct {
	Day    domain.Day
	Kind   string
	Source string
	Amount int
}

// ActivityDay is a day on which a person logged activities of one type.
type ActivityDay struct {
	Day  domain.Day
	Type string
}

// Difference is one derived value that does not match its recomputation.
type Difference struct {
	Person     string `json:"person"`
	What       string `json:"what"`
	Stored     string `json:"stored"`
	Recomputed string `json:"recomputed"`
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: %s: stored %s, recomputed %s", d.Person, d.What, d.Stored, d.Recomputed)
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	People      int          `json:"people"`
	Checked     int          `json:"checked"` // derived values compared
	Differences []Difference `json:"differences"`
}

// errVerified ends Verify's transaction with a rollback: the recomputation
// writes through the same code the use cases use, and none of it may stay.
var errVerified = errors.New("verified")

// Verify recomputes everything derived from the stored facts (habit days
// with their streaks and strength, activity XP, the XP ledger and totals,
// levels and stat points, passive stat growth, counters, closed days'
// scores) and reports where the stored values differ. It runs the write
// path's own recomputation (refoldHabit, reprice, regrow, computeScore)
// inside one snapshot transaction, compares before and after, and rolls
// everything back: there is no second implementation of the rules to drift.
//
// Values that depend on when they were written rather than on the facts
// (today's open habit row and score, which move with the clock) are not
// compared.
func (s *Service) Verify(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	err := s.inTx(ctx, func(tx Store) error {
		rep = VerifyReport{}
		if err := tx.AuditSnapshot(ctx); err != nil {
			return err
		}
		people, err := tx.PersonList(ctx)
		if err != nil {
			return err
		}
		rep.People = len(people)
		for _, p := range people {
			if err := s.verifyPerson(ctx, tx, p.Value, &rep); err != nil {
				return fmt.Errorf("verify person %s: %w", p.Value.Slug, err)
			}
		}
		return errVerified
	})
	if errors.Is(err, errVerified) {
		err = nil
	}
	return rep, err
}

// verifier collects one person's comparisons.
type verifier struct {
	rep    *VerifyReport
	person string
}

func (v *verifier) check(what, stored, recomputed string) {
	v.rep.Checked++
	if stored != recomputed {
		v.rep.Differences = append(v.rep.Differences, Difference{Person: v.person, What: what, Stored: stored, Recomputed: recomputed})
	}
}

func (v *verifier) checkFloat(what string, stored, recomputed float64) {
	if math.Abs(stored-recomputed) <= 1e-6*math.Max(1, math.Abs(recomputed)) {
		recomputed = stored
	}
	v.check(what, fmt.Sprint(stored), fmt.Sprint(recomputed))
}

func habitDayString(r HabitDay) string {
	return fmt.Sprintf("%s value=%g completion=%.6f streak=%d best=%d shields=%d/%d since=%d strength=%.6f",
		r.Result.Status, r.Result.Value, r.Result.Completion, r.Streak.Current, r.Streak.Best,
		r.Streak.Earned, r.Streak.Spent, r.Streak.SinceShield, r.Strength.Score)
}

func (s *Service) verifyPerson(ctx context.Context, tx Store, p domain.Person, rep *VerifyReport) error {
	v := &verifier{rep: rep, person: p.Slug}
	today := s.today()
	var discard []domain.Event

	stored, err := tx.ProgressGet(ctx, p.ID)
	if err != nil {
		return err
	}
	ledger, err := tx.XPLedger(ctx, p.ID)
	if err != nil {
		return err
	}
	facts, err := tx.FactCounts(ctx, p.ID)
	if err != nil {
		return err
	}

	// Counters.
	v.check("check-ins counted", fmt.Sprint(stored.CheckIns), fmt.Sprint(facts.CheckIns))
	v.check("activities counted", fmt.Sprint(stored.Activities), fmt.Sprint(facts.Activities))
	v.check("moods counted", fmt.Sprint(stored.MoodLogs), fmt.Sprint(facts.MoodLogs))
	types := map[string]bool{}
	for k := range stored.ActivityCounts {
		types[k] = true
	}
	for k := range facts.ActivityCounts {
		types[k] = true
	}
	for _, k := range sortedKeys(types) {
		v.check("activities of type "+k, fmt.Sprint(stored.ActivityCounts[k]), fmt.Sprint(facts.ActivityCounts[k]))
		v.checkFloat("amount of type "+k, stored.ActivityAmounts[k], facts.ActivityAmounts[k])
	}

	// XP: the totals are the ledger's sum; level and stat points follow.
	// Each day credits what its awards earned, up to the daily ceiling.
	var ledgerXP int64
	perfect := int64(0)
	earned := map[domain.Day]int{}
	for _, e := range ledger {
		if underCeiling(e.Kind) {
			earned[e.Day] += e.Amount
		} else {
			ledgerXP += int64(e.Amount)
		}
		if e.Kind == xpPerfectDay {
			perfect++
		}
	}
	for _, xp := range earned {
		ledgerXP += int64(domain.CreditedXP(xp))
	}
	v.check("total XP", fmt.Sprint(stored.TotalXP), fmt.Sprint(ledgerXP))
	v.check("perfect days", fmt.Sprint(stored.PerfectDays), fmt.Sprint(perfect))
	storedLevel, _, _ := domain.LevelForTotal(stored.TotalXP)
	level, _, _ := domain.LevelForTotal(ledgerXP)
	v.check("level", fmt.Sprint(storedLevel), fmt.Sprint(level))
	nodes, err := tx.Allocations(ctx, p.ID)
	if err != nil {
		return err
	}
	spent := character.AllocatedCount(s.tree, nodeIDs(nodes))
	unspent := character.Unspent(level, spent)
	v.check("stat points spent within the level's points", fmt.Sprint(spent), fmt.Sprint(spent-min(0, unspent)))

	// Habit days, streaks, strength and their XP: fold every active habit
	// again from its start.
	habits, err := tx.HabitList(ctx, p.ID)
	if err != nil {
		return err
	}
	longest := 0
	active := map[string]bool{} // habit ids whose day awards were derived again
	growthDays := map[domain.Day]bool{}
	for _, h := range habits {
		before, err := tx.HabitDays(ctx, h.Value.ID, h.Value.Start, today)
		if err != nil {
			return err
		}
		if err := s.refoldHabit(ctx, tx, h.Value.Habit, h.Value.Start, &discard); err != nil {
			return err
		}
		after, err := tx.HabitDays(ctx, h.Value.ID, h.Value.Start, today)
		if err != nil {
			return err
		}
		had := map[domain.Day]HabitDay{}
		for _, r := range before {
			had[r.Day] = r
		}
		for _, r := range after {
			longest = max(longest, r.Streak.Best)
			if milestoneDay(r) {
				growthDays[r.Day] = true // LCK
			}
			if !r.Final {
				continue
			}
			what := fmt.Sprintf("habit %s day %s", h.Value.Slug, r.Day)
			if o, ok := had[r.Day]; ok {
				v.check(what, habitDayString(o), habitDayString(r))
			} else {
				v.check(what, "missing", habitDayString(r))
			}
		}
		active[sourceID(h.Value.ID)] = true
	}
	if stored.LongestStreak < longest {
		v.check("longest streak", fmt.Sprint(stored.LongestStreak), fmt.Sprint(longest))
	}

	// Activity XP, priced again day by day in the order they happened.
	cat, err := s.catalogue(ctx, tx)
	if err != nil {
		return err
	}
	days, err := tx.ActivityDays(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, d := range days {
		growthDays[d.Day] = true
		t, ok := cat.Lookup(d.Type)
		if !ok {
			continue
		}
		before, err := tx.ActivitiesOfDay(ctx, p.ID, d.Day, d.Type)
		if err != nil {
			return err
		}
		if err := s.reprice(ctx, tx, p.ID, d.Day, t, &discard); err != nil {
			return err
		}
		after, err := tx.ActivitiesOfDay(ctx, p.ID, d.Day, d.Type)
		if err != nil {
			return err
		}
		xp := map[int64]int{}
		for _, a := range after {
			xp[a.ID] = a.XP
		}
		for _, a := range before {
			v.check(fmt.Sprintf("XP of activity %d (%s on %s)", a.ID, a.Type, d.Day), fmt.Sprint(a.XP), fmt.Sprint(xp[a.ID]))
		}
	}

	// Closed days: their scores (from the refolded habit days) and what
	// closing them awarded (biometric XP, the perfect-day mark), awarded
	// again from scratch.
	scores, err := tx.ScoreHistory(ctx, p.ID, domain.NewDay(1970, time.January, 1), today.Add(-1))
	if err != nil {
		return err
	}
	for _, sc := range scores {
		if !sc.Final {
			continue
		}
		got, err := s.computeScore(ctx, tx, p.ID, sc.Day)
		if err != nil {
			return err
		}
		v.check(fmt.Sprintf("score of %s", sc.Day), scoreString(sc.Score), scoreString(got))
		for _, kind := range []string{xpBiometric, xpPerfectDay} {
			if _, _, err := tx.XPRevoke(ctx, p.ID, kind, sc.Day.String()); err != nil {
				return err
			}
		}
		if err := s.closeDay(ctx, tx, p.ID, sc.Day, &discard); err != nil {
			return err
		}
	}

	// The ledger after the refolds holds exactly the awards the facts earn;
	// compare it with the stored one, award by award.
	recomputed, err := tx.XPLedger(ctx, p.ID)
	if err != nil {
		return err
	}
	want := map[string]int{}
	for _, e := range recomputed {
		if recomputedKinds[e.Kind] {
			want[e.Kind+" "+e.Source] = e.Amount
		}
	}
	// Every unlocked achievement carries its definition's XP, unless it was
	// unlocked from history.
	defs, err := s.achievementDefs(ctx, tx)
	if err != nil {
		return err
	}
	unlocked, err := tx.AchievementsUnlocked(ctx, p.ID)
	if err != nil {
		return err
	}
	// One unlocked from history (only imported facts made it hold) paid
	// nothing.
	history, err := tx.AchievementsFromHistory(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, a := range defs {
		if _, ok := unlocked[a.Key]; ok && a.XP > 0 && !history[a.Key] {
			want[xpAchievement+" "+a.Key] = a.XP
		}
	}
	have := map[string]int{}
	for _, e := range ledger {
		if recomputedKinds[e.Kind] || e.Kind == xpAchievement {
			have[e.Kind+" "+e.Source] = e.Amount
		}
		// An archived habit's days are history: its awards stand as paid.
		if habit, _, ok := strings.Cut(e.Source, ":"); ok && (e.Kind == xpCheckInDay || e.Kind == xpHabitDay) && !active[habit] {
			want[e.Kind+" "+e.Source] = e.Amount
		}
	}
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range have {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		v.check("XP award "+k, amountString(have, k), amountString(want, k))
	}

	if err := s.verifyGoals(ctx, tx, p.ID, ledger, v); err != nil {
		return err
	}

	// Passive stat growth, day by day and in total.
	storedGrowth, bioDays, err := tx.GrowthDays(ctx, p.ID)
	if err != nil {
		return err
	}
	for d := range storedGrowth {
		growthDays[d] = true
	}
	for _, d := range bioDays {
		growthDays[d] = true
	}
	var total character.StatValues
	for _, d := range sortedDays(growthDays) {
		if err := s.regrow(ctx, tx, p.ID, d, cat); err != nil {
			return err
		}
		g, err := tx.GrowthDay(ctx, p.ID, d)
		if err != nil {
			return err
		}
		old := storedGrowth[d]
		for i := range g {
			total[i] += g[i]
			v.checkFloat(fmt.Sprintf("stat growth %d on %s", i, d), old[i], g[i])
		}
	}
	for i := range total {
		v.checkFloat(fmt.Sprintf("stat growth %d in total", i), stored.Growth[i], total[i])
	}

	return nil
}

// recomputedKinds are the ledger's kinds Verify awards again through the
// write path; achievements it derives directly; routine items (priced by
// when they were done) and per-check-in awards of earlier releases only
// count towards the total.
var recomputedKinds = map[string]bool{xpActivity: true, xpHabitDay: true, xpCheckInDay: true, xpBiometric: true, xpPerfectDay: true}

func scoreString(s domain.DayScore) string {
	if !s.HasData {
		return "no data"
	}
	return fmt.Sprint(s.Score)
}

func amountString(m map[string]int, k string) string {
	if a, ok := m[k]; ok {
		return fmt.Sprint(a)
	}
	return "none"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedDays(m map[domain.Day]bool) []domain.Day {
	out := make([]domain.Day, 0, len(m))
	for d := range m {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}
