package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// TestHabitMonthGrid: the habit page draws the month with each day's
// status, and its buttons set and clear a day through the app.
func TestHabitMonthGrid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	person, habitID := seed(t, e)
	today := time.Now().UTC().Format("2006-01-02")
	page := fmt.Sprintf("/habits/%d?person=%s", habitID, person)
	cell := func(body, day string) string {
		i := strings.Index(body, `data-day="`+day+`"`)
		if i < 0 {
			t.Fatalf("no cell for %s in the month grid", day)
		}
		j := strings.Index(body[i:], "</td>")
		return body[i : i+j]
	}
	r := e.get(page)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `<table class="month">`) {
		t.Fatal("the habit page has no month grid")
	}
	if c := cell(r.body, today); !strings.Contains(c, `data-status="pending"`) || !strings.Contains(c, `value="set"`) {
		t.Errorf("today's cell: %s", c)
	}

	set := e.post(fmt.Sprintf("/habits/%d/days/%s", habitID, today), url.Values{"person": {person}, "action": {"set"}, "month": {today[:7]}})
	mustStatus(t, set, http.StatusSeeOther)
	r = e.get(page)
	if c := cell(r.body, today); !strings.Contains(c, `data-status="done"`) || !strings.Contains(c, `value="clear"`) {
		t.Errorf("today's cell after setting it: %s", c)
	}
	mustStatus(t, e.post(fmt.Sprintf("/habits/%d/days/%s", habitID, today), url.Values{"person": {person}, "action": {"clear"}}), http.StatusSeeOther)
	r = e.get(page)
	if c := cell(r.body, today); !strings.Contains(c, `data-status="pending"`) {
		t.Errorf("today's cell after clearing it: %s", c)
	}
	// The day before the start has no buttons; next month is all future.
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	r = e.get(page + "&month=" + yesterday.Format("2006-01"))
	if c := cell(r.body, yesterday.Format("2006-01-02")); !strings.Contains(c, `data-status="not_due"`) || strings.Contains(c, "<form") {
		t.Errorf("the day before the start: %s", c)
	}
	next := time.Now().UTC().AddDate(0, 1, 0)
	r = e.get(page + "&month=" + next.Format("2006-01"))
	if c := cell(r.body, next.Format("2006-01-02")); !strings.Contains(c, `data-status="future"`) || strings.Contains(c, "<form") {
		t.Errorf("a day next month: %s", c)
	}
}

// TestArchivedHabitComesBack: the habits page lists archived habits with a
// button that brings one back.
func TestArchivedHabitComesBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	person, habitID := seed(t, e)
	mustStatus(t, e.post(fmt.Sprintf("/habits/%d/archive", habitID), url.Values{"person": {person}}), http.StatusSeeOther)
	r := e.get("/habits?person=" + person)
	back := fmt.Sprintf("/habits/%d/unarchive", habitID)
	if !strings.Contains(r.body, "<h2>Archived</h2>") || !strings.Contains(r.body, back) {
		t.Fatalf("the habits page does not offer the archived habit back")
	}
	mustStatus(t, e.post(back, url.Values{"person": {person}}), http.StatusSeeOther)
	habits, err := e.svc.Habits(context.Background(), person)
	if err != nil || len(habits) != 1 || habits[0].Value.ID != habitID {
		t.Fatalf("active habits after bringing it back: %+v, %v", habits, err)
	}
	if r := e.get("/habits?person=" + person); strings.Contains(r.body, back) {
		t.Error("the habit is still listed as archived")
	}
}

// TestMonthGridOfALimitHabit: for a habit kept by not doing something the
// grid records a slip, and clears it.
func TestMonthGridOfALimitHabit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	person, _ := seed(t, e)
	h, err := e.svc.CreateHabit(context.Background(), person, app.HabitInput{Name: "No sweets", Kind: domain.HabitNegative,
		Schedule: domain.Schedule{Kind: domain.ScheduleDaily}})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	page := fmt.Sprintf("/habits/%d?person=%s", h.Value.ID, person)
	cell := func() string {
		body := e.get(page).body
		i := strings.Index(body, `data-day="`+today+`"`)
		if i < 0 {
			t.Fatal("no cell for today")
		}
		return body[i : i+strings.Index(body[i:], "</td>")]
	}
	if c := cell(); !strings.Contains(c, ">slip</button>") || strings.Contains(c, `value="clear"`) {
		t.Fatalf("today before a slip: %s", c)
	}
	mustStatus(t, e.post(fmt.Sprintf("/habits/%d/days/%s", h.Value.ID, today), url.Values{"person": {person}, "action": {"set"}}), http.StatusSeeOther)
	if c := cell(); !strings.Contains(c, `data-status="missed"`) || !strings.Contains(c, `value="clear"`) || strings.Contains(c, ">slip<") {
		t.Fatalf("today after a slip: %s", c)
	}
}
