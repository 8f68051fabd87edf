package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

const personColumns = "id, name, slug, coalesce(entity_id, ''), color, coalesce(ha_user_id, ''), version"

func scanPerson(row pgx.Row) (app.Versioned[domain.Person], error) {
	var v app.Versioned[domain.Person]
	p := &v.Value
	err := row.Scan(&p.ID, &p.Name, &p.Slug, &p.EntityID, &p.Color, &p.HAUserID, &v.Version)
	return v, err
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// PersonInsert implements app.PersonStore.
func (s *Store) PersonInsert(ctx context.Context, p domain.Person) (domain.Person, error) {
	if err := s.slugFree(ctx, p.Slug, 0); err != nil {
		return p, err
	}
	err := s.q.QueryRow(ctx,
		"INSERT INTO people (name, slug, entity_id, color, ha_user_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		p.Name, p.Slug, nullIfEmpty(p.EntityID), p.Color, nullIfEmpty(p.HAUserID)).Scan(&p.ID)
	if uniqueViolation(err, "people_slug_key") {
		return p, slugTaken(p.Slug, "another person")
	}
	if uniqueViolation(err, "people_ha_user_id_key") {
		return p, errHAUserTaken(p.HAUserID)
	}
	if err != nil {
		return p, fmt.Errorf("insert person: %w", err)
	}
	_, err = s.q.Exec(ctx, "INSERT INTO person_progress (person_id) VALUES ($1)", p.ID)
	return p, err
}

// PersonGet implements app.PersonStore: ref is an id or a slug.
func (s *Store) PersonGet(ctx context.Context, ref string) (app.Versioned[domain.Person], error) {
	var row pgx.Row
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		row = s.q.QueryRow(ctx, "SELECT "+personColumns+" FROM people WHERE id = $1", id)
	} else {
		row = s.q.QueryRow(ctx, "SELECT "+personColumns+" FROM people WHERE slug = $1", ref)
	}
	v, err := scanPerson(row)
	if !errors.Is(err, pgx.ErrNoRows) {
		return v, notFound(err, "person "+strconv.Quote(ref))
	}
	// Not an id or slug as stored: the name as people say it.
	all, lerr := s.PersonList(ctx)
	if lerr != nil {
		return v, lerr
	}
	people := make([]domain.Person, len(all))
	for i, p := range all {
		people[i] = p.Value
	}
	p, ferr := domain.FindPerson(people, ref)
	if ferr != nil {
		return v, ferr
	}
	return all[slices.IndexFunc(people, func(q domain.Person) bool { return q.ID == p.ID })], nil
}

// slugFree is nil when no person other than id has slug, else the
// refusal naming who has it. (Asked before the write: after a unique
// violation the transaction can run no other query.)
func (s *Store) slugFree(ctx context.Context, slug string, id int64) error {
	var name string
	err := s.q.QueryRow(ctx, "SELECT name FROM people WHERE slug = $1 AND id <> $2", slug, id).Scan(&name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return slugTaken(slug, name)
}

func slugTaken(slug, name string) error {
	return domain.Conflict("The slug %q is already used by %s. Choose another.", slug, name)
}

// PersonList implements app.PersonStore.
func (s *Store) PersonList(ctx context.Context) ([]app.Versioned[domain.Person], error) {
	rows, err := s.q.Query(ctx, "SELECT "+personColumns+" FROM people ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[domain.Person], error) { return scanPerson(r) })
}

// PersonUpdate implements app.PersonStore.
func (s *Store) PersonUpdate(ctx context.Context, p domain.Person, version int) (int, error) {
	if err := s.slugFree(ctx, p.Slug, p.ID); err != nil {
		return 0, err
	}
	var next int
	err := s.q.QueryRow(ctx, `
		UPDATE people SET name = $2, slug = $3, entity_id = $4, color = $5, ha_user_id = $7, version = version + 1, updated_at = now()
		 WHERE id = $1 AND version = $6 RETURNING version`,
		p.ID, p.Name, p.Slug, nullIfEmpty(p.EntityID), p.Color, version, nullIfEmpty(p.HAUserID)).Scan(&next)
	switch {
	case uniqueViolation(err, "people_slug_key"):
		return 0, slugTaken(p.Slug, "another person")
	case uniqueViolation(err, "people_ha_user_id_key"):
		return 0, errHAUserTaken(p.HAUserID)
	case err == pgx.ErrNoRows:
		return 0, fmt.Errorf("person %d changed meanwhile: %w", p.ID, domain.ErrPrecondition)
	case err != nil:
		return 0, fmt.Errorf("update person %d: %w", p.ID, err)
	}
	return next, nil
}

// PersonDelete implements app.PersonStore; their data goes with them
// (ON DELETE CASCADE).
func (s *Store) PersonDelete(ctx context.Context, id int64) error {
	tag, err := s.q.Exec(ctx, "DELETE FROM people WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("delete person %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("person %d: %w", id, domain.ErrNotFound)
	}
	return nil
}

// PersonMarkDemo implements app.PersonStore.
func (s *Store) PersonMarkDemo(ctx context.Context, id int64) error {
	_, err := s.q.Exec(ctx, "UPDATE people SET demo = true WHERE id = $1", id)
	return err
}

// PersonDeleteDemo implements app.PersonStore; everything recorded about the
// demo people goes with them (ON DELETE CASCADE).
func (s *Store) PersonDeleteDemo(ctx context.Context) (int, error) {
	tag, err := s.q.Exec(ctx, "DELETE FROM people WHERE demo")
	return int(tag.RowsAffected()), err
}

// errHAUserTaken refuses linking an HA user a second person already has.
func errHAUserTaken(id string) error {
	return domain.Invalid("ha_user_id", id, "is already linked to another person; unlink it there first")
}
