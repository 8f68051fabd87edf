package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// ContributorBody is one component's part in a score.
type ContributorBody struct {
	Component string  `json:"component" enum:"sleep,readiness,activity,habits,routine,environment,mood"`
	Weight    float64 `json:"weight" doc:"as configured"`
	Share     float64 `json:"share" doc:"share of the score after renormalising over present components, 0-1"`
	Value     float64 `json:"value" doc:"0-100"`
	Present   bool    `json:"present"`
	WarmingUp bool    `json:"warming_up" doc:"judged without a trusted 30-day baseline"`
}

// ScoreBody is one day's Daily Life Score and why.
type ScoreBody struct {
	Day          string            `json:"day" format:"date"`
	Score        int               `json:"score" minimum:"0" maximum:"100"`
	HasData      bool              `json:"has_data"`
	Max          int               `json:"max" doc:"the score if everything still open today got done"`
	Final        bool              `json:"final" doc:"the day has closed"`
	Explanation  string            `json:"explanation"`
	Contributors []ContributorBody `json:"contributors"`
	Freshness    *time.Time        `json:"freshness,omitempty" doc:"when the newest input of the score was recorded; absent without inputs"`
}

func scoreBody(s app.StoredScore) ScoreBody {
	b := ScoreBody{Day: s.Day.String(), Score: s.Score.Score, HasData: s.Score.HasData, Max: s.Score.Max, Final: s.Final,
		Explanation: s.Score.Explanation, Contributors: make([]ContributorBody, len(s.Score.Contributors))}
	for i, c := range s.Score.Contributors {
		b.Contributors[i] = ContributorBody{Component: string(c.Component), Weight: c.Weight, Share: c.Share, Value: c.Value,
			Present: c.Present, WarmingUp: c.WarmingUp}
	}
	if !s.Score.Freshness.IsZero() {
		t := s.Score.Freshness
		b.Freshness = &t
	}
	return b
}

// HabitDueBody is one habit on today's list.
type HabitDueBody struct {
	ID       int64   `json:"id"`
	Slug     string  `json:"slug"`
	Name     string  `json:"name"`
	Status   string  `json:"status" enum:"done,missed,not_due,paused,pending"`
	Value    float64 `json:"value" doc:"what counted towards the target so far"`
	Streak   int     `json:"streak"`
	AtRisk   bool    `json:"at_risk"`
	Strength float64 `json:"strength"`
}

// XPBody places a person on the level curve.
type XPBody struct {
	Total     int64 `json:"total"`
	Level     int   `json:"level"`
	IntoLevel int64 `json:"into_level"`
	ToNext    int64 `json:"to_next"`
}

// TodayBody is everything a person's day shows.
type TodayBody struct {
	Person   PersonRef          `json:"person"`
	Day      string             `json:"day" format:"date"`
	Score    ScoreBody          `json:"score"`
	Habits   []HabitDueBody     `json:"habits"`
	Timeline []TimelineItemBody `json:"timeline" doc:"today's routine items by planned time"`
	XP       XPBody             `json:"xp"`
	// SleepNotInYet is only sent when true.
	SleepNotInYet bool `json:"sleep_not_in_yet,omitempty" doc:"the person's Oura Ring is connected but last night's sleep has not arrived; the score leaves sleep out until it does"`
}

func todayBody(v app.TodayView, timeline []app.TimelineEntry) *TodayBody {
	p := v.Person
	b := &TodayBody{
		Person: PersonRef{ID: p.ID, Name: p.Name, Slug: p.Slug, Color: p.Color},
		Day:    v.Day.String(), Score: scoreBody(v.Score), Habits: make([]HabitDueBody, len(v.Habits)),
		Timeline:      timelineBody(timeline),
		XP:            XPBody{Total: v.TotalXP, Level: v.Level, IntoLevel: v.XPIntoLevel, ToNext: v.XPToNext},
		SleepNotInYet: v.SleepNotInYet,
	}
	for i, h := range v.Habits {
		b.Habits[i] = HabitDueBody{ID: h.Habit.ID, Slug: h.Habit.Slug, Name: h.Habit.Name, Status: string(h.Result.Status),
			Value: h.Result.Value, Streak: h.Streak.Current, AtRisk: h.Streak.AtRisk, Strength: h.Strength}
	}
	return b
}

// PersonRef names a person inside another resource.
type PersonRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Slug  string `json:"slug"`
	Color string `json:"color"`
}

type todayOutput struct {
	Body *TodayBody
}

// ScoreRange is the query of GET …/scores.
type ScoreRange struct {
	From string `query:"from" required:"true" format:"date" doc:"first day, inclusive"`
	To   string `query:"to" required:"true" format:"date" doc:"last day, inclusive; at most 366 days after from"`
}

