package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
)

func verify(t *testing.T, f *fixture) app.VerifyReport {
	t.Helper()
	rep, err := f.svc.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyCleanDemoThenTampered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 5, 4, 12, 0, 0))
	if err := f.svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	rep := verify(t, f)
	for _, d := range rep.Differences {
		t.Errorf("clean demo: %s", d)
	}
	if rep.People != 2 || rep.Checked < 200 {
		t.Fatalf("verify compared too little: %+v", rep)
	}
	t.Logf("clean demo: %d people, %d derived values", rep.People, rep.Checked)

	// Verify changes nothing, even where it recomputes.
	var xp int64
	if err := f.pool.QueryRow(ctx, "SELECT sum(total_xp) FROM person_progress").Scan(&xp); err != nil {
		t.Fatal(err)
	}

	tamper := []struct {
		sql, want string
	}{
		{"UPDATE person_progress SET total_xp = total_xp + 7 WHERE person_id = (SELECT id FROM people WHERE slug = 'alex')", "alex: total XP"},
		{"UPDATE person_progress SET check_ins = check_ins + 1 WHERE person_id = (SELECT id FROM people WHERE slug = 'alex')", "alex: check-ins counted"},
		{`UPDATE habit_days SET streak = jsonb_set(streak, '{streak,Current}', '99') WHERE final AND (habit_id, day) =
			(SELECT habit_id, max(day) FROM habit_days WHERE final GROUP BY habit_id ORDER BY habit_id LIMIT 1)`, " day "},
		{"UPDATE activities SET xp = xp + 3 WHERE id = (SELECT min(id) FROM activities)", "XP of activity"},
		{"DELETE FROM xp_ledger WHERE id = (SELECT min(id) FROM xp_ledger WHERE source_kind = 'check_in_day')", "XP award check_in_day"},
		{"UPDATE xp_ledger SET amount = amount + 5 WHERE id = (SELECT min(id) FROM xp_ledger WHERE source_kind = 'biometric')", "XP award biometric"},
		{"UPDATE xp_ledger SET amount = amount + 5 WHERE id = (SELECT min(id) FROM xp_ledger WHERE source_kind = 'achievement')", "XP award achievement"},
		{"DELETE FROM xp_ledger WHERE id = (SELECT min(id) FROM xp_ledger WHERE source_kind = 'habit_day')", "XP award habit_day"},
		{"UPDATE stat_growth_days SET growth[1] = growth[1] + 0.5 WHERE (person_id, day) = (SELECT person_id, min(day) FROM stat_growth_days GROUP BY person_id ORDER BY person_id LIMIT 1)", "stat growth 0"},
		{"UPDATE daily_scores SET score = 3, result = jsonb_set(result, '{score}', '3') WHERE final AND day = (SELECT max(day) FROM daily_scores WHERE final)", "score of"},
	}
	for _, tc := range tamper {
		tag, err := f.pool.Exec(ctx, tc.sql)
		if err != nil || tag.RowsAffected() == 0 {
			t.Fatalf("%s: %v (%d rows)", tc.sql, err, tag.RowsAffected())
		}
		rep := verify(t, f)
		found := false
		for _, d := range rep.Differences {
			found = found || strings.Contains(d.String(), tc.want)
		}
		if !found {
			t.Errorf("after %q: no difference mentions %q: %v", tc.sql, tc.want, rep.Differences)
		}
	}
	var after int64
	if err := f.pool.QueryRow(ctx, "SELECT sum(total_xp) FROM person_progress").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != xp+7 {
		t.Fatalf("verify changed stored XP: %d → %d (tampered +7)", xp, after)
	}
}
