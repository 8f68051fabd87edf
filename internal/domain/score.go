package domain

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Component is one input of the Daily Life Score.
type Component string

// Score components.
const (
	ComponentSleep       Component = "sleep"
	ComponentReadiness   Component = "readiness"
	ComponentActivity    Component = "activity"
	ComponentHabits      Component = "habits"
	ComponentRoutine     Component = "routine"
	ComponentEnvironment Component = "environment"
	ComponentMood        Component = "mood"
)

// Components lists the score components in display order.
func Components() []Component {
	return []Component{ComponentSleep, ComponentReadiness, ComponentActivity, ComponentHabits,
		ComponentRoutine, ComponentEnvironment, ComponentMood}
}

// ScoreWeights are a household's weights of the score components. Only their
// ratios matter: missing components are left out and the rest renormalised.
type ScoreWeights struct {
	Sleep       float64 `json:"sleep"`
	Readiness   float64 `json:"readiness"`
	Activity    float64 `json:"activity"`
	Habits      float64 `json:"habits"`
	Routine     float64 `json:"routine"`
	Environment float64 `json:"environment"`
	Mood        float64 `json:"mood"`
}

// DefaultScoreWeights: sleep 25, readiness 20, activity 15, habits 20,
// routine 10, environment 5, mood 5.
func DefaultScoreWeights() ScoreWeights {
	return ScoreWeights{Sleep: 25, Readiness: 20, Activity: 15, Habits: 20, Routine: 10, Environment: 5, Mood: 5}
}

// Of is the weight of c.
func (w ScoreWeights) Of(c Component) float64 {
	switch c {
	case ComponentSleep:
		return w.Sleep
	case ComponentReadiness:
		return w.Readiness
	case ComponentActivity:
		return w.Activity
	case ComponentHabits:
		return w.Habits
	case ComponentRoutine:
		return w.Routine
	case ComponentEnvironment:
		return w.Environment
	case ComponentMood:
		return w.Mood
	}
	return 0
}

// MaxScoreWeight bounds a single weight.
const MaxScoreWeight = 1000

// ValidateScoreWeights requires finite weights from 0 to 1000, not all zero.
func ValidateScoreWeights(w ScoreWeights) error {
	var v ValidationError
	total := 0.0
	for _, c := range Components() {
		x := w.Of(c)
		if math.IsNaN(x) || x < 0 || x > MaxScoreWeight {
			v.Add(string(c), x, "must be a weight from 0 to 1000")
			continue
		}
		total += x
	}
	if len(v.Fields) == 0 && total == 0 {
		v.Add("weights", nil, "must not all be zero")
	}
	return v.Err()
}

// Measure is one scalar input of the score.
type Measure struct {
	Present bool
	// Value: sleep and readiness scores 0–100; activity in active minutes;
	// environment 0–100 (the comfort the sensors package computes); mood 1–9.
	Value float64
	// Baseline is the person's own recent normal (sleep, readiness, activity).
	Baseline Baseline
	At       time.Time // when the value was observed
}

// Tally counts things due today: habits or routine items.
type Tally struct {
	Due  int
	Done int
	// Lost are due ones that can no longer be done today (window passed,
	// marked missed, limit exceeded).
	Lost int
	At   time.Time // the latest check-in or completion
}

// ScoreInput is everything one person's score for one day is made of.
type ScoreInput struct {
	Sleep     Measure
	Readiness Measure
	Activity  Measure // active minutes
	// ActivityScore is a ring's own 0–100 activity score of the day; when
	// present it is the activity component, judged like sleep.
	ActivityScore Measure
	Habits        Tally
	Routine       Tally
	Environment   Measure
	Mood          Measure
	// Open marks today: the day can still improve (see DayScore.Max).
	Open bool
}

// Activity targets in active minutes, documented in docs/rules.md.
const (
	ActivityTargetDefault = 30 // while the baseline warms up
	ActivityTargetMin     = 20 // the baseline target never goes below this
)

// Contributor is one component's part in a score.
type Contributor struct {
	Component Component `json:"component"`
	Weight    float64   `json:"weight"` // as configured
	Share     float64   `json:"share"`  // of the score, after renormalising over present components (0–1)
	Value     float64   `json:"value"`  // 0–100
	Present   bool      `json:"present"`
	WarmingUp bool      `json:"warming_up"` // judged without a trusted 30-day baseline
}

