package discovery

import (
	"context"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
)

// InsightSource is what the bridge reads of a person's insights.
type InsightSource interface {
	Analyze(ctx context.Context, person string) (app.PersonInsights, error)
}

var _ InsightSource = (*app.Insights)(nil)

// TopInsights is how many insights the insight sensor carries as attributes.
const TopInsights = 5

// maxStateLen is Home Assistant's limit on a state's length; a longer
// sentence is cut (the whole one is in the attributes).
const maxStateLen = 255

// InsightsState is a person's strongest insights, for the insight sensor.
type InsightsState struct {
	Top   []InsightState
	Pairs int // pairs tested
}

// InsightState is one insight as the sensor's attributes show it.
type InsightState struct {
	ID         string  `json:"id"`
	Sentence   string  `json:"sentence"`
	Strength   string  `json:"strength"`
	Lag        int     `json:"lag"`
	Variable   string  `json:"variable"`
	Outcome    string  `json:"outcome"`
	Difference float64 `json:"difference"`
	Unit       string  `json:"unit"`
	Days       int     `json:"days"`
}

// NewInsightsState keeps the strongest TopInsights of an analysis.
func NewInsightsState(a insight.Analysis) *InsightsState {
	s := &InsightsState{Pairs: a.Pairs, Top: []InsightState{}}
	for i, in := range a.Insights {
		if i == TopInsights {
			break
		}
		diff, _ := strconv.ParseFloat(strconv.FormatFloat(in.Difference, 'f', 1, 64), 64)
		s.Top = append(s.Top, InsightState{ID: in.ID(), Sentence: in.Sentence(), Strength: string(in.Strength), Lag: in.Lag,
			Variable: in.A.Name, Outcome: in.B.Name, Difference: diff, Unit: in.B.Unit, Days: in.Days})
	}
	return s
}

// insightMessages are the insight sensor's state and attributes: the
// strongest insight's sentence, and the top five.
func insightMessages(t personTopics, s *InsightsState, raw func(topic, payload string), attrs func(topic string, v any)) {
	key := "insights/top"
	if s == nil {
		raw(t.state(key), PayloadNone)
		attrs(t.attributes(key), map[string]any{})
		return
	}
	state := "No insight yet"
	if len(s.Top) > 0 {
		state = s.Top[0].Sentence
		if utf8.RuneCountInString(state) > maxStateLen {
			state = string([]rune(state)[:maxStateLen-1]) + "…"
		}
	}
	raw(t.state(key), state)
	attrs(t.attributes(key), map[string]any{"insights": s.Top, "pairs_tested": s.Pairs})
}

// insightsMaxAge bounds how long the bridge keeps a person's insights
// without hearing they changed. The nightly job's event refreshes them on
// the replica that ran it; on any other replica this bound does.
const insightsMaxAge = 6 * time.Hour

// cachedInsights is one person's insights and when they were computed.
type cachedInsights struct {
	state *InsightsState
	at    time.Time
}

// insightsOf is a person's insight state: from the bridge's cache while
// nothing said it changed and it is recent (an analysis reads two years of
// facts, too much for every refresh), else computed anew. A failure keeps
// the last state.
func (b *Bridge) insightsOf(ctx context.Context, personID int64, ref string) *InsightsState {
	if b.o.Insights == nil {
		return nil
	}
	now := b.o.Now()
	b.mu.Lock()
	c, ok := b.insights[personID]
	b.mu.Unlock()
	if ok && now.Sub(c.at) < insightsMaxAge {
		return c.state
	}
	res, err := b.o.Insights.Analyze(ctx, ref)
	if err != nil {
		b.o.Logger.Warn().Err(err).Int64("person", personID).Msg("entity bridge: insights not computed")
		return c.state
	}
	c = cachedInsights{state: NewInsightsState(res.Analysis), at: now}
	b.mu.Lock()
	b.insights[personID] = c
	b.mu.Unlock()
	return c.state
}

// forgetInsights drops the cached insights ev says changed (everyone's when
// it names no one). Call with b.mu held.
func (b *Bridge) forgetInsights(ev domain.Event) {
	if ev.Kind != app.EventInsightsChanged {
		return
	}
	if ev.PersonID == 0 {
		clear(b.insights)
		return
	}
	delete(b.insights, ev.PersonID)
}
