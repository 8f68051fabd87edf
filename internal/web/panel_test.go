package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
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