// DayScore is the Daily Life Score of one person and day.
type DayScore struct {
	Score   int  `json:"score"` // 0–100
	HasData bool `json:"has_data"`
	// Max is today's max: the score if every due habit and routine item still
	// open got done and activity reached its target; equals Score for a
	// closed day.
	Max          int           `json:"max"`
	Contributors []Contributor `json:"contributors"`
	// WarmingUp is set when a weighted, present component is judged without a
	// trusted baseline yet (fewer than MinBaselineDays days).
	WarmingUp   bool      `json:"warming_up"`
	Freshness   time.Time `json:"freshness"` // the latest input's timestamp
	Explanation string    `json:"explanation"`
}

// ComputeScore computes the Daily Life Score from in and the household's
// weights. Each present component gets a value 0–100:
//
//   - sleep, readiness: the raw score moved by half its distance from the
//     person's baseline, v = raw + (raw − mean)/2, so the same night counts
//     for more when it beats your normal; the raw score while warming up.
//   - activity: a ring's activity score, judged like sleep, when there is
//     one; else 100 · active minutes / target, capped at 100; target is the
//     baseline mean (at least 20 min), or 30 min while warming up.
//   - habits, routine: 100 · done / due (present when something is due).
//   - environment: as given; mood: (mood − 1) / 8 · 100.
//
// The score is the weighted mean over present components, rounded, and always
// within [0, 100]; missing components are left out, never counted as 0.
func ComputeScore(in ScoreInput, w ScoreWeights) DayScore {
	type part struct {
		c        Contributor
		best     float64 // value if today's open items all get done
		raw      float64
		at       time.Time
		tally    Tally
		isTally  bool
		measured bool
		ring     bool // activity from a ring's score, not minutes
	}
	parts := make([]part, 0, 7)
	measure := func(c Component, m Measure, value func(Measure) (float64, bool)) {
		p := part{c: Contributor{Component: c, Weight: cleanWeight(w.Of(c))}, raw: m.Value, at: m.At, measured: true}
		if m.Present && !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
			p.c.Value, p.c.WarmingUp = value(m)
			p.c.Value = clamp100(p.c.Value)
			p.c.Present = true
		}
		p.best = p.c.Value
		parts = append(parts, p)
	}
	tally := func(c Component, t Tally) {
		p := part{c: Contributor{Component: c, Weight: cleanWeight(w.Of(c))}, at: t.At, tally: t, isTally: true}
		if t.Due > 0 {
			done := min(max(t.Done, 0), t.Due)
			lost := min(max(t.Lost, 0), t.Due-done)
			p.c.Present = true
			p.c.Value = 100 * float64(done) / float64(t.Due)
			p.best = 100 * float64(t.Due-lost) / float64(t.Due)
		}
		parts = append(parts, p)
	}
	relative := func(m Measure) (float64, bool) {
		if m.Baseline.WarmingUp() {
			return m.Value, true
		}
		return m.Value + (m.Value-m.Baseline.Mean)/2, false
	}
	measure(ComponentSleep, in.Sleep, relative)
	measure(ComponentReadiness, in.Readiness, relative)
	if in.ActivityScore.Present {
		measure(ComponentActivity, in.ActivityScore, relative)
		parts[len(parts)-1].ring = true
	} else {
		measure(ComponentActivity, in.Activity, func(m Measure) (float64, bool) {
			target, warming := float64(ActivityTargetDefault), m.Baseline.WarmingUp()
			if !warming {
				target = math.Max(ActivityTargetMin, m.Baseline.Mean)
			}
			return 100 * math.Max(0, m.Value) / target, warming
		})
	}
	parts[len(parts)-1].best = 100 // more movement can still happen
	tally(ComponentHabits, in.Habits)
	tally(ComponentRoutine, in.Routine)
	measure(ComponentEnvironment, in.Environment, func(m Measure) (float64, bool) { return m.Value, false })
	measure(ComponentMood, in.Mood, func(m Measure) (float64, bool) {
		return (math.Max(MinMood, math.Min(MaxMood, m.Value)) - MinMood) / (MaxMood - MinMood) * 100, false
	})

	var out DayScore
	total, sum, bestSum := 0.0, 0.0, 0.0
	for _, p := range parts {
		if p.c.Present {
			total += p.c.Weight
			if p.at.After(out.Freshness) {
				out.Freshness = p.at
			}
		}
	}
	for i := range parts {
		p := &parts[i]
		if p.c.Present && total > 0 {
			p.c.Share = p.c.Weight / total
			out.WarmingUp = out.WarmingUp || (p.c.WarmingUp && p.c.Share > 0)
			sum += p.c.Share * p.c.Value
			if in.Open {
				bestSum += p.c.Share * math.Max(p.best, p.c.Value)
			} else {
				bestSum += p.c.Share * p.c.Value
			}
		}
		out.Contributors = append(out.Contributors, p.c)
	}
	if total == 0 {
		out.Explanation = "No data for today yet."
		return out
	}
	out.HasData = true
	out.Score = int(math.Round(clamp100(sum)))
	out.Max = max(out.Score, int(math.Round(clamp100(bestSum))))

	// The sentence names the component that moved the score most (down
	// first: that is what people want to fix), then how the habits went.
	var clauses []string
	var mover *part
	moverImpact := 0.0
	for i := range parts {
		p := &parts[i]
		if !p.c.Present || p.c.Share == 0 {
			continue
		}
		impact := p.c.Share * (p.c.Value - float64(out.Score))
		if p.c.Value <= float64(out.Score)-10 && impact < moverImpact {
			mover, moverImpact = p, impact
		}
	}
	down := mover != nil
	if mover == nil {
		for i := range parts {
			p := &parts[i]
			if !p.c.Present || p.c.Share == 0 {
				continue
			}
			impact := p.c.Share * (p.c.Value - float64(out.Score))
			if p.c.Value >= float64(out.Score)+10 && impact > moverImpact {
				mover, moverImpact = p, impact
			}
		}
	}
	if mover != nil {
		verb := " lifted today"
		if down {
			verb = " pulled today down"
		}
		clauses = append(clauses, describe(mover.c, mover.raw, mover.tally, mover.ring)+verb)
	} else if in.Open && out.Max > out.Score {
		// Nothing stands out yet, but the day is open: an early, empty day
		// is not "steady".
		clauses = append(clauses, fmt.Sprintf("the day is still open: up to %d is possible", out.Max))
	} else {
		clauses = append(clauses, "a steady day")
	}
	for _, p := range parts {
		if p.c.Component == ComponentHabits && p.c.Present && (mover == nil || mover.c.Component != ComponentHabits) {
			clauses = append(clauses, fmt.Sprintf("%d of %d habits done", min(max(p.tally.Done, 0), p.tally.Due), p.tally.Due))
		}
	}
	s := strings.Join(clauses, "; ")
	out.Explanation = strings.ToUpper(s[:1]) + s[1:] + "."
	return out
}

