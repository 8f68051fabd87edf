package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func loopFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/loop/loop-export.zip")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func countRows(t *testing.T, f *fixture, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportLoopMatchesLoopsScores imports three years of a Loop export and
// compares every day's strength of each daily habit with Loop's Scores.csv,
// and the streak on the last day with Loop's; imported days pay no XP; a dry
// run and an undo leave nothing behind, and nothing else is touched.
func TestImportLoopMatchesLoopsScores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := loopFixture(t)
	var want struct {
		LastDay string         `json:"last_day"`
		Streaks map[string]int `json:"streaks"`
	}
	b, err := os.ReadFile("testdata/loop/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, at(2026, 3, 10, 12, 0, 0))
	p := f.person(t, "Lou")
	own := f.habit(t, "lou", "Read", domain.NewDay(2026, 3, 8))
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "lou", Habit: "read"}); err != nil {
		t.Fatal(err)
	}
	xpBefore := personXP(t, f, p.ID)
	ledgerBefore := countRows(t, f, "SELECT COALESCE(max(id), 0) FROM xp_ledger")

	dry, err := f.svc.ImportLoop(ctx, "lou", data, true)
	if err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun || len(dry.Habits) != 6 || dry.CheckIns == 0 || dry.ImportID != 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if n := countRows(t, f, "SELECT count(*) FROM habits WHERE person_id = $1", p.ID); n != 1 {
		t.Fatalf("dry run left %d habits", n)
	}

	rep, err := f.svc.ImportLoop(ctx, "lou", data, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.CheckIns != dry.CheckIns || len(rep.Habits) != 6 || len(rep.Skipped) != 1 || !strings.HasPrefix(rep.Skipped[0], "Sugar") || len(rep.Notes) != 1 {
		t.Fatalf("report: %+v", rep)
	}
	// Imported days pay nothing: no check-in or habit-day XP, and no
	// achievement XP: a streak achievement the imported streak reaches
	// unlocks from history, with 0 XP (docs/rules.md).
	rows, err := f.pool.Query(ctx, "SELECT source_kind, source_id, amount FROM xp_ledger WHERE person_id = $1 AND id > $2 AND amount > 0", p.ID, ledgerBefore)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind, src string
		var amount int
		if err := rows.Scan(&kind, &src, &amount); err != nil {
			t.Fatal(err)
		}
		t.Errorf("the import paid %s %s: %d XP", kind, src, amount)
	}
	if got := personXP(t, f, p.ID); got != xpBefore {
		t.Errorf("XP %d after the import, want %d as before", got, xpBefore)
	}
	achs, err := f.svc.Achievements(ctx, "lou")
	if err != nil {
		t.Fatal(err)
	}
	fromHistory := 0
	for _, a := range achs {
		if a.UnlockedAt != nil && strings.HasPrefix(a.Key, "streak_") {
			if !a.FromHistory {
				t.Errorf("%s unlocked by the imported streak is not from history", a.Key)
			}
			fromHistory++
		}
	}
	if fromHistory == 0 {
		t.Error("the imported streak unlocked no streak achievement from history")
	}
	exp, err := app.ParseLoopExport(data)
	if err != nil {
		t.Fatal(err)
	}
	last, _ := domain.ParseDay(want.LastDay)
	compared, maxDiff := 0, 0.0
	for _, item := range rep.Habits {
		wantStreak, daily := want.Streaks[item.Name]
		if !daily {
			continue
		}
		rows, err := f.store.HabitDays(ctx, item.HabitID, domain.NewDay(2020, 1, 1), last)
		if err != nil {
			t.Fatal(err)
		}
		loop := exp.Scores[item.Name]
		for _, r := range rows {
			ls, ok := loop[r.Day]
			if !ok {
				continue
			}
			compared++
			maxDiff = math.Max(maxDiff, math.Abs(r.Strength.Score-ls))
			if math.Abs(r.Strength.Score-ls) > 1e-3 {
				t.Fatalf("%s on %s: strength %.6f, Loop %.6f", item.Name, r.Day, r.Strength.Score, ls)
			}
		}
		if end := rows[len(rows)-1]; end.Day != last || end.Streak.Current != wantStreak {
			t.Errorf("%s: streak on %s = %d, Loop %d", item.Name, end.Day, end.Streak.Current, wantStreak)
		}
	}
	t.Logf("strength compared with Loop's Scores.csv on %d habit days: largest difference %.2g", compared, maxDiff)
	if compared < 2500 {
		t.Errorf("compared only %d days", compared)
	}
	if n := countRows(t, f, "SELECT count(*) FROM habits WHERE person_id = $1 AND archived_at IS NOT NULL", p.ID); n != 1 {
		t.Errorf("archived habits: %d", n)
	}
	if n := countRows(t, f, "SELECT count(*) FROM check_ins WHERE person_id = $1 AND note LIKE '%\"C\"%'", p.ID); n == 0 {
		t.Error("notes with quotes and commas were lost")
	}
	verifyClean(t, f, "after the import")

	// Undo removes the import and nothing else.
	if err := f.svc.UndoImport(ctx, "lou", rep.ImportID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, f, "SELECT count(*) FROM habits WHERE person_id = $1", p.ID); n != 1 {
		t.Errorf("after undo: %d habits", n)
	}
	if n := countRows(t, f, "SELECT count(*) FROM check_ins WHERE habit_id = $1", own.ID); n != 1 {
		t.Errorf("undo touched the person's own check-ins: %d", n)
	}
	if err := f.svc.UndoImport(ctx, "lou", rep.ImportID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("second undo: %v", err)
	}
	verifyClean(t, f, "after the undo")
}

