package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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
		{"10", "21:00 Tidy up +501 XP", "items", "Item 1's XP 501 must be 0 to 500"},
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

// Under ingress the panel opens on the person linked to the HA user looking
// (X-Remote-User-Id); anyone unlinked gets the first person. The link is
// set on the People page ("This is me", or an id when adding) and through
// the REST person resource, with the same validation.
func TestPanelOpensOnTheHAUsersOwnPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	for _, name := range []string{"Anna", "Ben"} {
		if _, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	selected := func(r response) string {
		t.Helper()
		m := regexp.MustCompile(`<option value="([a-z_0-9]+)" selected>`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no person selected on the page")
		}
		return m[1]
	}
	if got := selected(e.get("/")); got != "anna" {
		t.Fatalf("unlinked: the panel opens on %s, want the first person", got)
	}

	// "This is me" on Ben's row links the HA user of the request (8d2f0c).
	people := e.get("/people")
	if !strings.Contains(people.body, `data-link-me="ben"`) {
		t.Fatalf("no This is me button for Ben")
	}
	ben, err := e.svc.Person(ctx, "ben")
	if err != nil {
		t.Fatal(err)
	}
	r := e.post(fmt.Sprintf("/people/%d/ha-user", ben.Value.ID), url.Values{"action": {"me"}, "ha_user_id": {"forged"}})
	mustStatus(t, r, http.StatusSeeOther)
	if ben, _ = e.svc.Person(ctx, "ben"); ben.Value.HAUserID != "8d2f0c" {
		t.Fatalf("Ben is linked to %q, want the ingress user 8d2f0c", ben.Value.HAUserID)
	}
	for _, path := range []string{"/", "/character", "/achievements", "/habits", "/routines"} {
		if got := selected(e.get(path)); got != "ben" {
			t.Errorf("%s opens on %s for Ben's HA user, want ben", path, got)
		}
	}
	if got := selected(e.get("/", "X-Remote-User-Id", "0a1b2c")); got != "anna" {
		t.Errorf("another HA user gets %s, want the first person", got)
	}
	if got := selected(e.get("/?person=anna")); got != "anna" {
		t.Errorf("?person= is ignored: %s", got)
	}
	if !strings.Contains(e.get("/people").body, `data-ha-user="me"`) {
		t.Errorf("the People page does not say Ben is you")
	}

	// One HA user is one person: linking Anna too is refused, named.
	anna, _ := e.svc.Person(ctx, "anna")
	r = e.post(fmt.Sprintf("/people/%d/ha-user", anna.Value.ID), url.Values{"action": {"me"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(htmlUnescape(r.body), `is already linked to another person`) {
		t.Errorf("a second link is not refused by name")
	}
	if anna, _ = e.svc.Person(ctx, "anna"); anna.Value.HAUserID != "" {
		t.Fatalf("a refused link was written: %q", anna.Value.HAUserID)
	}

	// Adding a person with a bad id names the field; a good one links.
	r = e.post("/people", url.Values{"name": {"Cleo"}, "ha_user_id": {"not an id!"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "ha_user_id"); !strings.Contains(got, "must be a Home Assistant user id") {
		t.Errorf("ha_user_id error %q", got)
	}
	mustStatus(t, e.post("/people", url.Values{"name": {"Cleo"}, "ha_user_id": {"c1e0c1e0"}}), http.StatusSeeOther)
	if got := selected(e.get("/", "X-Remote-User-Id", "c1e0c1e0")); got != "cleo" {
		t.Errorf("Cleo's HA user opens on %s", got)
	}

	// Unlink, then the REST resource sets it.
	mustStatus(t, e.post(fmt.Sprintf("/people/%d/ha-user", ben.Value.ID), url.Values{"action": {"unlink"}}), http.StatusSeeOther)
	if got := selected(e.get("/")); got != "anna" {
		t.Errorf("after unlinking the panel opens on %s", got)
	}
	r = e.json(http.MethodPatch, "/api/v1/people/anna", `{"ha_user_id":"bad id"}`)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "ha_user_id") {
		t.Errorf("the API's refusal does not name ha_user_id: %s", r.body)
	}
	r = e.json(http.MethodPatch, "/api/v1/people/anna", `{"ha_user_id":"c1e0c1e0"}`)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "already linked to another person") {
		t.Errorf("the API's duplicate refusal: %s", r.body)
	}
	r = e.json(http.MethodPatch, "/api/v1/people/anna", `{"ha_user_id":"8d2f0c"}`)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `"ha_user_id":"8d2f0c"`) {
		t.Errorf("the API does not show the link: %s", r.body)
	}
	if got := selected(e.get("/?")); got != "anna" {
		t.Errorf("linked through the API, the panel opens on %s", got)
	}
	if got := selected(e.get("/", "X-Remote-User-Id", "0a1b2c")); got != "anna" {
		t.Errorf("another HA user gets %s", got)
	}
	r = e.json(http.MethodPatch, "/api/v1/people/anna", `{"ha_user_id":""}`)
	mustStatus(t, r, http.StatusOK)
	if anna, _ = e.svc.Person(ctx, "anna"); anna.Value.HAUserID != "" {
		t.Errorf("an empty ha_user_id does not unlink: %q", anna.Value.HAUserID)
	}
}

// json sends a JSON body through the ingress headers, as the panel's
// scripts or an HA user's browser would.
func (e *env) json(method, path, body string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Ingress-Path", ingressPrefix)
	req.Header.Set("X-Remote-User-Id", "8d2f0c")
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// The evidence form offers the sensors LifeOps has readings of and the
// person's routine items, shows check-in rules by the habit's name, and
// refuses (in the panel and the REST API alike) a sensor key that can never
// match and a routine item of no routine, naming the field and value.
func TestEvidenceFormPicksSeenSensorsAndRefusesWhatCannotMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	person, _ := seed(t, e)
	// A reading the sensors ingester stored (an allow-listed sensor).
	if _, err := e.pool.Exec(ctx, `INSERT INTO readings_latest (sensor, state, at) VALUES ('zigbee2mqtt/hall motion/occupancy', 'true', now()),
		('zigbee2mqtt/placeholder/occupancy', NULL, now())`); err != nil {
		t.Fatal(err)
	}

	base := url.Values{"person": {person}, "name": {"Out of bed"}, "condition.op": {"on"}, "action.kind": {"check_in"},
		"action.habit": {"drink_water"}, "enabled": {"on"}}
	for _, bad := range []string{"bed", "Bed Sensor!"} {
		form := maps.Clone(base)
		form.Set("sensors", bad)
		r := e.post("/evidence", form)
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if got := fieldError(r.body, "sensors"); !strings.Contains(got, fmt.Sprintf("sensors entry 1 (%q) must be a Home Assistant entity id like binary_sensor.bed", bad)) {
			t.Errorf("sensor %q: error %q", bad, got)
		}
		r = e.json(http.MethodPost, "/api/v1/people/"+person+"/evidence-rules",
			fmt.Sprintf(`{"name":"x","sensors":[%q],"condition":{"op":"on"},"action":{"kind":"check_in","habit":"drink_water"},"enabled":true}`, bad))
		mustStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, "sensors[0]") || !strings.Contains(r.body, "Home Assistant entity id") {
			t.Errorf("the API accepts sensor %q or does not say why: %s", bad, r.body)
		}
	}
	form := maps.Clone(base)
	form.Set("sensors", "binary_sensor.bed")
	form.Set("action.kind", "routine_item")
	form.Set("action.item", "Floss")
	r := e.post("/evidence", form)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "action.item"); !strings.Contains(got, "is not an item of this person's routines") {
		t.Errorf("action.item error %q", got)
	}
	r = e.json(http.MethodPost, "/api/v1/people/"+person+"/evidence-rules",
		`{"name":"x","sensors":["binary_sensor.bed"],"condition":{"op":"on"},"action":{"kind":"routine_item","item":"Floss"},"enabled":true}`)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "action.item") {
		t.Errorf("the API's refusal does not name action.item: %s", r.body)
	}
	if rules, _ := e.svc.Rules(ctx, person); len(rules) != 0 {
		t.Fatalf("a refused rule was written: %+v", rules)
	}

	// Good rules: an item by its title (any case), a check-in, with two
	// sensor fields.
	form.Set("action.item", "stretch")
	mustStatus(t, e.post("/evidence", form), http.StatusSeeOther)
	form = maps.Clone(base)
	form["sensors"] = []string{"binary_sensor.bed", "zigbee2mqtt/bed/occupancy"}
	mustStatus(t, e.post("/evidence", form), http.StatusSeeOther)
	rules, err := e.svc.Rules(ctx, person)
	if err != nil || len(rules) != 2 || len(rules[1].Value.Sensors) != 2 {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	if err := e.svc.Observe(ctx, []app.Reading{{Source: "ha", Sensor: "binary_sensor.bed", State: "off", At: time.Now()}}); err != nil {
		t.Fatal(err)
	}

	r = e.get("/evidence?person=" + person)
	mustStatus(t, r, http.StatusOK)
	body := htmlUnescape(r.body)
	if !strings.Contains(body, "→ check in Drink water") || strings.Contains(body, "check in habit") {
		t.Errorf("the check-in rule does not name its habit")
	}
	options := regexp.MustCompile(`<option value="([^"]+)" label="([^"]*)">`).FindAllStringSubmatch(body, -1)
	var seen []string
	for _, o := range options {
		seen = append(seen, o[1]+" = "+strings.SplitN(o[2], " · ", 2)[0])
	}
	if want := []string{"binary_sensor.bed = off", "zigbee2mqtt/hall motion/occupancy = true"}; !slices.Equal(seen, want) {
		t.Errorf("the sensor picker offers %q, want %q", seen, want)
	}
	if !strings.Contains(body, `<datalist id="routine-items"><option value="Stretch"></option></datalist>`) {
		t.Errorf("the routine item picker does not offer Stretch")
	}
}
