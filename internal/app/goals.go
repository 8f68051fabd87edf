package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// xpGoalMilestone is the ledger kind of a goal's milestone; the source is
// "<goal id>:<percent>", so each milestone pays once.
const xpGoalMilestone = "goal_milestone"

// GoalStore keeps goals and the milestones they reached. A goal's progress
// is never stored: it is read from the facts every time.
type GoalStore interface {
	GoalInsert(ctx context.Context, g domain.Goal) (Versioned[domain.Goal], error)
	// GoalGet finds one of a person's goals; domain.ErrNotFound when none.
	GoalGet(ctx context.Context, personID, id int64) (Versioned[domain.Goal], error)
	// GoalList lists a person's goals, latest period end first.
	GoalList(ctx context.Context, personID int64) ([]Versioned[domain.Goal], error)
	// GoalUpdate writes g when its stored version is still version and
	// returns the new version; domain.ErrPrecondition when it changed.
	GoalUpdate(ctx context.Context, g domain.Goal, version int) (int, error)
	GoalDelete(ctx context.Context, id int64) error
	// GoalMilestones lists the milestones a person's goals reached, by goal
	// and percent.
	GoalMilestones(ctx context.Context, personID int64) ([]GoalMilestone, error)
	GoalMilestoneInsert(ctx context.Context, m GoalMilestone) error
	// ActivityDayTotals sums a person's activities of one type per day.
	ActivityDayTotals(ctx context.Context, personID int64, typ string, from, to domain.Day) ([]domain.GoalSample, error)
}

// GoalMilestone is a milestone a goal reached, with the XP it paid.
type GoalMilestone struct {
	GoalID  int64
	Percent int
	Day     domain.Day
	XP      int
	At      time.Time
}

// GoalView is a goal with its progress computed from the facts on today.
type GoalView struct {
	Goal    domain.Goal
	Version int
	// Unit is what Current and Target count: the activity type's unit,
	// "days", "%" or "points".
	Unit     string
	Progress domain.GoalProgress
	PaceText string
	Reached  []GoalMilestone
}

// GoalInput creates a goal.
type GoalInput struct {
	Person    string
	Name      string
	Kind      domain.GoalKind
	Activity  string
	Habit     string // id, slug or name
	Metric    domain.GoalMetric
	Threshold float64
	Target    float64
	Period    domain.GoalPeriod
	// Anchor picks a named period: the one containing it (zero: today).
	Anchor domain.Day
	// From and Until are a custom period's days.
	From, Until domain.Day
	// Milestones nil: domain.DefaultMilestones; empty: none.
	Milestones []int
}

// GoalChange is a partial update: nil fields stay.
type GoalChange struct {
	Name       *string
	Target     *float64
	Threshold  *float64
	Milestones *[]int
}

// CreateGoal adds a goal. A goal whose period began before today counts the
// facts already there, and milestones those facts reach are paid at once.
func (s *Service) CreateGoal(ctx context.Context, in GoalInput) (GoalView, error) {
	var out GoalView
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, in.Person)
		if err != nil {
			return err
		}
		g := domain.Goal{PersonID: p.ID, Name: strings.TrimSpace(in.Name), Kind: in.Kind, Activity: in.Activity, Metric: in.Metric,
			Threshold: in.Threshold, Target: in.Target, Period: in.Period, Milestones: in.Milestones}
		if g.Milestones == nil {
			g.Milestones = append([]int(nil), domain.DefaultMilestones...)
		}
		var v domain.ValidationError
		switch in.Period {
		case domain.PeriodCustom:
			g.From, g.Until = in.From, in.Until
			if in.From.IsZero() {
				v.Add("from", "", "a custom period needs from")
			}
			if in.Until.IsZero() {
				v.Add("until", "", "a custom period needs until")
			}
		default:
			if !in.From.IsZero() || !in.Until.IsZero() {
				v.Add("from", in.From, "only a custom period takes from and until; a "+string(in.Period)+" goal takes anchor")
			}
			anchor := in.Anchor
			if anchor.IsZero() {
				anchor = s.today()
			}
			if g.From, g.Until, err = domain.PeriodRange(in.Period, anchor); err != nil {
				v.Add("period", in.Period, "must be week, month, quarter, year or custom")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if in.Habit != "" && in.Kind != domain.GoalHabitDays && in.Kind != domain.GoalHabitRate {
			return domain.Invalid("habit", in.Habit, "only habit_days and habit_rate goals read a habit")
		}
		if in.Habit != "" {
			h, err := tx.HabitGet(ctx, p.ID, in.Habit, false)
			if err != nil {
				return err
			}
			g.HabitID = h.Value.ID
		}
		if err := s.checkGoalSource(ctx, tx, g); err != nil {
			return err
		}
		stored, err := tx.GoalInsert(ctx, g)
		if err != nil {
			return err
		}
		s.changed(ev, p.ID)
		if err := s.goalMilestones(ctx, tx, stored.Value, ev); err != nil {
			return err
		}
		out, err = s.goalView(ctx, tx, stored)
		return err
	})
	return out, err
}

