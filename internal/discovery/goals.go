package discovery

import (
	"context"
	"math"

	"github.com/lifeops/lifeops/internal/app"
)

// GoalSource is what the bridge reads of a person's goals; *app.Service is
// one. A Source without it shows no goal sensors.
type GoalSource interface {
	// ActiveGoals are the goals whose period has not ended.
	ActiveGoals(ctx context.Context, person string) ([]app.GoalView, error)
}

var _ GoalSource = (*app.Service)(nil)

// Goal is an active goal of a person: one sensor each, its progress in %.
type Goal struct {
	ID   int64
	Name string
}

// GoalState is an active goal's progress as its sensor shows it: the
// percentage as state, the rest as attributes.
type GoalState struct {
	GoalID    int64   `json:"goal_id"`
	Percent   float64 `json:"-"`
	Current   float64 `json:"current"`
	Target    float64 `json:"target"`
	Unit      string  `json:"unit"`
	Pace      string  `json:"pace"`
	From      string  `json:"from"`
	Deadline  string  `json:"deadline"`
	Projected string  `json:"projected_finish,omitempty"`
}

// goalSensors are the sensors of the active goals the app listed: their
// names for the device, their progress for the states.
func goalSensors(views []app.GoalView) ([]Goal, []GoalState) {
	var shape []Goal
	var states []GoalState
	for _, v := range views {
		g := v.Goal
		shape = append(shape, Goal{ID: g.ID, Name: g.Name})
		st := GoalState{GoalID: g.ID, Percent: math.Round(v.Progress.Percent*10) / 10, Current: round2(v.Progress.Current),
			Target: g.Target, Unit: v.Unit, Pace: v.PaceText, From: g.From.String(), Deadline: g.Until.String()}
		if !v.Progress.ProjectedFinish.IsZero() {
			st.Projected = v.Progress.ProjectedFinish.String()
		}
		states = append(states, st)
	}
	return shape, states
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// goalMessages are each active goal's state (percent) and attributes.
func goalMessages(t personTopics, goals []GoalState, raw func(topic, payload string), attrs func(topic string, v any)) {
	for _, g := range goals {
		key := t.goal(g.GoalID)
		raw(t.state(key), formatFloat(g.Percent))
		attrs(t.attributes(key), g)
	}
}
