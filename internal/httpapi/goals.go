package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// GoalInput is the body of POST …/goals.
type GoalInput struct {
	Name      string  `json:"name" minLength:"1" maxLength:"80"`
	Kind      string  `json:"kind" enum:"activity_total,habit_days,habit_rate,metric_average,metric_days,todos_done" doc:"activity_total sums an activity type's amounts; habit_days counts a habit's done days; habit_rate is the % of its due days done; metric_average averages a daily metric; metric_days counts days with the metric at or above threshold; todos_done counts the to-dos completed in the period"`
	Activity  string  `json:"activity,omitempty" doc:"the activity type key (activity_total)"`
	Habit     string  `json:"habit,omitempty" doc:"the habit's id, slug or name (habit_days, habit_rate)"`
	Metric    string  `json:"metric,omitempty" enum:"sleep,readiness,activity,life_score" doc:"the daily metric (metric_average, metric_days)"`
	Threshold float64 `json:"threshold,omitempty" doc:"the value a day needs to count (metric_days)"`
	Target    float64 `json:"target" doc:"in the goal's unit: the activity type's unit, days, % or points"`
	Period    string  `json:"period" enum:"week,month,quarter,year,custom" doc:"days of the household's time zone; a week runs Monday to Sunday"`
	Anchor    string  `json:"anchor,omitempty" format:"date" doc:"a named period is the one containing this day; default: today"`
	From      string  `json:"from,omitempty" format:"date" doc:"a custom period's first day"`
	Until     string  `json:"until,omitempty" format:"date" doc:"a custom period's last day"`
	// Milestones is a pointer so an explicit [] (no milestones) differs
	// from absent (the default ones).
	Milestones *[]int `json:"milestones,omitempty" doc:"ascending percentages of the target that pay XP once when reached; absent: 25, 50, 75, 100; [] for none"`
}

// GoalPatch is the body of PATCH …/goals/{id}: absent fields stay. What a
// goal reads and its period do not change: make a new goal.
type GoalPatch struct {
	Name       *string  `json:"name,omitempty" minLength:"1" maxLength:"80"`
	Target     *float64 `json:"target,omitempty"`
	Threshold  *float64 `json:"threshold,omitempty"`
	Milestones *[]int   `json:"milestones,omitempty"`
}

// GoalMilestoneBody is a milestone a goal reached.
type GoalMilestoneBody struct {
	Percent int    `json:"percent"`
	Day     string `json:"day" format:"date"`
	XP      int    `json:"xp"`
}

// GoalProgressBody is a goal's progress, computed from the facts on every read.
type GoalProgressBody struct {
	Current         float64 `json:"current"`
	Percent         float64 `json:"percent" doc:"current of the target, not capped"`
	Expected        float64 `json:"expected" doc:"where a steady pace stands today; the target itself for averages"`
	Pace            string  `json:"pace" enum:"not_started,ahead,on_track,behind,reached,missed"`
	PaceText        string  `json:"pace_text" doc:"the pace in words: on track, behind by 6 km"`
	Gap             float64 `json:"gap" doc:"current minus expected: positive is ahead"`
	ProjectedFinish string  `json:"projected_finish,omitempty" format:"date" doc:"the day the target was or, at the pace so far, will be reached (sums and counts only)"`
	ElapsedDays     int     `json:"elapsed_days"`
	TotalDays       int     `json:"total_days"`
	DataDays        int     `json:"data_days" doc:"days that had data"`
}

// GoalBody is a goal as the API shows it.
type GoalBody struct {
	ID         int64               `json:"id"`
	Name       string              `json:"name"`
	Kind       string              `json:"kind"`
	Activity   string              `json:"activity,omitempty"`
	HabitID    int64               `json:"habit_id,omitempty"`
	Metric     string              `json:"metric,omitempty"`
	Threshold  float64             `json:"threshold,omitempty"`
	Target     float64             `json:"target"`
	Unit       string              `json:"unit"`
	Period     string              `json:"period"`
	From       string              `json:"from" format:"date"`
	Until      string              `json:"until" format:"date"`
	Milestones []int               `json:"milestones"`
	Reached    []GoalMilestoneBody `json:"reached"`
	Progress   GoalProgressBody    `json:"progress"`
	Version    int                 `json:"version" doc:"the ETag"`
}

// GoalList is a person's goals, latest period end first.
type GoalList struct {
	Items []GoalBody `json:"items"`
}

// GoalPath is the {person} and {id} of a goal's paths.
type GoalPath struct {
	PersonPath
	ID int64 `path:"id" minimum:"1" doc:"the goal's id"`
}

type goalOutput struct {
	ETag string `header:"ETag"`
	Body GoalBody
}

type goalCreated struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     GoalBody
}

