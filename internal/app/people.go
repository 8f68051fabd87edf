package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeops/lifeops/internal/domain"
)

// PersonInput is what a caller may set on a person.
type PersonInput struct {
	Name     string
	Slug     string // empty: derived from Name
	EntityID string
	Color    string // empty: picked from a palette
	HAUserID string // the HA user who is this person; empty: none
}

// palette gives people distinct colours until they choose their own.
var palette = [...]string{"#03a9f4", "#ff9800", "#4caf50", "#e91e63", "#9c27b0", "#009688", "#795548", "#3f51b5"}

// CreatePerson adds someone to the household.
func (s *Service) CreatePerson(ctx context.Context, in PersonInput) (Versioned[domain.Person], error) {
	p := domain.Person{Name: strings.TrimSpace(in.Name), Slug: in.Slug, EntityID: in.EntityID, Color: strings.ToLower(in.Color), HAUserID: strings.TrimSpace(in.HAUserID)}
	if p.Slug == "" {
		p.Slug = domain.Slugify(p.Name)
	}
	var out Versioned[domain.Person]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		if p.Color == "" {
			people, err := tx.PersonList(ctx)
			if err != nil {
				return err
			}
			p.Color = palette[len(people)%len(palette)]
		}
		if err := domain.ValidatePerson(p); err != nil {
			return err
		}
		created, err := tx.PersonInsert(ctx, p)
		if err != nil {
			return err
		}
		out = Versioned[domain.Person]{Value: created, Version: 1}
		s.changed(ev, created.ID)
		return nil
	})
	return out, err
}

// Person finds a person by id or slug.
func (s *Service) Person(ctx context.Context, ref string) (Versioned[domain.Person], error) {
	return s.store.PersonGet(ctx, ref)
}

// People lists the household, oldest first.
func (s *Service) People(ctx context.Context) ([]Versioned[domain.Person], error) {
	return s.store.PersonList(ctx)
}

// PersonPatch changes some of a person's fields; nil leaves a field alone.
type PersonPatch struct {
	Name     *string
	Slug     *string
	EntityID *string
	Color    *string
	HAUserID *string // "" unlinks
}

// UpdatePerson applies patch when the person's version is still ifVersion
// (0 skips the check). A rename keeps the id, so entities built from it
// survive.
func (s *Service) UpdatePerson(ctx context.Context, ref string, patch PersonPatch, ifVersion int) (Versioned[domain.Person], error) {
	var out Versioned[domain.Person]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		cur, err := tx.PersonGet(ctx, ref)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Person %q", cur.Value.Name), cur.Version, ifVersion)
		}
		p := cur.Value
		if patch.Name != nil {
			p.Name = strings.TrimSpace(*patch.Name)
		}
		if patch.Slug != nil {
			p.Slug = *patch.Slug
		}
		if patch.EntityID != nil {
			p.EntityID = *patch.EntityID
		}
		if patch.HAUserID != nil {
			p.HAUserID = strings.TrimSpace(*patch.HAUserID)
		}
		if patch.Color != nil {
			p.Color = strings.ToLower(*patch.Color)
		}
		if err := domain.ValidatePerson(p); err != nil {
			return err
		}
		v, err := tx.PersonUpdate(ctx, p, cur.Version)
		if err != nil {
			return err
		}
		out = Versioned[domain.Person]{Value: p, Version: v}
		s.changed(ev, p.ID)
		return nil
	})
	return out, err
}

// DeletePerson removes a person and everything recorded about them.
func (s *Service) DeletePerson(ctx context.Context, ref string) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		cur, err := tx.PersonGet(ctx, ref)
		if err != nil {
			return err
		}
		s.changed(ev, cur.Value.ID)
		return tx.PersonDelete(ctx, cur.Value.ID)
	})
}
