package app

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/lifeops/lifeops/internal/domain"
)

// sensorInterest is which sensors LifeOps reads: those enabled evidence
// rules read (the rules' filter in Observe) and, besides them, those people
// link for insights (recorded, not judged). The app decides it, once, for
// every adapter: it is worked out again after a use case changed the
// household's definitions (people, rules), after a sensor link changed,
// and on every evidence tick (which also brings in what another replica
// changed), and announced as sensor_interest_changed when it moved. The
// feeds (HA's entity feed, the MQTT sensor source) follow that event
// instead of polling.
type sensorInterest struct {
	mu       sync.Mutex
	loaded   bool
	evidence map[string]bool
	all      []string
}

// SensorInterest lists the sensors LifeOps reads now (rules and links),
// sorted: what a feed subscribes to when it starts.
func (s *Service) SensorInterest(ctx context.Context) ([]string, error) {
	s.interest.mu.Lock()
	defer s.interest.mu.Unlock()
	if !s.interest.loaded {
		if _, err := s.loadInterest(ctx); err != nil {
			return nil, err
		}
	}
	return slices.Clone(s.interest.all), nil
}

// RefreshSensorInterest works out which sensors LifeOps reads and, when
// that changed, announces it (sensor_interest_changed with the whole list).
func (s *Service) RefreshSensorInterest(ctx context.Context) error {
	s.interest.mu.Lock()
	defer s.interest.mu.Unlock()
	// The lock is held through the announcement, so two refreshes announce
	// in the order they read. Before the first read the list counts as
	// empty.
	changed, err := s.loadInterest(ctx)
	if err != nil || !changed {
		return err
	}
	s.emit(ctx, []domain.Event{{Kind: domain.EventSensorInterestChanged, At: s.now(),
		Interest: &domain.SensorInterestData{Sensors: slices.Clone(s.interest.all)}}})
	return nil
}

// loadInterest reads the rules' sensors and the links (s.interest.mu
// held) and reports whether the whole list changed.
func (s *Service) loadInterest(ctx context.Context) (bool, error) {
	rules, err := s.store.EvidenceSensors(ctx)
	if err != nil {
		return false, fmt.Errorf("evidence sensors: %w", err)
	}
	linked, err := s.store.InsightSensorKeys(ctx)
	if err != nil {
		return false, fmt.Errorf("linked sensors: %w", err)
	}
	evidence := make(map[string]bool, len(rules))
	for _, k := range rules {
		evidence[k] = true
	}
	all := append(slices.Clone(rules), linked...)
	slices.Sort(all)
	all = slices.Compact(all)
	changed := !slices.Equal(all, s.interest.all)
	s.interest.loaded, s.interest.evidence, s.interest.all = true, evidence, all
	return changed, nil
}

// evidenceSensors are the sensors enabled rules read (Observe's filter).
func (s *Service) evidenceSensors(ctx context.Context) (map[string]bool, error) {
	s.interest.mu.Lock()
	defer s.interest.mu.Unlock()
	if !s.interest.loaded {
		if _, err := s.loadInterest(ctx); err != nil {
			return nil, err
		}
	}
	return s.interest.evidence, nil
}

// afterDefinitions refreshes the interest after a committed use case that
// changed the household's definitions (a rule, a person).
func (s *Service) afterDefinitions(ctx context.Context, events []domain.Event) {
	for _, ev := range events {
		if ev.Kind == domain.EventDefinitionsChanged {
			if err := s.RefreshSensorInterest(ctx); err != nil {
				// The next evidence tick tries again.
				s.log.Warn().Err(err).Msg("sensor interest not refreshed")
			}
			return
		}
	}
}
