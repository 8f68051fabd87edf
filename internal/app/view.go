package app

import (
	"context"

	"github.com/lifeops/lifeops/internal/domain"
)

// PersonView is what the adapters show of one person: today with the
// score and the habits with their streaks, the character sheet, and
// today's timeline. The MQTT entities, GET …/today and the panel all map
// from it, so none re-derives what the app computed. It only reads.
type PersonView struct {
	Today     TodayView
	Character CharacterView
	Timeline  []TimelineEntry
}

// Person is the person the view is of.
func (v PersonView) Person() domain.Person { return v.Today.Person }

// PersonView reads everything a person's entities and pages show in one
// pass: the person, their progress and their allocations are read once and
// shared by today (level, streak modifiers) and the character sheet. It
// opens no transaction.
func (s *Service) PersonView(ctx context.Context, personRef string) (PersonView, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return PersonView{}, err
	}
	prog, err := s.store.ProgressGet(ctx, p.Value.ID)
	if err != nil {
		return PersonView{}, err
	}
	nodes, err := s.store.Allocations(ctx, p.Value.ID)
	if err != nil {
		return PersonView{}, err
	}
	allocated := nodeIDs(nodes)
	lastRespec, err := s.store.LastRespec(ctx, p.Value.ID)
	if err != nil {
		return PersonView{}, err
	}
	var v PersonView
	if v.Today, err = s.todayFrom(ctx, s.store, p.Value, prog, allocated); err != nil {
		return v, err
	}
	v.Character = s.characterFrom(p.Value, prog, allocated, lastRespec)
	v.Timeline, err = s.timelineOf(ctx, p.Value.ID, v.Today.Day)
	return v, err
}
