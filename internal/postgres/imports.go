package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// ImportInsert implements app.ImportStore.
func (s *Store) ImportInsert(ctx context.Context, personID int64, source string, first domain.Day, summary string) (int64, error) {
	var id int64
	err := s.q.QueryRow(ctx, "INSERT INTO imports (person_id, source, first_day, summary) VALUES ($1, $2, $3, $4) RETURNING id",
		personID, source, first, summary).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert import: %w", err)
	}
	return id, nil
}

// ImportHabitLink implements app.ImportStore.
func (s *Store) ImportHabitLink(ctx context.Context, importID, habitID int64) error {
	_, err := s.q.Exec(ctx, "INSERT INTO import_habits (import_id, habit_id) VALUES ($1, $2)", importID, habitID)
	return err
}

// ImportGet implements app.ImportStore.
func (s *Store) ImportGet(ctx context.Context, personID, id int64) (app.ImportRecord, error) {
	var r app.ImportRecord
	err := s.q.QueryRow(ctx, "SELECT id, person_id, source, first_day, created_at FROM imports WHERE person_id = $1 AND id = $2",
		personID, id).Scan(&r.ID, &r.PersonID, &r.Source, &r.First, &r.At)
	if err != nil {
		return r, notFound(err, "import "+strconv.FormatInt(id, 10))
	}
	return r, nil
}

// ImportDelete implements app.ImportStore: the import's habits go, and
// with them (by cascade) their check-ins, pauses, days and links.
func (s *Store) ImportDelete(ctx context.Context, id int64) error {
	if _, err := s.q.Exec(ctx, "DELETE FROM habits WHERE id IN (SELECT habit_id FROM import_habits WHERE import_id = $1)", id); err != nil {
		return fmt.Errorf("delete habits of import %d: %w", id, err)
	}
	if _, err := s.q.Exec(ctx, "DELETE FROM imports WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete import %d: %w", id, err)
	}
	return nil
}

// ImportHabits implements app.ImportStore.
func (s *Store) ImportHabits(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.q.Query(ctx, "SELECT habit_id FROM import_habits WHERE import_id = $1 ORDER BY habit_id", id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