func goalBody(v app.GoalView) GoalBody {
	g, p := v.Goal, v.Progress
	b := GoalBody{ID: g.ID, Name: g.Name, Kind: string(g.Kind), Activity: g.Activity, HabitID: g.HabitID, Metric: string(g.Metric),
		Threshold: g.Threshold, Target: g.Target, Unit: v.Unit, Period: string(g.Period), From: g.From.String(), Until: g.Until.String(),
		Milestones: append([]int{}, g.Milestones...), Reached: []GoalMilestoneBody{}, Version: v.Version,
		Progress: GoalProgressBody{Current: p.Current, Percent: p.Percent, Expected: p.Expected, Pace: string(p.Pace), PaceText: v.PaceText,
			Gap: p.Gap, ElapsedDays: p.ElapsedDays, TotalDays: p.TotalDays, DataDays: p.DataDays}}
	if !p.ProjectedFinish.IsZero() {
		b.Progress.ProjectedFinish = p.ProjectedFinish.String()
	}
	for _, m := range v.Reached {
		b.Reached = append(b.Reached, GoalMilestoneBody{Percent: m.Percent, Day: m.Day.String(), XP: m.XP})
	}
	return b
}

func registerGoals(api huma.API, svc *app.Service) {
	tags := []string{"goals"}
	op(api, scoped(huma.Operation{
		OperationID: "list-goals", Method: http.MethodGet, Path: "/api/v1/people/{person}/goals",
		Summary: "List a person's goals", Description: "Every goal with its progress computed from the facts now, latest period end first.",
		Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body GoalList }, error) {
		list, err := svc.Goals(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body GoalList }{}
		out.Body.Items = make([]GoalBody, len(list))
		for i, g := range list {
			out.Body.Items[i] = goalBody(g)
		}
		return out, nil
	})
	op(api, idempotent(scoped(huma.Operation{
		OperationID: "create-goal", Method: http.MethodPost, Path: "/api/v1/people/{person}/goals",
		Summary: "Set a goal",
		Description: "A target over a week, month, quarter, year or custom range. A goal whose period already began counts the facts " +
			"already there, and pays the milestones they reach at once. Each milestone pays XP once (the daily XP rules apply) and " +
			"raises goal_milestone; a rate or an average settles its milestones when its period has ended.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 422},
	}, "path")), func(ctx context.Context, in *struct {
		PersonPath
		IdempotencyHeader
		Body GoalInput
	}) (*goalCreated, error) {
		var v domain.ValidationError
		anchor := parseDay(&v, "anchor", in.Body.Anchor)
		from := parseDay(&v, "from", in.Body.From)
		until := parseDay(&v, "until", in.Body.Until)
		if err := v.Err(); err != nil {
			return nil, err
		}
		gi := app.GoalInput{Person: in.Person, Name: in.Body.Name, Kind: domain.GoalKind(in.Body.Kind), Activity: in.Body.Activity,
			Habit: in.Body.Habit, Metric: domain.GoalMetric(in.Body.Metric), Threshold: in.Body.Threshold, Target: in.Body.Target,
			Period: domain.GoalPeriod(in.Body.Period), Anchor: anchor, From: from, Until: until}
		if in.Body.Milestones != nil {
			gi.Milestones = append([]int{}, (*in.Body.Milestones)...)
		}
		g, err := svc.CreateGoal(ctx, gi)
		if err != nil {
			return nil, err
		}
		return &goalCreated{ETag: etag(g.Version), Location: "/api/v1/people/" + in.Person + "/goals/" + strconv.FormatInt(g.Goal.ID, 10),
			Body: goalBody(g)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-goal", Method: http.MethodGet, Path: "/api/v1/people/{person}/goals/{id}",
		Summary: "Read a goal", Description: "The goal with its progress now and its ETag, for a later If-Match.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *GoalPath) (*goalOutput, error) {
		g, err := svc.GoalGet(ctx, in.Person, in.ID)
		if err != nil {
			return nil, err
		}
		return &goalOutput{ETag: etag(g.Version), Body: goalBody(g)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-goal", Method: http.MethodPatch, Path: "/api/v1/people/{person}/goals/{id}",
		Summary: "Change a goal",
		Description: "Changes the name, target, threshold or milestones. Milestones already reached stay reached and paid; a lower target " +
			"may reach more at once. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		GoalPath
		IfMatch
		Body GoalPatch
	}) (*goalOutput, error) {
		ver, err := in.version()
		if err != nil {
			return nil, err
		}
		g, err := svc.UpdateGoal(ctx, in.Person, in.ID, app.GoalChange{Name: in.Body.Name, Target: in.Body.Target,
			Threshold: in.Body.Threshold, Milestones: in.Body.Milestones}, ver)
		if err != nil {
			return nil, err
		}
		return &goalOutput{ETag: etag(g.Version), Body: goalBody(g)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "delete-goal", Method: http.MethodDelete, Path: "/api/v1/people/{person}/goals/{id}",
		Summary:     "Remove a goal",
		Description: "Removes the goal and takes back the XP its milestones paid. Send If-Match to refuse a stale delete (412).",
		Tags:        tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 412},
	}, "path"), func(ctx context.Context, in *struct {
		GoalPath
		IfMatch
	}) (*struct{}, error) {
		ver, err := in.version()
		if err != nil {
			return nil, err
		}
		return nil, svc.DeleteGoal(ctx, in.Person, in.ID, ver)
	})
}