// TestImportLoopRefusesMalformedFiles names the file, line and column, and
// imports nothing.
func TestImportLoopRefusesMalformedFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	good := loopFixture(t)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(name string, edit func(string) string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			if _, err := body.ReadFrom(rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
			s := body.String()
			if zf.Name == name {
				s = edit(s)
			}
			w, err := zw.Create(zf.Name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(s))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	f := newFixture(t, at(2026, 3, 10, 12, 0, 0))
	p := f.person(t, "Mal")
	for _, c := range []struct {
		name string
		data []byte
		want app.FormatError
	}{
		{"bad value", rewrite("006 Gym/Checkmarks.csv", func(s string) string {
			return strings.Replace(s, "\n2026-03-07,", "\n2026-03-07,MAYBE", 1)
		}), app.FormatError{File: "006 Gym/Checkmarks.csv", Line: 4, Column: 2}},
		{"bad date", rewrite("001 Meditate, 10 min/Checkmarks.csv", func(s string) string {
			return strings.Replace(s, "2026-03-08", "08.03.2026", 1)
		}), app.FormatError{File: "001 Meditate, 10 min/Checkmarks.csv", Line: 3, Column: 1}},
		{"bad frequency", rewrite("Habits.csv", func(s string) string {
			return strings.Replace(s, "Floss,YES_NO,,,1,1,", "Floss,YES_NO,,,x,1,", 1)
		}), app.FormatError{File: "Habits.csv", Line: 4, Column: 6}},
		{"broken quote", rewrite("Habits.csv", func(s string) string {
			return strings.Replace(s, `"Sit ""quietly""`, `"Sit "quietly""`, 1)
		}), app.FormatError{File: "Habits.csv", Line: 2}},
		{"not a zip", []byte("Position,Name\n"), app.FormatError{File: "upload"}},
	} {
		_, err := f.svc.ImportLoop(ctx, "mal", c.data, false)
		var fe *app.FormatError
		if !errors.As(err, &fe) || fe.File != c.want.File || fe.Line != c.want.Line || (c.want.Column != 0 && fe.Column != c.want.Column) {
			t.Errorf("%s: %v, want %s:%d:%d", c.name, err, c.want.File, c.want.Line, c.want.Column)
		}
	}
	if n := countRows(t, f, "SELECT count(*) FROM habits WHERE person_id = $1", p.ID); n != 0 {
		t.Errorf("a refused import left %d habits", n)
	}
}