// describe names a contributor the way a person would say it.
func describe(c Contributor, raw float64, t Tally, ring bool) string {
	switch c.Component {
	case ComponentSleep:
		return fmt.Sprintf("sleep at %.0f", raw)
	case ComponentReadiness:
		return fmt.Sprintf("readiness at %.0f", raw)
	case ComponentActivity:
		if ring {
			return fmt.Sprintf("activity at %.0f", raw)
		}
		if math.Round(raw) == 1 {
			return "1 active minute"
		}
		return fmt.Sprintf("%.0f active minutes", math.Max(0, raw))
	case ComponentHabits:
		return fmt.Sprintf("habits (%d of %d done)", min(max(t.Done, 0), t.Due), t.Due)
	case ComponentRoutine:
		return fmt.Sprintf("the routine (%d of %d items done)", min(max(t.Done, 0), t.Due), t.Due)
	case ComponentEnvironment:
		return fmt.Sprintf("the environment at %.0f", c.Value)
	case ComponentMood:
		return fmt.Sprintf("mood at %.0f of 9", math.Max(MinMood, math.Min(MaxMood, raw)))
	}
	return string(c.Component)
}

func cleanWeight(x float64) float64 {
	if math.IsNaN(x) || x < 0 || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func clamp100(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return math.Max(0, math.Min(100, x))
}
