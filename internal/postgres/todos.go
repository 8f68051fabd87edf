package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

var _ app.TodoStore = (*Store)(nil)

const todoColumns = `id, person_id, uid, name, title, notes, due_date, due_at, due_tz, done, completed_at, source,
	version, created_at, updated_at`

func scanTodo(row pgx.Row) (app.Versioned[domain.Todo], error) {
	var v app.Versioned[domain.Todo]
	t := &v.Value
	var dueDay *domain.Day
	var dueAt, completed *time.Time
	err := row.Scan(&t.ID, &t.PersonID, &t.UID, &t.Name, &t.Title, &t.Notes, &dueDay, &dueAt, &t.Due.Zone, &t.Done,
		&completed, &t.Source, &v.Version, &t.Created, &t.Updated)
	if dueDay != nil {
		t.Due.Day = *dueDay
	}
	if dueAt != nil {
		t.Due.At = *dueAt
	}
	if completed != nil {
		t.CompletedAt = *completed
	}
	return v, err
}

func todoDue(t domain.Todo) (day *domain.Day, at, completed *time.Time) {
	if !t.Due.Day.IsZero() {
		d := t.Due.Day
		day = &d
	}
	if !t.Due.At.IsZero() {
		a := t.Due.At
		at = &a
	}
	if !t.CompletedAt.IsZero() {
		c := t.CompletedAt
		completed = &c
	}
	return day, at, completed
}

// TodoInsert implements app.TodoStore.
func (s *Store) TodoInsert(ctx context.Context, t domain.Todo) (domain.Todo, error) {
	day, at, completed := todoDue(t)
	// A to-do made without a UID (through the API) gets one from its id,
	// so the same to-do always has the same UID and resource name.
	err := s.q.QueryRow(ctx, `WITH n AS (SELECT nextval(pg_get_serial_sequence('todos', 'id')) AS id)
		INSERT INTO todos (id, person_id, uid, name, title, notes, due_date, due_at, due_tz, done, completed_at,
		source, created_at, updated_at) OVERRIDING SYSTEM VALUE
		SELECT n.id, $1, COALESCE(NULLIF($2, ''), 'lifeops-todo-' || n.id),
			COALESCE(NULLIF($3, ''), COALESCE(NULLIF($2, ''), 'lifeops-todo-' || n.id) || '.ics'),
			$4, $5, $6, $7, $8, $9, $10, $11, $12, $12 FROM n
		RETURNING id, uid, name`,
		t.PersonID, t.UID, t.Name, t.Title, t.Notes, day, at, t.Due.Zone, t.Done, completed, t.Source, t.Created).Scan(&t.ID, &t.UID, &t.Name)
	switch {
	case uniqueViolation(err, "todos_person_id_uid_key"):
		return t, fmt.Errorf("a to-do with UID %q exists: %w", t.UID, domain.ErrConflict)
	case uniqueViolation(err, "todos_person_id_name_key"):
		return t, fmt.Errorf("a to-do named %q exists: %w", t.Name, domain.ErrConflict)
	case err != nil:
		return t, fmt.Errorf("insert to-do: %w", err)
	}
	return t, nil
}

// TodoGet implements app.TodoStore.
func (s *Store) TodoGet(ctx context.Context, personID, id int64, lock bool) (app.Versioned[domain.Todo], error) {
	q := "SELECT " + todoColumns + " FROM todos WHERE person_id = $1 AND id = $2"
	if lock && s.inTx {
		q += " FOR UPDATE"
	}
	v, err := scanTodo(s.q.QueryRow(ctx, q, personID, id))
	return v, notFound(err, fmt.Sprintf("to-do %d", id))
}

// TodoByName implements app.TodoStore.
func (s *Store) TodoByName(ctx context.Context, personID int64, name string) (app.Versioned[domain.Todo], error) {
	v, err := scanTodo(s.q.QueryRow(ctx, "SELECT "+todoColumns+" FROM todos WHERE person_id = $1 AND name = $2", personID, name))
	return v, notFound(err, fmt.Sprintf("to-do %q", name))
}

// TodoList implements app.TodoStore.
func (s *Store) TodoList(ctx context.Context, personID int64) ([]app.Versioned[domain.Todo], error) {
	rows, err := s.q.Query(ctx, "SELECT "+todoColumns+" FROM todos WHERE person_id = $1 ORDER BY done, id", personID)
	if err != nil {
		return nil, fmt.Errorf("list to-dos: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Versioned[domain.Todo], error) { return scanTodo(r) })
	if err != nil {
		return nil, fmt.Errorf("list to-dos: %w", err)
	}
	return list, nil
}

// TodoUpdate implements app.TodoStore.
func (s *Store) TodoUpdate(ctx context.Context, t domain.Todo, version int) (int, error) {
	day, at, completed := todoDue(t)
	var next int
	err := s.q.QueryRow(ctx, `UPDATE todos SET title = $3, notes = $4, due_date = $5, due_at = $6, due_tz = $7, done = $8,
		completed_at = $9, source = $10, version = version + 1, updated_at = $12
		WHERE person_id = $1 AND id = $2 AND version = $11 RETURNING version`,
		t.PersonID, t.ID, t.Title, t.Notes, day, at, t.Due.Zone, t.Done, completed, t.Source, version, t.Updated).Scan(&next)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := s.TodoGet(ctx, t.PersonID, t.ID, false); gerr != nil {
			return 0, gerr
		}
		return 0, fmt.Errorf("to-do %d changed meanwhile: %w", t.ID, domain.ErrPrecondition)
	}
	if err != nil {
		return 0, fmt.Errorf("update to-do %d: %w", t.ID, err)
	}
	return next, nil
}

// TodoDelete implements app.TodoStore.
func (s *Store) TodoDelete(ctx context.Context, personID, id int64, version int) error {
	tag, err := s.q.Exec(ctx, "DELETE FROM todos WHERE person_id = $1 AND id = $2 AND ($3 = 0 OR version = $3)", personID, id, version)
	if err != nil {
		return fmt.Errorf("delete to-do %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		if _, gerr := s.TodoGet(ctx, personID, id, false); gerr != nil {
			return gerr
		}
		return fmt.Errorf("to-do %d changed meanwhile: %w", id, domain.ErrPrecondition)
	}
	return nil
}