// checkGoalSource validates g and that what it reads exists.
func (s *Service) checkGoalSource(ctx context.Context, tx Store, g domain.Goal) error {
	if err := domain.ValidateGoal(g); err != nil {
		return err
	}
	if g.Kind == domain.GoalActivityTotal {
		cat, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		if _, ok := cat.Lookup(g.Activity); !ok {
			return domain.Invalid("activity", g.Activity, "is not an activity type of the catalogue")
		}
	}
	if g.Kind != domain.GoalActivityTotal && g.Activity != "" {
		return domain.Invalid("activity", g.Activity, "only an activity_total goal reads an activity type")
	}
	if (g.Kind == domain.GoalActivityTotal || g.Kind == domain.GoalHabitDays || g.Kind == domain.GoalHabitRate || g.Kind == domain.GoalTodosDone) && g.Metric != "" {
		return domain.Invalid("metric", g.Metric, "only metric_average and metric_days goals read a metric")
	}
	return nil
}

// Goals lists a person's goals with their progress, latest period end first.
func (s *Service) Goals(ctx context.Context, personRef string) ([]GoalView, error) {
	return s.goalsWhere(ctx, personRef, func(domain.Goal) bool { return true })
}

// ActiveGoals lists the goals whose period has not ended, with their
// progress: what Home Assistant shows, read on every refresh of a person, so
// goals long over cost nothing there.
func (s *Service) ActiveGoals(ctx context.Context, personRef string) ([]GoalView, error) {
	today := s.today()
	return s.goalsWhere(ctx, personRef, func(g domain.Goal) bool { return !g.Until.Before(today) })
}

// goalsWhere reads the person's goals that keep accepts, with their
// progress, in one snapshot; the milestones reached are read once.
func (s *Service) goalsWhere(ctx context.Context, personRef string, keep func(domain.Goal) bool) ([]GoalView, error) {
	var out []GoalView
	err := s.inTx(ctx, func(tx Store) error {
		out = nil
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		list, err := tx.GoalList(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		reached, err := tx.GoalMilestones(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		for _, g := range list {
			if !keep(g.Value) {
				continue
			}
			v, err := s.goalViewWith(ctx, tx, g, reached)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// GoalGet reads one goal with its progress.
func (s *Service) GoalGet(ctx context.Context, personRef string, id int64) (GoalView, error) {
	var out GoalView
	err := s.inTx(ctx, func(tx Store) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		g, err := tx.GoalGet(ctx, p.Value.ID, id)
		if err != nil {
			return err
		}
		out, err = s.goalView(ctx, tx, g)
		return err
	})
	return out, err
}

// UpdateGoal changes a goal's name, target, threshold or milestones when
// its version is still ifVersion (0 skips the check). Milestones already
// reached stay reached and paid; a lower target may reach more at once.
func (s *Service) UpdateGoal(ctx context.Context, personRef string, id int64, ch GoalChange, ifVersion int) (GoalView, error) {
	var out GoalView
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.GoalGet(ctx, p.ID, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Goal %q", cur.Value.Name), cur.Version, ifVersion)
		}
		next := cur.Value
		next.Milestones = append([]int(nil), cur.Value.Milestones...)
		if ch.Name != nil {
			next.Name = strings.TrimSpace(*ch.Name)
		}
		if ch.Target != nil {
			next.Target = *ch.Target
		}
		if ch.Threshold != nil {
			next.Threshold = *ch.Threshold
		}
		if ch.Milestones != nil {
			next.Milestones = append([]int{}, (*ch.Milestones)...)
		}
		if err := s.checkGoalSource(ctx, tx, next); err != nil {
			return err
		}
		v, err := tx.GoalUpdate(ctx, next, cur.Version)
		if err != nil {
			return err
		}
		stored := Versioned[domain.Goal]{Value: next, Version: v}
		s.changed(ev, p.ID)
		if err := s.goalMilestones(ctx, tx, next, ev); err != nil {
			return err
		}
		out, err = s.goalView(ctx, tx, stored)
		return err
	})
	return out, err
}

// DeleteGoal removes a goal and takes back the XP its milestones paid:
// everything the goal earned goes with it.
func (s *Service) DeleteGoal(ctx context.Context, personRef string, id int64, ifVersion int) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.GoalGet(ctx, p.ID, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Goal %q", cur.Value.Name), cur.Version, ifVersion)
		}
		if err := s.revokeGoalXP(ctx, tx, p.ID, id, ev); err != nil {
			return err
		}
		if err := tx.GoalDelete(ctx, id); err != nil {
			return err
		}
		s.changed(ev, p.ID)
		return nil
	})
}

