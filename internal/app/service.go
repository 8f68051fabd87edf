package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// EventSink receives domain events after the transaction that caused them
// has committed. Implementations must not block: they queue and return.
type EventSink interface {
	Publish(ctx context.Context, events []domain.Event)
}

// Options wire a Service.
type Options struct {
	Store  Store
	Logger zerolog.Logger
	// Now is the clock; tests pass a fake one.
	Now func() time.Time
	// Location is the household's time zone, asked on every use so a time
	// zone learnt from Home Assistant later takes effect without a restart.
	Location func() *time.Location
	// Sinks get every committed domain event.
	Sinks []EventSink
	// Tree is the stat tree, loaded once by main.
	Tree *character.Tree
}

// Service runs LifeOps' use cases. It keeps no state of its own between
// calls: everything lives in the Store, so replicas can share one database.
type Service struct {
	store        Store
	log          zerolog.Logger
	now          func() time.Time
	loc          func() *time.Location
	sinksMu      sync.RWMutex // sinks join while running (the MQTT bridge once the broker answers)
	sinks        []EventSink
	tree         *character.Tree
	achievements []domain.Achievement
	interest     sensorInterest // which sensors rules read and people link
}

// New returns a Service; zero options get production defaults.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = func() *time.Location { return time.Local }
	}
	if o.Tree == nil {
		panic("app: Options.Tree is required")
	}
	builtin, err := domain.BuiltinAchievements()
	if err != nil {
		// The definitions are embedded and tested; failing here is a build defect.
		panic(fmt.Sprintf("app: shipped achievements: %v", err))
	}
	return &Service{store: o.Store, log: o.Logger, now: o.Now, loc: o.Location, sinks: o.Sinks, tree: o.Tree, achievements: builtin}
}

// AddSink subscribes another sink; it is safe while use cases run.
func (s *Service) AddSink(sink EventSink) {
	s.sinksMu.Lock()
	defer s.sinksMu.Unlock()
	s.sinks = append(s.sinks, sink)
}

// changed notes that the household's shape changed (people, habits,
// routines), so Home Assistant's entities follow.
func (s *Service) changed(ev *[]domain.Event, personID int64) {
	*ev = append(*ev, domain.Event{Kind: domain.EventDefinitionsChanged, PersonID: personID, At: s.now()})
}

// touched notes that what changed for a person (0: everyone) in a way no
// other event of the use case announces, so every adapter that shows it
// hears of it after the commit instead of at its next full read.
func (s *Service) touched(ev *[]domain.Event, personID int64, what domain.Change) {
	*ev = append(*ev, domain.Event{Kind: domain.EventPersonChanged, PersonID: personID, At: s.now(),
		Changed: &domain.PersonChangedData{What: what}})
}

// ConnectionChanged announces that a connection (home_assistant, mqtt,
// oura) went up or down, so the diagnostic entities follow at once. It
// changes nothing stored.
func (s *Service) ConnectionChanged(ctx context.Context, name string, up bool) {
	s.emit(ctx, []domain.Event{{Kind: domain.EventConnectionChanged, At: s.now(), Connection: &domain.ConnectionData{Name: name, Up: up}}})
}

// today is the household's local day now.
func (s *Service) today() domain.Day { return domain.DayOf(s.now(), s.loc()) }

// Location is the household's time zone, which draws every day boundary.
func (s *Service) Location() *time.Location { return s.loc() }

// CurrentDay is today in the household's time zone.
func (s *Service) CurrentDay() domain.Day { return s.today() }

// tx runs fn in one transaction and publishes the events it collected only
// after the commit, so no one hears of a change that was rolled back.
func (s *Service) tx(ctx context.Context, fn func(tx Store, ev *[]domain.Event) error) error {
	var events []domain.Event
	err := s.inTx(ctx, func(tx Store) error {
		events = events[:0]
		return fn(tx, &events)
	})
	if err != nil {
		return err
	}
	s.emit(ctx, events)
	s.afterDefinitions(ctx, events)
	return nil
}

// emit hands committed events to every sink.
func (s *Service) emit(ctx context.Context, events []domain.Event) {
	if len(events) == 0 {
		return
	}
	s.sinksMu.RLock()
	sinks := s.sinks
	s.sinksMu.RUnlock()
	for _, sink := range sinks {
		sink.Publish(ctx, events)
	}
}
