package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
)

// InsightStore is what the insights use case reads: the per-day roll-ups of
// a person's facts and the sensors they link.
type InsightStore interface {
	PersonGet(ctx context.Context, ref string) (Versioned[domain.Person], error)
	PersonList(ctx context.Context) ([]Versioned[domain.Person], error)
	ActivityTypesCustom(ctx context.Context) ([]domain.ActivityType, error)
	// InsightFacts reads scores, ring measures, habit and routine days,
	// activity totals and moods of from … to (without activity names and
	// sensors).
	InsightFacts(ctx context.Context, personID int64, from, to domain.Day) (insight.Facts, error)
	InsightSensors(ctx context.Context, personID int64) ([]insight.SensorLink, error)
	// InsightSensorKeys lists every sensor anyone links, once each.
	InsightSensorKeys(ctx context.Context) ([]string, error)
	InsightSensorPut(ctx context.Context, personID int64, l insight.SensorLink) error
	// InsightSensorDelete is domain.ErrNotFound when no such link exists.
	InsightSensorDelete(ctx context.Context, personID int64, sensor string) error
	// InsightSensorNights summarises numeric sensors by night (without
	// names and units).
	InsightSensorNights(ctx context.Context, sensors []string, from, to domain.Day, loc *time.Location) ([]insight.SensorNight, error)
	// InsightSensorChanges lists a sensor's readings from the last one at
	// or before since up to until, oldest first.
	InsightSensorChanges(ctx context.Context, sensor string, since, until time.Time) ([]insight.StateChange, error)
}

// InsightAnalyzer tests a person's table of daily variables (internal/
// insights implements it with gonum; main wires it).
type InsightAnalyzer interface {
	Analyze(t insight.Table) insight.Analysis
}

// InsightsOptions wire Insights.
type InsightsOptions struct {
	Store    InsightStore
	Analyzer InsightAnalyzer
	Now      func() time.Time
	Location func() *time.Location
	// HistoryDays is how far back insights look; zero is DefaultInsightDays.
	HistoryDays int
	// Sinks hear of changed sensor links and of each nightly refresh.
	Sinks []EventSink
	// Interest works out again which sensors LifeOps reads after a link
	// changed (the Service, which announces it); nil: nobody follows.
	Interest interface {
		RefreshSensorInterest(ctx context.Context) error
	}
}

// DefaultInsightDays is two years: long enough for seasons, short enough
// that an old habit of life does not speak for today.
const DefaultInsightDays = 730

// Insights finds what goes with better sleep, mood and scores. Nothing it
// says is stored: every answer is computed from the facts, so an insight
// that stops holding disappears and there is nothing for verify to check.
type Insights struct {
	o       InsightsOptions
	sinksMu sync.RWMutex // sinks join while running (the MQTT bridge once the broker answers)
}

// NewInsights returns the insights use case.
func NewInsights(o InsightsOptions) *Insights {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = func() *time.Location { return time.Local }
	}
	if o.HistoryDays <= 0 {
		o.HistoryDays = DefaultInsightDays
	}
	return &Insights{o: o}
}

// PersonInsights is one person's analysis over From … To (closed days).
type PersonInsights struct {
	Person   domain.Person
	From, To domain.Day
	insight.Analysis
}

// Table lays out a person's daily variables over the closed days of the
// history window: the input of Analyze, and what tests recompute.
func (s *Insights) Table(ctx context.Context, person domain.Person) (insight.Table, error) {
	loc := s.o.Location()
	to := domain.DayOf(s.o.Now(), loc).Add(-1)
	from := to.Add(1 - s.o.HistoryDays)
	f, err := s.o.Store.InsightFacts(ctx, person.ID, from, to)
	if err != nil {
		return insight.Table{}, err
	}
	custom, err := s.o.Store.ActivityTypesCustom(ctx)
	if err != nil {
		return insight.Table{}, err
	}
	cat, err := domain.NewCatalogue(custom...)
	if err != nil {
		return insight.Table{}, err
	}
	for i, a := range f.Activities {
		f.Activities[i].Name, f.Activities[i].Unit = a.Type, ""
		if t, ok := cat.Lookup(a.Type); ok {
			f.Activities[i].Name, f.Activities[i].Unit = t.Name, string(t.Unit)
		}
	}
	links, err := s.o.Store.InsightSensors(ctx, person.ID)
	if err != nil {
		return insight.Table{}, err
	}
	var numeric []string
	byKey := map[string]insight.SensorLink{}
	for _, l := range links {
		byKey[l.Sensor] = l
		if l.Kind == insight.SensorNumeric {
			numeric = append(numeric, l.Sensor)
			continue
		}
		changes, err := s.o.Store.InsightSensorChanges(ctx, l.Sensor, from.Add(-1).Start(loc), to.End(loc))
		if err != nil {
			return insight.Table{}, fmt.Errorf("sensor %s: %w", l.Sensor, err)
		}
		until := to.End(loc)
		if now := s.o.Now(); now.Before(until) {
			until = now
		}
		for day, mins := range insight.NightOnMinutes(changes, from, to, loc, until) {
			f.Sensors = append(f.Sensors, insight.SensorNight{Sensor: l.Sensor, Name: l.Name, Unit: l.Unit, Binary: true, Day: day, OnMinutes: mins})
		}
	}
	nights, err := s.o.Store.InsightSensorNights(ctx, numeric, from, to, loc)
	if err != nil {
		return insight.Table{}, err
	}
	for _, n := range nights {
		l := byKey[n.Sensor]
		n.Name, n.Unit = l.Name, l.Unit
		f.Sensors = append(f.Sensors, n)
	}
	return insight.Build(f), nil
}

