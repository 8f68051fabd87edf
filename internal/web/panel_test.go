package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// Routine items made in the panel pay XP: one amount for every item, or a
// line's own "+N XP"; amounts beyond the domain's limit are refused at
// their field and nothing is written.
func TestRoutineFormSetsItemXP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	if _, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	r := e.get("/routines?person=anna")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `name="xp" type="number" min="0" max="500" value="10"`) {
		t.Errorf("the routine form has no XP field with the domain's limit")
	}

	for _, tc := range []struct{ xp, items, field, want string }{
		{"lots", "21:00 Tidy up", "xp", "must be a whole number of XP from 0 to 500"},
		{"501", "21:00 Tidy up", "xp", "must be from 0 to 500 XP"},
		{"10", "21:00 Tidy up +501 XP", "items", "items[0].xp (501): must be 0 to 500"},
	} {
		r = e.post("/routines", url.Values{"person": {"anna"}, "name": {"Evening"}, "schedule.kind": {"daily"}, "xp": {tc.xp}, "items": {tc.items}})
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if got := fieldError(r.body, tc.field); !strings.Contains(got, tc.want) {
			t.Errorf("xp %q items %q: %s error %q, want %q", tc.xp, tc.items, tc.field, got, tc.want)
		}
	}
	if list, _ := e.svc.ListRoutines(ctx, "anna"); len(list) != 0 {
		t.Fatalf("a refused routine was written: %+v", list)
	}

	mustStatus(t, e.post("/routines", url.Values{"person": {"anna"}, "name": {"Evening"}, "schedule.kind": {"daily"}, "xp": {"15"},
		"items": {"21:00 Tidy up\nwake+15 Stretch +40 xp\n21:30 Read +0 XP"}}), http.StatusSeeOther)
	list, err := e.svc.ListRoutines(ctx, "anna")
	if err != nil || len(list) != 1 {
		t.Fatalf("routines %+v, %v", list, err)
	}
	var got []int
	var titles []string
	for _, it := range list[0].Value.Items {
		got = append(got, it.XP)
		titles = append(titles, it.Title)
	}
	if want := []int{15, 40, 0}; !slices.Equal(got, want) || titles[1] != "Stretch" || titles[2] != "Read" {
		t.Errorf("items pay %v (%q), want %v", got, titles, want)
	}
	r = e.get("/routines?person=anna")
	if !strings.Contains(htmlUnescape(r.body), "Stretch  +40 XP") {
		t.Errorf("the routine list does not show an item's XP")
	}
}

// The achievements page shows how far a person is toward each locked
// achievement ("3 of 7 days"), the closest first, with the numbers the
// app (and the REST API) computes from the record.
func TestAchievementsShowProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	if _, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := e.svc.CreateHabit(ctx, "anna", app.HabitInput{Name: "Read", Kind: domain.HabitPositive,
		Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Target: domain.Target{Kind: domain.TargetCheck}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CheckIn(ctx, app.CheckInInput{Person: "anna", Habit: "Read", Source: domain.SourceManual}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := e.svc.LogActivity(ctx, app.ActivityInput{Person: "anna", Type: "walk", Amount: 20, Source: domain.SourceManual}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := e.svc.Achievements(ctx, "anna")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]app.AchievementView{}
	for _, a := range list {
		byKey[a.Key] = a
	}
	if a := byKey["streak_7"]; a.Progress != 1 || a.Unit != "days" || a.UnlockedAt != nil {
		t.Fatalf("streak_7: progress %v %s, unlocked %v; want 1 day, locked", a.Progress, a.Unit, a.UnlockedAt)
	}
	if a := byKey["first_check_in"]; a.UnlockedAt == nil || a.Progress != 1 {
		t.Fatalf("first_check_in: %+v", a)
	}
	if a := byKey["check_ins_100"]; a.Progress != 1 || a.Unit != "check-ins" {
		t.Fatalf("check_ins_100 progress %v %s, want 1 check-in", a.Progress, a.Unit)
	}
	// The closest three locked ones, by the app's fractions.
	var locked []app.AchievementView
	for _, a := range list {
		if a.UnlockedAt == nil {
			locked = append(locked, a)
		}
	}
	slices.SortStableFunc(locked, func(a, b app.AchievementView) int { return cmp.Compare(b.Fraction(), a.Fraction()) })

	r := e.get("/achievements?person=anna")
	mustStatus(t, r, http.StatusOK)
	item := regexp.MustCompile(`(?s)data-achievement="streak_7">.*?<span data-progress>([^<]*)</span>`).FindStringSubmatch(r.body)
	if item == nil || item[1] != "1 of 7 days" {
		t.Fatalf("streak_7 on the page: %q", item)
	}
	next := r.body[strings.Index(r.body, "Closest next"):strings.Index(r.body, `id="locked-h"`)]
	for _, a := range locked[:3] {
		if !strings.Contains(next, `data-achievement="`+a.Key+`"`) {
			t.Errorf("%s (%.2f done) is not among the closest next:\n%s", a.Key, a.Fraction(), next)
		}
	}
	if !strings.Contains(r.body, `data-achievement="first_check_in"`) || !strings.Contains(r.body, "Unlocked "+now.Format("2 Jan 2006")) {
		t.Errorf("the unlocked achievement is not shown with its day")
	}

	r = e.get("/api/v1/people/anna/achievements")
	mustStatus(t, r, http.StatusOK)
	var body struct {
		Items []struct {
			Key      string  `json:"key"`
			Progress float64 `json:"progress"`
			AtLeast  float64 `json:"at_least"`
			Unit     string  `json:"unit"`
			Metric   string  `json:"metric"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range body.Items {
		if it.Key == "streak_7" {
			found = it.Progress == 1 && it.AtLeast == 7 && it.Unit == "days" && it.Metric == "best_current_streak"
		}
	}
	if !found {
		t.Errorf("the API's streak_7 is not 1 of 7 days: %s", r.body)
	}
}
