package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func TestImportHabitica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data, err := os.ReadFile("testdata/habitica/user-data.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		DoneDays map[string]int `json:"done_days"`
	}
	b, err := os.ReadFile("testdata/habitica/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, at(2026, 3, 10, 12, 0, 0))
	p := f.person(t, "Hana")
	rep, err := f.svc.ImportHabitica(ctx, "hana", data, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Habits) != 6 {
		t.Fatalf("habits: %+v", rep.Habits)
	}
	skipped := strings.Join(rep.Skipped, "\n")
	for _, s := range []string{"Snacks: a habit scored only down", `to-do "Renew passport" (open)`, `to-do "Call Mum, ask about \"the box\"" (completed)`, "1 rewards"} {
		if !strings.Contains(skipped, s) {
			t.Errorf("skipped lacks %q:\n%s", s, skipped)
		}
	}
	for _, item := range rep.Habits {
		if item.Days != want.DoneDays[item.Name] {
			t.Errorf("%s: %d done days, want %d", item.Name, item.Days, want.DoneDays[item.Name])
		}
	}
	habits, err := f.svc.Habits(ctx, "hana")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]domain.ScheduleKind{}
	for _, h := range habits {
		kinds[h.Value.Name] = h.Value.Schedule.Kind
	}
	if kinds["Water the plants 🌱"] != domain.ScheduleEveryNDays || kinds["Gym (Mon–Fri)"] != domain.ScheduleWeekdays ||
		kinds["Pay rent"] != domain.ScheduleTimesPerMonth || kinds["Meditate, 10\u00a0min"] != domain.ScheduleDaily {
		t.Errorf("schedules: %v", kinds)
	}
	// Imported days pay nothing (a streak achievement may unlock, as
	// with any streak: docs/import-export.md).
	if n := countRows(t, f, "SELECT count(*) FROM xp_ledger WHERE person_id = $1 AND source_kind NOT IN ('achievement', 'biometric', 'perfect_day')", p.ID); n != 0 {
		t.Errorf("the import paid %d XP awards for its days", n)
	}
	verifyClean(t, f, "after the Habitica import")

	// Malformed JSON: line and column; nothing imported.
	bad := []byte("{\n \"tasks\": {\n  \"dailys\": [ {\"text\": \"x\",, } ]\n }\n}")
	_, err = f.svc.ImportHabitica(ctx, "hana", bad, false)
	var fe *app.FormatError
	if !errors.As(err, &fe) || fe.Line != 3 || fe.Column != 29 {
		t.Errorf("malformed: %v", err)
	}
	_, err = f.svc.ImportHabitica(ctx, "hana", []byte(`{"tasks": {"dailys": [{"text": 5}]}}`), false)
	if !errors.As(err, &fe) || fe.Line != 1 || !strings.Contains(fe.Reason, "text") {
		t.Errorf("wrong type: %v", err)
	}
	if err := f.svc.UndoImport(ctx, "hana", rep.ImportID); err != nil {
		t.Fatal(err)
	}
	if habits, _ := f.svc.Habits(ctx, "hana"); len(habits) != 0 {
		t.Errorf("after undo: %d habits", len(habits))
	}
}