// Analyze tests a person's daily variables.
func (s *Insights) Analyze(ctx context.Context, personRef string) (PersonInsights, error) {
	p, err := s.o.Store.PersonGet(ctx, personRef)
	if err != nil {
		return PersonInsights{}, err
	}
	t, err := s.Table(ctx, p.Value)
	if err != nil {
		return PersonInsights{}, fmt.Errorf("insights of %s: %w", p.Value.Slug, err)
	}
	return PersonInsights{Person: p.Value, From: t.From, To: t.Day(t.Days - 1), Analysis: s.o.Analyzer.Analyze(t)}, nil
}

// InsightFilter narrows a person's insights.
type InsightFilter struct {
	// Variable keeps insights with this variable key on either side.
	Variable string
	// Lag keeps insights of this lag; nil keeps both.
	Lag *int
	// MinStrength keeps insights at least this strong; "" keeps all.
	MinStrength insight.Strength
}

// Validate names the filter's invalid fields.
func (f InsightFilter) Validate() error {
	var v domain.ValidationError
	if f.Lag != nil && (*f.Lag < 0 || *f.Lag > 1) {
		v.Add("lag", *f.Lag, "must be 0 (same day) or 1 (the next day)")
	}
	if f.MinStrength != "" && f.MinStrength.Rank() == 0 {
		v.Add("min_strength", f.MinStrength, "must be weak, moderate or strong")
	}
	if len(f.Variable) > 300 {
		v.Add("variable", len(f.Variable), "must be a variable key of at most 300 characters")
	}
	return v.Err()
}

// Keep reports whether in passes the filter.
func (f InsightFilter) Keep(in insight.Insight) bool {
	if f.Variable != "" && in.A.Key != f.Variable && in.B.Key != f.Variable {
		return false
	}
	if f.Lag != nil && in.Lag != *f.Lag {
		return false
	}
	return in.Strength.Rank() >= f.MinStrength.Rank()
}

// InsightSensors lists the sensors a person links.
func (s *Insights) InsightSensors(ctx context.Context, personRef string) ([]insight.SensorLink, error) {
	p, err := s.o.Store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.o.Store.InsightSensors(ctx, p.Value.ID)
}

// LinkedSensors lists every sensor anyone links: readings of these must
// be recorded, as those of the sensors evidence rules read are.
func (s *Insights) LinkedSensors(ctx context.Context) ([]string, error) {
	return s.o.Store.InsightSensorKeys(ctx)
}

// LinkSensor links a sensor to a person (replacing a link to the same
// sensor).
func (s *Insights) LinkSensor(ctx context.Context, personRef string, l insight.SensorLink) (insight.SensorLink, error) {
	l.Name, l.Room, l.Unit = strings.TrimSpace(l.Name), strings.TrimSpace(l.Room), strings.TrimSpace(l.Unit)
	if err := insight.ValidateSensorLink(l); err != nil {
		return l, err
	}
	p, err := s.o.Store.PersonGet(ctx, personRef)
	if err != nil {
		return l, err
	}
	if err := s.o.Store.InsightSensorPut(ctx, p.Value.ID, l); err != nil {
		return l, fmt.Errorf("link sensor %s: %w", l.Sensor, err)
	}
	s.publish(ctx, p.Value.ID, domain.EventDefinitionsChanged)
	s.refreshInterest(ctx)
	return l, nil
}

// UnlinkSensor removes a person's link to a sensor.
func (s *Insights) UnlinkSensor(ctx context.Context, personRef, sensor string) error {
	p, err := s.o.Store.PersonGet(ctx, personRef)
	if err != nil {
		return err
	}
	if err := s.o.Store.InsightSensorDelete(ctx, p.Value.ID, sensor); err != nil {
		return err
	}
	s.publish(ctx, p.Value.ID, domain.EventDefinitionsChanged)
	s.refreshInterest(ctx)
	return nil
}

// refreshInterest has the app work out again which sensors it reads; a
// failure is caught up by the next evidence tick.
func (s *Insights) refreshInterest(ctx context.Context) {
	if s.o.Interest != nil {
		_ = s.o.Interest.RefreshSensorInterest(ctx)
	}
}

// Refresh is the nightly job: it tells the sinks that every person's
// insights may have changed with the day that closed, so Home Assistant's
// insight sensors are recomputed once a day.
func (s *Insights) Refresh(ctx context.Context) error {
	people, err := s.o.Store.PersonList(ctx)
	if err != nil {
		return err
	}
	if len(people) > 0 {
		s.publish(ctx, 0)
	}
	return nil
}

// publish tells the sinks a person's insights changed; a change of the
// linked sensors is also a definitions change, so the sensor feeds record
// the sensors now linked.
func (s *Insights) publish(ctx context.Context, personID int64, also ...domain.EventKind) {
	ev := []domain.Event{{Kind: EventInsightsChanged, PersonID: personID, At: s.o.Now()}}
	for _, k := range also {
		ev = append(ev, domain.Event{Kind: k, PersonID: personID, At: s.o.Now()})
	}
	s.sinksMu.RLock()
	sinks := s.o.Sinks
	s.sinksMu.RUnlock()
	for _, sink := range sinks {
		sink.Publish(ctx, ev)
	}
}

// AddSink subscribes another sink; it is safe while use cases run.
func (s *Insights) AddSink(sink EventSink) {
	s.sinksMu.Lock()
	defer s.sinksMu.Unlock()
	s.o.Sinks = append(s.o.Sinks, sink)
}

// EventInsightsChanged says a person's insights may read differently (a
// sensor link changed, or a day closed).
const EventInsightsChanged domain.EventKind = "insights_changed"
