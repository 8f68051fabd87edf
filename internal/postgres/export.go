package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// exportSkipped are person tables a person's export leaves out: credentials
// (hashed tokens, pairing codes, the sealed Oura token) and short-lived
// OAuth state. They belong to this installation, not to the person.
var exportSkipped = map[string]bool{"api_tokens": true, "pairing_codes": true, "oura_tokens": true, "oura_states": true}

// personTable is a table with rows of one person and how to find them.
type personTable struct {
	tableInfo
	where string // a condition on the table's rows, with $1 the person's id
}

// personTables lists, parents first, the tables that hold a person's rows:
// people itself, every table with a person_id, and tables whose rows hang
// off one of those by a single-column foreign key (a habit's days, a
// routine's items, a goal's milestones). Tables a later migration adds are
// found the same way.
func personTables(ctx context.Context, q querier) ([]personTable, error) {
	all, err := schemaTables(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `
		SELECT c.relname, a.attname, p.relname, pa.attname
		  FROM pg_constraint f
		  JOIN pg_class c ON c.oid = f.conrelid
		  JOIN pg_class p ON p.oid = f.confrelid
		  JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = f.conkey[1]
		  JOIN pg_attribute pa ON pa.attrelid = f.confrelid AND pa.attnum = f.confkey[1]
		 WHERE f.contype = 'f' AND array_length(f.conkey, 1) = 1 AND c.relnamespace = current_schema()::regnamespace
		 ORDER BY c.relname, a.attname`)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	type fk struct{ col, parent, parentCol string }
	fks := map[string][]fk{}
	for rows.Next() {
		var child string
		var k fk
		if err := rows.Scan(&child, &k.col, &k.parent, &k.parentCol); err != nil {
			rows.Close()
			return nil, err
		}
		fks[child] = append(fks[child], k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	where := map[string]string{}
	var out []personTable
	for _, t := range all { // parents first, so a child finds its parent's condition
		if exportSkipped[t.name] {
			continue
		}
		var cond string
		switch {
		case t.name == "people":
			cond = "id = $1"
		case contains(t.columns, "person_id"):
			cond = "person_id = $1"
		default:
			for _, k := range fks[t.name] {
				if pc, ok := where[k.parent]; ok && k.parent != "people" {
					cond = fmt.Sprintf("%s IN (SELECT %s FROM %s WHERE %s)", pgx.Identifier{k.col}.Sanitize(),
						pgx.Identifier{k.parentCol}.Sanitize(), pgx.Identifier{k.parent}.Sanitize(), pc)
					break
				}
			}
		}
		if cond == "" {
			continue
		}
		where[t.name] = cond
		out = append(out, personTable{tableInfo: t, where: cond})
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PersonDump implements app.ExportStore: every row about the person, table
// by table, each row a JSON object of its stored columns, in primary key
// order; read in one snapshot.
func (s *Store) PersonDump(ctx context.Context, personID int64) (app.PersonDump, error) {
	dump := app.PersonDump{Format: app.PersonDumpFormat}
	err := s.InTx(ctx, func(txs app.Store) error {
		tx := txs.(*Store)
		if _, err := tx.q.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
			return err
		}
		tables, err := personTables(ctx, tx.q)
		if err != nil {
			return err
		}
		dump.Tables = dump.Tables[:0]
		for _, t := range tables {
			order := quoteAll(t.order)
			if len(order) == 0 {
				order = quoteAll(t.columns)
			}
			sql := fmt.Sprintf("SELECT json_build_object(%s)::text FROM %s WHERE %s ORDER BY %s",
				jsonPairs(t.columns), pgx.Identifier{t.name}.Sanitize(), t.where, strings.Join(order, ", "))
			rows, err := tx.q.Query(ctx, sql, personID)
			if err != nil {
				return fmt.Errorf("export %s: %w", t.name, err)
			}
			texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return fmt.Errorf("export %s: %w", t.name, err)
			}
			dt := app.DumpTable{Name: t.name, Columns: t.columns, Rows: make([]json.RawMessage, len(texts))}
			for i, r := range texts {
				dt.Rows[i] = json.RawMessage(r)
			}
			if t.name == "people" && len(texts) == 0 {
				return fmt.Errorf("person %d: %w", personID, domain.ErrNotFound)
			}
			dump.Tables = append(dump.Tables, dt)
		}
		return nil
	})
	return dump, err
}

func jsonPairs(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("'%s', %s", strings.ReplaceAll(c, "'", "''"), pgx.Identifier{c}.Sanitize())
	}
	return strings.Join(parts, ", ")
}

// PersonRestore implements app.ExportStore: it writes a dump's rows back
// with their ids, in one transaction, parents first. A row whose id is taken
// (the person exists here already) refuses the whole restore.
func (s *Store) PersonRestore(ctx context.Context, dump app.PersonDump) error {
	return s.InTx(ctx, func(txs app.Store) error {
		tx := txs.(*Store)
		tables, err := personTables(ctx, tx.q)
		if err != nil {
			return err
		}
		known := map[string]personTable{}
		order := map[string]int{}
		for i, t := range tables {
			known[t.name], order[t.name] = t, i
		}
		sorted := append([]app.DumpTable(nil), dump.Tables...)
		for _, dt := range sorted {
			if _, ok := known[dt.Name]; !ok {
				return domain.Invalid("tables", dt.Name, "is not a table of a person in this LifeOps (a newer version's export?)")
			}
		}
		sort.SliceStable(sorted, func(i, j int) bool { return order[sorted[i].Name] < order[sorted[j].Name] })
		for _, dt := range sorted {
			if len(dt.Rows) == 0 {
				continue
			}
			t := known[dt.Name]
			cols := quoteAll(t.columns)
			arr, err := json.Marshal(dt.Rows)
			if err != nil {
				return err
			}
			sql := fmt.Sprintf("INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM json_populate_recordset(NULL::%s, $1::json)",
				pgx.Identifier{t.name}.Sanitize(), strings.Join(cols, ", "), strings.Join(cols, ", "), pgx.Identifier{t.name}.Sanitize())
			if _, err := tx.q.Exec(ctx, sql, string(arr)); err != nil {
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "23505" {
					return fmt.Errorf("table %s: %s: this LifeOps has rows with the same ids (restore a person into a LifeOps that does not have them): %w",
						t.name, pe.Detail, domain.ErrConflict)
				}
				return fmt.Errorf("restore %s: %w", t.name, err)
			}
			for _, col := range t.serials {
				q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), (SELECT max(%s) FROM %s))",
					pgx.Identifier{col}.Sanitize(), pgx.Identifier{t.name}.Sanitize())
				if _, err := tx.q.Exec(ctx, q, t.name, col); err != nil {
					return fmt.Errorf("restore %s: sequence of %s: %w", t.name, col, err)
				}
			}
		}
		return nil
	})
}