func registerToday(api huma.API, svc *app.Service, cache *todayCache) {
	tags := []string{"today"}
	today := func(ctx context.Context, ref string) (*todayOutput, error) {
		b, err := cache.get(ctx, ref, func() (*TodayBody, error) {
			v, err := svc.PersonView(ctx, ref)
			if err != nil {
				return nil, err
			}
			return todayBody(v.Today, v.Timeline), nil
		})
		if err != nil {
			return nil, err
		}
		return &todayOutput{Body: b}, nil
	}
	op(api, scoped(huma.Operation{
		OperationID: "get-today", Method: http.MethodGet, Path: "/api/v1/people/{person}/today",
		Summary: "A person's day", Description: "The Daily Life Score with its contributors and explanation, the habits due, today's routine timeline and XP.",
		Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*todayOutput, error) {
		return today(ctx, in.Person)
	})
	op(api, guard(huma.Operation{
		OperationID: "get-today-default", Method: http.MethodGet, Path: "/api/today",
		Summary: "The default person's day", Description: "Alias of /api/v1/people/{person}/today for the token's own person, else the household's first person.",
		Tags: tags, Errors: []int{404},
	}, access{scope: app.ScopeRead, shared: true}), func(ctx context.Context, _ *struct{}) (*todayOutput, error) {
		if p, ok := principalFrom(ctx); ok && p.personID != nil {
			return today(ctx, strconv.FormatInt(*p.personID, 10))
		}
		people, err := svc.People(ctx)
		if err != nil {
			return nil, err
		}
		if len(people) == 0 {
			return nil, huma.Error404NotFound("the household has nobody yet: add a person first")
		}
		return today(ctx, strconv.FormatInt(people[0].Value.ID, 10))
	})
}

func registerScores(api huma.API, svc *app.Service) {
	op(api, scoped(huma.Operation{
		OperationID: "list-scores", Method: http.MethodGet, Path: "/api/v1/people/{person}/scores",
		Summary: "Score history", Description: "Every day between two days, oldest first: its score, or has_data false where nothing was recorded; page by moving the range.",
		Tags: []string{"today"}, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		ScoreRange
	}) (*struct{ Body ScoreList }, error) {
		from, err := domain.ParseDay(in.From)
		if err != nil {
			return nil, badParam("query.from", in.From, "must be a date YYYY-MM-DD")
		}
		to, err := domain.ParseDay(in.To)
		if err != nil {
			return nil, badParam("query.to", in.To, "must be a date YYYY-MM-DD")
		}
		if to.Before(from) || to.Sub(from) > 366 {
			return nil, badParam("query.to", in.To, "must be from 0 to 366 days after from")
		}
		scores, err := svc.ScoreHistory(ctx, in.Person, from, to)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body ScoreList }{}
		out.Body.Items = make([]ScoreBody, len(scores))
		for i, s := range scores {
			out.Body.Items[i] = scoreBody(s)
		}
		return out, nil
	})
}

// WeightsBody are the household's score weights. Only their ratios matter:
// a component without data is left out and the others renormalised.
type WeightsBody struct {
	Sleep       float64 `json:"sleep" minimum:"0" maximum:"1000"`
	Readiness   float64 `json:"readiness" minimum:"0" maximum:"1000"`
	Activity    float64 `json:"activity" minimum:"0" maximum:"1000"`
	Habits      float64 `json:"habits" minimum:"0" maximum:"1000"`
	Routine     float64 `json:"routine" minimum:"0" maximum:"1000"`
	Environment float64 `json:"environment" minimum:"0" maximum:"1000"`
	Mood        float64 `json:"mood" minimum:"0" maximum:"1000"`
}

func registerWeights(api huma.API, svc *app.Service) {
	tags := []string{"today"}
	op(api, guard(huma.Operation{
		OperationID: "get-score-weights", Method: http.MethodGet, Path: "/api/v1/household/score-weights",
		Summary: "The household's score weights", Description: "Weights of the Daily Life Score's components.", Tags: tags,
	}, access{scope: app.ScopeRead, shared: true}), func(ctx context.Context, _ *struct{}) (*struct{ Body WeightsBody }, error) {
		w, err := svc.ScoreWeights(ctx)
		if err != nil {
			return nil, err
		}
		return &struct{ Body WeightsBody }{Body: WeightsBody(w)}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "set-score-weights", Method: http.MethodPut, Path: "/api/v1/household/score-weights",
		Summary: "Change the household's score weights", Description: "Recomputes everyone's score of today; closed days keep theirs. At least one weight must be above 0.",
		Tags: tags, Errors: []int{422},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, in *struct{ Body WeightsBody }) (*struct{ Body WeightsBody }, error) {
		w, err := svc.SetScoreWeights(ctx, domain.ScoreWeights(in.Body))
		if err != nil {
			return nil, err
		}
		return &struct{ Body WeightsBody }{Body: WeightsBody(w)}, nil
	})
}

// ScoreList is a list of scores.
type ScoreList struct {
	Items []ScoreBody `json:"items"`
}