// revokeGoalXP takes back what a goal's milestones paid.
func (s *Service) revokeGoalXP(ctx context.Context, tx Store, personID, goalID int64, ev *[]domain.Event) error {
	reached, err := tx.GoalMilestones(ctx, personID)
	if err != nil {
		return err
	}
	for _, m := range reached {
		if m.GoalID == goalID {
			if _, err := s.revokeXP(ctx, tx, personID, xpGoalMilestone, milestoneSource(goalID, m.Percent), ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func milestoneSource(goalID int64, percent int) string {
	return strconv.FormatInt(goalID, 10) + ":" + strconv.Itoa(percent)
}

// goalUnit is what a goal's numbers count.
func (s *Service) goalUnit(ctx context.Context, tx Store, g domain.Goal) (string, error) {
	switch g.Kind {
	case domain.GoalActivityTotal:
		cat, err := s.catalogue(ctx, tx)
		if err != nil {
			return "", err
		}
		t, _ := cat.Lookup(g.Activity)
		return string(t.Unit), nil
	case domain.GoalHabitDays, domain.GoalMetricDays:
		return "days", nil
	case domain.GoalHabitRate:
		return "%", nil
	case domain.GoalTodosDone:
		return "to-dos", nil
	}
	return "points", nil
}

// goalSamples reads the facts that feed g, day by day, up to today.
func (s *Service) goalSamples(ctx context.Context, tx Store, g domain.Goal, today domain.Day) ([]domain.GoalSample, error) {
	to := g.Until
	if today.Before(to) {
		to = today
	}
	if to.Before(g.From) {
		return nil, nil
	}
	var out []domain.GoalSample
	switch g.Kind {
	case domain.GoalActivityTotal:
		return tx.ActivityDayTotals(ctx, g.PersonID, g.Activity, g.From, to)
	case domain.GoalTodosDone:
		todos, err := tx.TodoList(ctx, g.PersonID)
		if err != nil {
			return nil, err
		}
		perDay := map[domain.Day]float64{}
		for _, t := range todos {
			if t.Value.CompletedAt.IsZero() {
				continue
			}
			if d := domain.DayOf(t.Value.CompletedAt, s.loc()); !d.Before(g.From) && !d.After(to) {
				perDay[d]++
			}
		}
		for d := g.From; !d.After(to); d = d.Add(1) {
			if n, ok := perDay[d]; ok {
				out = append(out, domain.GoalSample{Day: d, Value: n})
			}
		}
		return out, nil
	case domain.GoalHabitDays, domain.GoalHabitRate:
		rows, err := tx.HabitDays(ctx, g.HabitID, g.From, to)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			switch r.Result.Status {
			case domain.StatusDone:
				out = append(out, domain.GoalSample{Day: r.Day, Value: 1})
			case domain.StatusMissed:
				out = append(out, domain.GoalSample{Day: r.Day, Value: 0})
			}
		}
	case domain.GoalMetricAverage, domain.GoalMetricDays:
		if g.Metric == domain.MetricLifeScore {
			scores, err := tx.ScoreHistory(ctx, g.PersonID, g.From, to)
			if err != nil {
				return nil, err
			}
			for _, sc := range scores {
				if sc.Score.HasData {
					out = append(out, domain.GoalSample{Day: sc.Day, Value: float64(sc.Score.Score)})
				}
			}
			return out, nil
		}
		bio, err := tx.Biometrics(ctx, g.PersonID, g.From, to)
		if err != nil {
			return nil, err
		}
		for _, b := range bio {
			var v *float64
			switch g.Metric {
			case domain.MetricSleep:
				v = b.Sleep
			case domain.MetricReadiness:
				v = b.Readiness
			case domain.MetricActivity:
				v = b.Activity
			}
			if v != nil {
				out = append(out, domain.GoalSample{Day: b.Day, Value: *v})
			}
		}
	}
	return out, nil
}

// goalProgress computes g's progress from the facts on today.
func (s *Service) goalProgress(ctx context.Context, tx Store, g domain.Goal, today domain.Day) (domain.GoalProgress, error) {
	samples, err := s.goalSamples(ctx, tx, g, today)
	if err != nil {
		return domain.GoalProgress{}, fmt.Errorf("goal %d progress: %w", g.ID, err)
	}
	return g.Progress(samples, today), nil
}

func (s *Service) goalView(ctx context.Context, tx Store, g Versioned[domain.Goal]) (GoalView, error) {
	reached, err := tx.GoalMilestones(ctx, g.Value.PersonID)
	if err != nil {
		return GoalView{}, err
	}
	return s.goalViewWith(ctx, tx, g, reached)
}

// goalViewWith is goalView with the person's reached milestones already
// read.
func (s *Service) goalViewWith(ctx context.Context, tx Store, g Versioned[domain.Goal], reached []GoalMilestone) (GoalView, error) {
	today := s.today()
	prog, err := s.goalProgress(ctx, tx, g.Value, today)
	if err != nil {
		return GoalView{}, err
	}
	unit, err := s.goalUnit(ctx, tx, g.Value)
	if err != nil {
		return GoalView{}, err
	}
	v := GoalView{Goal: g.Value, Version: g.Version, Unit: unit, Progress: prog, PaceText: prog.PaceText(unit)}
	for _, m := range reached {
		if m.GoalID == g.Value.ID {
			v.Reached = append(v.Reached, m)
		}
	}
	return v, nil
}

// checkGoals pays the milestones the person's goals reached; it runs after
// every change of the facts (afterChange) and at rollover, which settles
// averages whose period just ended.
func (s *Service) checkGoals(ctx context.Context, tx Store, personID int64, ev *[]domain.Event) error {
	goals, err := tx.GoalList(ctx, personID)
	if err != nil {
		return err
	}
	return s.goalsReached(ctx, tx, goals, ev)
}

// goalsReached is checkGoals with the person's goals read.
func (s *Service) goalsReached(ctx context.Context, tx Store, goals []Versioned[domain.Goal], ev *[]domain.Event) error {
	// A goal settles for good a while after its period: facts of the last
	// days may still be added (PauseBackDays, late check-ins), nothing
	// after that moves it.
	oldest := s.today().Add(-7)
	for _, g := range goals {
		if g.Value.Until.Before(oldest) {
			continue
		}
		if err := s.goalMilestones(ctx, tx, g.Value, ev); err != nil {
			return err
		}
	}
	return nil
}

// goalMilestones pays and announces each milestone g reached that was not
// reached before.
func (s *Service) goalMilestones(ctx context.Context, tx Store, g domain.Goal, ev *[]domain.Event) error {
	if len(g.Milestones) == 0 {
		return nil
	}
	today := s.today()
	prog, err := s.goalProgress(ctx, tx, g, today)
	if err != nil {
		return err
	}
	reached := g.MilestonesReached(prog, today)
	if len(reached) == 0 {
		return nil
	}
	had, err := tx.GoalMilestones(ctx, g.PersonID)
	if err != nil {
		return err
	}
	seen := map[int]bool{}
	for _, m := range had {
		if m.GoalID == g.ID {
			seen[m.Percent] = true
		}
	}
	for _, pct := range reached {
		if seen[pct] {
			continue
		}
		xp := domain.GoalMilestoneXP(pct)
		m := GoalMilestone{GoalID: g.ID, Percent: pct, Day: today, XP: xp, At: s.now()}
		if err := tx.GoalMilestoneInsert(ctx, m); err != nil {
			return err
		}
		if err := s.awardXP(ctx, tx, g.PersonID, today, xpGoalMilestone, milestoneSource(g.ID, pct), xp, ev); err != nil {
			return err
		}
		*ev = append(*ev, domain.Event{Kind: domain.EventGoalMilestone, PersonID: g.PersonID, At: s.now(),
			Goal: &domain.GoalMilestoneData{GoalID: g.ID, Name: g.Name, Percent: pct, Current: prog.Current, Target: g.Target, XP: xp}})
	}
	return nil
}

// verifyGoals checks that every goal milestone's XP is in the ledger once
// with its amount and nothing else pays goal_milestone XP, and that no goal
// has reached a milestone that was never recorded.
func (s *Service) verifyGoals(ctx context.Context, tx Store, personID int64, ledger []XPEntry, v *verifier) error {
	reached, err := tx.GoalMilestones(ctx, personID)
	if err != nil {
		return err
	}
	want := map[string]int{}
	seen := map[string]bool{}
	for _, m := range reached {
		src := milestoneSource(m.GoalID, m.Percent)
		want[src] = domain.GoalMilestoneXP(m.Percent)
		seen[src] = true
	}
	have := map[string]int{}
	for _, e := range ledger {
		if e.Kind == xpGoalMilestone {
			have[e.Source] = e.Amount
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
		v.check("XP award "+xpGoalMilestone+" "+k, amountString(have, k), amountString(want, k))
	}
	goals, err := tx.GoalList(ctx, personID)
	if err != nil {
		return err
	}
	today := s.today()
	for _, g := range goals {
		prog, err := s.goalProgress(ctx, tx, g.Value, today)
		if err != nil {
			return err
		}
		for _, pct := range g.Value.MilestonesReached(prog, today) {
			recorded := "missing"
			if seen[milestoneSource(g.Value.ID, pct)] {
				recorded = "recorded"
			}
			v.check(fmt.Sprintf("goal %d milestone %d%%", g.Value.ID, pct), recorded, "recorded")
		}
	}
	return nil
}
