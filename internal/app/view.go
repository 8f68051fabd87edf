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
// pass: the person is looked up once, and each part reads only what it
// adds. It opens no transaction.
func (s *Service) PersonView(ctx context.Context, personRef string) (PersonView, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return PersonView{}, err
	}
	var v PersonView
	if v.Today, err = s.todayOf(ctx, s.store, p.Value); err != nil {
		return v, err
	}
	if v.Character, err = s.characterView(ctx, s.store, p.Value); err != nil {
		return v, err
	}
	v.Timeline, err = s.timelineOf(ctx, p.Value.ID, v.Today.Day)
	return v, err
}
