package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// seed gives the pages something to show: a person with a habit, a routine
// and enough XP for a stat point.
func seed(t *testing.T, e *env) (person string, habitID int64) {
	t.Helper()
	ctx := context.Background()
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.CreateHabit(ctx, p.Value.Slug, app.HabitInput{Name: "Drink water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CreateRoutine(ctx, p.Value.Slug, app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{{Title: "Stretch", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(23, 58)}}}})
	if err != nil {
		t.Fatal(err)
	}
	levelUp(t, e, p.Value.Slug)
	return p.Value.Slug, h.Value.ID
}

// levelUp logs activities until the person has a stat point to spend.
func levelUp(t *testing.T, e *env, person string) {
	t.Helper()
	ctx := context.Background()
	for i := range 40 {
		v, err := e.svc.Character(ctx, person)
		if err != nil {
			t.Fatal(err)
		}
		if v.Sheet.UnspentPoints > 0 {
			return
		}
		for _, typ := range []string{"walk", "run", "reading", "meditation"} {
			_, err := e.svc.LogActivity(ctx, app.ActivityInput{Person: person, Type: typ, Amount: 60, Source: domain.SourceManual})
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("activity %d %s: %v", i, typ, err)
			}
		}
	}
	t.Fatal("no stat point after 40 rounds of activities")
}

func TestEveryURLCarriesTheIngressPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	person, habitID := seed(t, e)
	pages := []string{"/", "/?person=" + person, "/people", "/habits?person=" + person,
		fmt.Sprintf("/habits/%d?person=%s", habitID, person), "/routines?person=" + person, "/todos?person=" + person,
		"/character?person=" + person, "/evidence?person=" + person, "/oura?person=" + person, "/tokens", "/diagnostics"}
	for _, path := range pages {
		r := e.get(path)
		mustStatus(t, r, http.StatusOK)
		found := urls(r.body)
		if len(found) < 10 {
			t.Errorf("%s: only %d urls: %q", path, len(found), found)
		}
		for _, u := range found {
			if u != "" && !strings.HasPrefix(u, ingressPrefix+"/") {
				t.Errorf("%s: url %q lacks the ingress prefix", path, u)
			}
		}
		if path == "/character?person="+person && !strings.Contains(r.body, `class="node-button`) {
			t.Errorf("character page has no allocatable node button")
		}
	}

	// Without ingress (a token holder at the add-on's port) links are rooted
	// at /; a forged prefix that is not a plain path is ignored.
	for _, prefix := range []string{"", "//evil.example", `/x"onmouseover="alert(1)`, "https://evil.example/x", "/a/../b"} {
		r := e.get("/people", "X-Ingress-Path", prefix)
		mustStatus(t, r, http.StatusOK)
		for _, u := range urls(r.body) {
			if u != "" && (!strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.Contains(u, "evil")) {
				t.Errorf("prefix %q: url %q", prefix, u)
			}
		}
	}

	// An unknown page is a 404 page with working links.
	r404 := e.get("/nope")
	mustStatus(t, r404, http.StatusNotFound)
	if !strings.Contains(r404.body, `href="`+ingressPrefix+`/"`) {
		t.Errorf("the 404 page has no way back")
	}

	// Redirects after a post stay under the prefix.
	r := e.post("/check-in", url.Values{"person": {person}, "habit": {fmt.Sprint(habitID)}})
	mustStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != ingressPrefix+"/?person="+person {
		t.Errorf("redirect to %q", loc)
	}
}

func TestOnlyIngressOrAnAdminTokenSeesThePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()

	// No ingress headers: 401 with the sign-in form, still under the prefix.
	r := e.get("/people", "X-Remote-User-Id", "")
	mustStatus(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.body, `action="`+ingressPrefix+`/login"`) {
		t.Errorf("401 page has no sign-in form:\n%s", r.body)
	}
	// The API keeps its own answers.
	r = e.get("/api/v1/people", "X-Remote-User-Id", "")
	mustStatus(t, r, http.StatusUnauthorized)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("API 401 content type %q", ct)
	}
	for _, path := range []string{"/healthz", "/openapi.json", "/openapi-3.0.json", "/docs"} {
		r := e.get(path, "X-Remote-User-Id", "")
		mustStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, `class="toolbar"`) {
			t.Errorf("%s answered by the pages", path)
		}
	}
	// Assets are public: the sign-in page needs its stylesheet.
	r = e.get("/assets/style.css", "X-Remote-User-Id", "")
	mustStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet served as %q", r.header.Get("Content-Type"))
	}

	// A read token may not open the pages; an admin token may, by cookie.
	read, err := e.tokens.Create(ctx, app.TokenInput{Name: "reader", Scope: app.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	r = e.post("/login", url.Values{"token": {read.Secret}}, "X-Remote-User-Id", "")
	mustStatus(t, r, http.StatusUnauthorized)
	if r.header.Get("Set-Cookie") != "" {
		t.Errorf("a read token got a cookie: %s", r.header.Get("Set-Cookie"))
	}
	mustStatus(t, e.post("/login", url.Values{"token": {"not-a-token"}}, "X-Remote-User-Id", ""), http.StatusUnauthorized)
	admin, err := e.tokens.Create(ctx, app.TokenInput{Name: "laptop", Scope: app.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	r = e.post("/login", url.Values{"token": {admin.Secret}}, "X-Remote-User-Id", "", "X-Ingress-Path", "")
	mustStatus(t, r, http.StatusSeeOther)
	cookie := r.header.Get("Set-Cookie")
	name, rest, _ := strings.Cut(cookie, ";")
	if !strings.HasPrefix(name, "lifeops_session=") || !strings.Contains(rest, "HttpOnly") || !strings.Contains(rest, "SameSite=Strict") {
		t.Fatalf("session cookie %q", cookie)
	}
	r = e.get("/people", "X-Remote-User-Id", "", "X-Ingress-Path", "", "Cookie", name)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "laptop") {
		t.Errorf("signed-in page does not name the token")
	}
	// Revoked, the cookie opens nothing.
	if err := e.tokens.Revoke(ctx, admin.ID); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.get("/people", "X-Remote-User-Id", "", "Cookie", name), http.StatusUnauthorized)

	// Ingress headers from any other peer than the proxy are not believed.
	strict := newEnv(t, envOptions{ingressPeer: "172.30.32.2"})
	mustStatus(t, strict.get("/"), http.StatusUnauthorized)

	// An ingress role below admin reads, but may not manage people.
	reader := newEnv(t, envOptions{ingressRole: app.ScopeRead})
	mustStatus(t, reader.get("/people"), http.StatusOK)
	mustStatus(t, reader.post("/people", url.Values{"name": {"Bob"}}), http.StatusForbidden)
	mustStatus(t, reader.get("/tokens"), http.StatusForbidden)
	if people, _ := reader.svc.People(ctx); len(people) != 0 {
		t.Errorf("a read-only user added %d people", len(people))
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	} {
		r := e.post("/people", url.Values{"name": {"Mallory"}}, h...)
		mustStatus(t, r, http.StatusForbidden)
	}
	people, err := e.svc.People(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 0 {
		t.Fatalf("a cross-site post added %d people", len(people))
	}
	// The same post from the page itself works.
	mustStatus(t, e.post("/people", url.Values{"name": {"Anna"}}), http.StatusSeeOther)
}

func TestFormsShowTheAppsFieldErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()

	// A person: the reasons are the app's own, next to their fields.
	r := e.post("/people", url.Values{"name": {"Anna"}, "color": {"blue"}, "entity_id": {"sensor.anna"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	_, appErr := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna", Color: "blue", EntityID: "sensor.anna"})
	var ve *domain.ValidationError
	if !errors.As(appErr, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("app answered %v", appErr)
	}
	for _, f := range ve.Fields {
		if got := fieldError(r.body, f.Field); got != f.Sentence() {
			t.Errorf("field %s shows %q, the app says %q", f.Field, got, f.Sentence())
		}
	}
	if !strings.Contains(r.body, `value="sensor.anna"`) {
		t.Errorf("the form lost what was typed")
	}
	if people, _ := e.svc.People(ctx); len(people) != 0 {
		t.Fatalf("an invalid person was written")
	}

	r = e.post("/people", url.Values{"name": {"Anna"}})
	mustStatus(t, r, http.StatusSeeOther)
	r = e.get("/people", "Cookie", cookieOf(r, "lifeops_flash"))
	if !strings.Contains(r.body, `class="flash"`) || !strings.Contains(r.body, "Added Anna") {
		t.Errorf("no flash after adding a person")
	}
	// A duplicate is a conflict, said above the form.
	r = e.post("/people", url.Values{"name": {"Anna"}})
	mustStatus(t, r, http.StatusConflict)
	if !strings.Contains(r.body, `class="alert"`) {
		t.Errorf("a conflict shows no alert")
	}

	// A habit: the app's schedule rule, and a number that does not parse.
	form := url.Values{"person": {"anna"}, "name": {"Gym"}, "schedule.kind": {"times_per_week"}, "schedule.times": {"9"},
		"target.kind": {"at_least"}, "target.value": {"lots"}}
	r = e.post("/habits", form)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "target.value"); got != `target.value "lots" must be a number.` {
		t.Errorf("target.value error %q", got)
	}
	form.Set("target.value", "3")
	r = e.post("/habits", form)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	_, appErr = e.svc.CreateHabit(ctx, "anna", app.HabitInput{Name: "Gym", Kind: domain.HabitPositive,
		Schedule: domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: 9}, Target: domain.Target{Kind: domain.TargetAtLeast, Value: 3}})
	if !errors.As(appErr, &ve) {
		t.Fatalf("app answered %v", appErr)
	}
	for _, f := range ve.Fields {
		if got := fieldError(r.body, f.Field); got != f.Sentence() {
			t.Errorf("field %s shows %q, the app says %q", f.Field, got, f.Sentence())
		}
	}
	if !strings.Contains(r.body, `name="schedule.times" type="number" min="1" max="28" value="9"`) {
		t.Errorf("the habit form lost what was typed")
	}
	form.Set("schedule.times", "3")
	r = e.post("/habits", form)
	mustStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != ingressPrefix+"/habits?person=anna" {
		t.Errorf("redirect to %q", loc)
	}
	habits, err := e.svc.Habits(ctx, "anna")
	if err != nil || len(habits) != 1 || habits[0].Value.Schedule.Times != 3 || habits[0].Value.Target.Value != 3 {
		t.Fatalf("habits %+v, %v", habits, err)
	}

	// Editing keeps the version: a stale form is refused, not applied.
	id := habits[0].Value.ID
	edit := e.get(fmt.Sprintf("/habits/%d?person=anna", id))
	mustStatus(t, edit, http.StatusOK)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(edit.body)
	if version == nil {
		t.Fatal("edit form has no version")
	}
	form.Set("name", "Gym sessions")
	form.Set("version", version[1])
	mustStatus(t, e.post(fmt.Sprintf("/habits/%d", id), form), http.StatusSeeOther)
	r = e.post(fmt.Sprintf("/habits/%d", id), form)
	mustStatus(t, r, http.StatusPreconditionFailed)

	// A routine: items are lines; a bad time names its line.
	r = e.post("/routines", url.Values{"person": {"anna"}, "name": {"Evening"}, "schedule.kind": {"daily"}, "items": {"21:00 Tidy up\n25:61 Read"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "items"); !strings.Contains(got, `Item 2's time "25:61" is not a time of day`) {
		t.Errorf("items error %q", got)
	}
	r = e.post("/routines", url.Values{"person": {"anna"}, "name": {"Evening"}, "schedule.kind": {"daily"}, "items": {"21:00 Tidy up\n21:30 tidy UP"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "items"); !strings.Contains(got, "is the same as items[0].title") {
		t.Errorf("duplicate title error %q", got)
	}
	mustStatus(t, e.post("/routines", url.Values{"person": {"anna"}, "name": {"Evening"}, "schedule.kind": {"daily"},
		"items": {"21:00 Tidy up\nwake+15 Stretch"}}), http.StatusSeeOther)
	routines, err := e.svc.ListRoutines(ctx, "anna")
	if err != nil || len(routines) != 1 || len(routines[0].Value.Items) != 2 || routines[0].Value.Items[1].Anchor.OffsetMin != 15 {
		t.Fatalf("routines %+v, %v", routines, err)
	}
	if g := routines[0].Value.Items[0].Grace(); g != routine.DefaultGraceMin {
		t.Errorf("a routine added without grace has grace %d, want the default %d", g, routine.DefaultGraceMin)
	}
	// The form offers the default grace; 0 is honoured, a bad one named.
	if r := e.get("/routines?person=anna"); !strings.Contains(r.body, `name="grace_min" type="number" min="0" max="1440" value="60"`) {
		t.Errorf("routine form does not offer grace 60:\n%s", r.body)
	}
	r = e.post("/routines", url.Values{"person": {"anna"}, "name": {"Pills"}, "schedule.kind": {"daily"}, "items": {"08:00 Pill"}, "grace_min": {"-5"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "grace_min"); !strings.Contains(got, "0 to 1440") {
		t.Errorf("grace_min error %q", got)
	}
	mustStatus(t, e.post("/routines", url.Values{"person": {"anna"}, "name": {"Pills"}, "schedule.kind": {"daily"},
		"items": {"08:00 Pill"}, "grace_min": {"0"}}), http.StatusSeeOther)
	routines, err = e.svc.ListRoutines(ctx, "anna")
	if err != nil || len(routines) != 2 {
		t.Fatalf("routines %+v, %v", routines, err)
	}
	for _, rt := range routines {
		if rt.Value.Name == "Pills" && rt.Value.Items[0].Grace() != 0 {
			t.Errorf("grace 0 from the panel stored as %d", rt.Value.Items[0].Grace())
		}
	}
	if r := e.get("/routines?person=anna"); !strings.Contains(r.body, "Pill (grace 0 min)") {
		t.Errorf("routine list does not show grace 0:\n%s", r.body)
	}
}

func TestPeopleRenameAndRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/people/%d", p.Value.ID)
	r := e.post(path, url.Values{"name": {"  "}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, "Not saved: name is required.") || fieldError(r.body, "name") != "" {
		t.Errorf("a row's error is not said above the forms:\n%s", r.body)
	}
	mustStatus(t, e.post(path, url.Values{"name": {"Anna B"}, "color": {"#3a7bd5"}}), http.StatusSeeOther)
	got, err := e.svc.Person(ctx, "anna")
	if err != nil || got.Value.Name != "Anna B" || got.Value.Color != "#3a7bd5" || got.Value.ID != p.Value.ID {
		t.Fatalf("after the rename %+v, %v", got.Value, err)
	}
	mustStatus(t, e.post(path+"/delete", url.Values{}), http.StatusSeeOther)
	if people, _ := e.svc.People(ctx); len(people) != 0 {
		t.Errorf("%d people after the removal", len(people))
	}
	mustStatus(t, e.post(path+"/delete", url.Values{}), http.StatusNotFound)
}

func cookieOf(r response, name string) string {
	for _, c := range r.header.Values("Set-Cookie") {
		if kv, _, _ := strings.Cut(c, ";"); strings.HasPrefix(kv, name+"=") {
			return kv
		}
	}
	return ""
}

func TestTodayCharacterAndTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	person, habitID := seed(t, e)

	// Check in, then complete the routine item, from the Today page's forms.
	// The form's key makes a re-sent post record one check-in.
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(e.get("/?person=" + person).body)
	if key == nil {
		t.Fatal("the check-in form has no key")
	}
	checkIn := url.Values{"person": {person}, "habit": {fmt.Sprint(habitID)}, "key": {key[1]}}
	mustStatus(t, e.post("/check-in", checkIn), http.StatusSeeOther)
	today, err := e.svc.Today(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	r := e.post("/check-in", checkIn)
	mustStatus(t, r, http.StatusSeeOther)
	if flash, _ := url.QueryUnescape(strings.TrimPrefix(cookieOf(r, "lifeops_flash"), "lifeops_flash=")); !strings.HasPrefix(flash, "Already checked in") {
		t.Errorf("a re-sent check-in says %q", flash)
	}
	again, err := e.svc.Today(ctx, person)
	if err != nil || again.TotalXP != today.TotalXP {
		t.Errorf("a re-sent check-in changed XP %d → %d (%v)", today.TotalXP, again.TotalXP, err)
	}
	if len(today.Habits) != 1 || today.Habits[0].Result.Status != domain.StatusDone {
		t.Errorf("habit after the check-in: %+v", today.Habits)
	}
	entries, err := e.svc.Timeline(ctx, person, today.Day)
	if err != nil || len(entries) != 1 {
		t.Fatalf("timeline %+v, %v", entries, err)
	}
	mustStatus(t, e.post("/timeline", url.Values{"person": {person}, "item": {fmt.Sprint(entries[0].ItemID)}, "status": {"skipped"}}), http.StatusSeeOther)
	r = e.get("/?person=" + person)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `<span class="chip skipped">skipped</span>`) || !strings.Contains(r.body, `value="pending"`) {
		t.Errorf("today does not show the skipped item with an undo")
	}
	r = e.post("/timeline", url.Values{"person": {person}, "item": {"no such item"}, "status": {"done"}})
	mustStatus(t, r, http.StatusNotFound)

	// Allocate the first allocatable node; a locked one is refused with a reason.
	v, err := e.svc.Character(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	node := string(v.Allocatable[0])
	r = e.get("/character?person=" + person)
	if !strings.Contains(r.body, `data-node="`+node+`"`) {
		t.Fatalf("no button for %s", node)
	}
	mustStatus(t, e.post("/character/allocate", url.Values{"person": {person}, "node": {node}}), http.StatusSeeOther)
	v, err = e.svc.Character(ctx, person)
	if err != nil || len(v.Sheet.Allocated) != 1 || string(v.Sheet.Allocated[0]) != node {
		t.Fatalf("allocated %v, %v", v.Sheet.Allocated, err)
	}
	r = e.post("/character/allocate", url.Values{"person": {person}, "node": {node}})
	mustStatus(t, r, http.StatusConflict)
	if !strings.Contains(htmlUnescape(r.body), fmt.Sprintf("The node %q is allocated already", node)) {
		t.Errorf("a second allocation does not say why it failed")
	}
	// With every point spent the tree offers nothing to click.
	for v.Sheet.UnspentPoints > 0 {
		mustStatus(t, e.post("/character/allocate", url.Values{"person": {person}, "node": {string(v.Allocatable[0])}}), http.StatusSeeOther)
		if v, err = e.svc.Character(ctx, person); err != nil {
			t.Fatal(err)
		}
	}
	r = e.get("/character?person=" + person)
	if strings.Contains(r.body, `class="node-button`) || strings.Contains(r.body, ">Allocate</button>") || !strings.Contains(r.body, `id="no-points"`) {
		t.Errorf("the character page offers Allocate with 0 points to spend")
	}
	// Respec is offered while possible; after one, the page says when the
	// next is possible and disables the button until then.
	if strings.Contains(r.body, `id="next-respec"`) || !strings.Contains(r.body, `<button class="secondary">Respec</button>`) {
		t.Errorf("the character page does not offer Respec before any respec")
	}
	mustStatus(t, e.post("/character/respec", url.Values{"person": {person}}), http.StatusSeeOther)
	if v, err = e.svc.Character(ctx, person); err != nil || v.NextRespecAt.IsZero() {
		t.Fatalf("after a respec: next respec %v, %v", v.NextRespecAt, err)
	}
	r = e.get("/character?person=" + person)
	want := `<time data-next-respec>` + v.NextRespecAt.In(time.UTC).Format("2006-01-02 15:04") + `</time>`
	if !strings.Contains(r.body, want) || !strings.Contains(r.body, `<button class="secondary" disabled aria-describedby="next-respec">Respec</button>`) {
		t.Errorf("after a respec the character page does not show %s with Respec disabled", want)
	}

	// A token's secret is shown once and works against the API; revoked, it does not.
	r = e.post("/tokens", url.Values{"name": {"tablet"}, "scope": {"write"}, "bind": {person}})
	mustStatus(t, r, http.StatusCreated)
	m := regexp.MustCompile(`id="new-secret">([^<]+)<`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no secret on the page")
	}
	secret := m[1]
	api := e.get("/api/v1/people/"+person+"/today", "X-Remote-User-Id", "", "Authorization", "Bearer "+secret)
	mustStatus(t, api, http.StatusOK)
	if strings.Contains(e.get("/tokens").body, secret) {
		t.Errorf("the secret is shown again")
	}
	r = e.post("/tokens", url.Values{"name": {""}, "scope": {"root"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if fieldError(r.body, "name") != "name is required." || fieldError(r.body, "scope") != `scope "root" must be read, write or admin.` {
		t.Errorf("token form errors: %q %q", fieldError(r.body, "name"), fieldError(r.body, "scope"))
	}
	list, err := e.tokens.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("tokens %+v, %v", list, err)
	}
	mustStatus(t, e.post(fmt.Sprintf("/tokens/%d/revoke", list[0].ID), url.Values{}), http.StatusSeeOther)
	mustStatus(t, e.get("/api/v1/people/"+person+"/today", "X-Remote-User-Id", "", "Authorization", "Bearer "+secret), http.StatusUnauthorized)

	r = e.post("/pairing-codes", url.Values{"pair": {person}})
	mustStatus(t, r, http.StatusCreated)
	code := regexp.MustCompile(`id="pairing-code">([^<]+)<`).FindStringSubmatch(r.body)
	if code == nil {
		t.Fatal("no pairing code on the page")
	}
	if _, err := e.tokens.Pair(ctx, code[1], "phone"); err != nil {
		t.Errorf("the code shown does not pair: %v", err)
	}

	// Diagnostics shows each connection and the last error.
	r = e.get("/diagnostics")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "connection refused") || !strings.Contains(r.body, `<span class="chip down">down</span>`) {
		t.Errorf("diagnostics does not show the broken connection")
	}
}

func TestQuantityCheckInAndUnknownPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	if _, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.CreateHabit(ctx, "anna", app.HabitInput{Name: "Water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 8, Unit: "glasses"}})
	if err != nil {
		t.Fatal(err)
	}
	r := e.get("/?person=anna")
	if !strings.Contains(r.body, `name="quantity" type="number"`) || !strings.Contains(r.body, "at least 8 glasses") {
		t.Errorf("a quantity habit has no amount field")
	}
	r = e.post("/check-in", url.Values{"person": {"anna"}, "habit": {fmt.Sprint(h.Value.ID)}, "quantity": {"lots"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(htmlUnescape(r.body), `<p class="field-error">quantity "lots" must be a number.</p>`) {
		t.Errorf("a bad amount is not explained")
	}
	for _, q := range []string{"5", "3"} {
		mustStatus(t, e.post("/check-in", url.Values{"person": {"anna"}, "habit": {fmt.Sprint(h.Value.ID)}, "quantity": {q}}), http.StatusSeeOther)
	}
	today, err := e.svc.Today(ctx, "anna")
	if err != nil || today.Habits[0].Result.Status != domain.StatusDone {
		t.Errorf("8 of 8 glasses: %+v, %v", today.Habits, err)
	}

	for _, path := range []string{"/?person=nobody", "/habits?person=nobody", "/character?person=nobody", "/habits/1?person=nobody"} {
		r := e.get(path)
		mustStatus(t, r, http.StatusNotFound)
		if !strings.Contains(r.body, `class="alert"`) {
			t.Errorf("%s: the 404 does not say what is missing", path)
		}
	}
}

// Today logs an activity and a mood, and draws the last 30 days of the
// score with a mark for each day without data.
func TestTodayLogsActivityAndMoodAndShowsHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	person, _ := seed(t, e)
	body := e.get("/?person=" + person).body
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)
	if key == nil || !strings.Contains(body, `id="log-activity"`) || !strings.Contains(body, `<option value="walk"`) {
		t.Fatalf("Today has no activity form offering the catalogue:\n%s", body)
	}
	if n := strings.Count(body, `<rect class="`); n != 30 {
		t.Errorf("the score chart has %d days, want 30", n)
	}
	if !strings.Contains(body, `class="nodata"`) {
		t.Errorf("days without data are not marked")
	}
	before, err := e.svc.Today(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"person": {person}, "type": {"walk"}, "amount": {"20"}, "key": {key[1]}}
	r := e.post("/activity", form)
	mustStatus(t, r, http.StatusSeeOther)
	if flash, _ := url.QueryUnescape(strings.TrimPrefix(cookieOf(r, "lifeops_flash"), "lifeops_flash=")); !strings.HasPrefix(flash, "Logged 20 minutes of Walk") {
		t.Errorf("flash after logging: %q", flash)
	}
	mustStatus(t, e.post("/activity", form), http.StatusSeeOther) // a re-sent form logs nothing more
	after, err := e.svc.Today(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := e.svc.Activities(ctx, person, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	walks := 0
	for _, a := range acts {
		if a.Type == "walk" && a.Amount == 20 {
			walks++
		}
	}
	if walks != 1 || after.TotalXP <= before.TotalXP {
		t.Errorf("after logging a walk twice from one page: %d walks, XP %d → %d", walks, before.TotalXP, after.TotalXP)
	}
	r = e.post("/activity", url.Values{"person": {person}, "type": {"walk"}, "amount": {"lots"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "amount"); got != `amount "lots" must be a number.` {
		t.Errorf("amount error %q", got)
	}

	mustStatus(t, e.post("/mood", url.Values{"person": {person}, "value": {"7"}}), http.StatusSeeOther)
	if v, err := e.svc.Today(ctx, person); err != nil || v.Mood == nil || *v.Mood != 7 {
		t.Errorf("mood after logging 7: %v, %v", v.Mood, err)
	}
	r = e.post("/mood", url.Values{"person": {person}, "value": {"12"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if fieldError(r.body, "value") == "" {
		t.Errorf("a mood of 12 is refused without a reason next to the field")
	}
}

func TestGoalsPageShowsProgressAndPace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Gus"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LogActivity(ctx, app.ActivityInput{Person: "gus", Type: "run", Amount: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateGoal(ctx, app.GoalInput{Person: "gus", Name: "Run <far>", Kind: domain.GoalActivityTotal, Activity: "run",
		Target: 12, Period: domain.PeriodCustom, From: e.svc.CurrentDay(), Until: e.svc.CurrentDay().Add(3)}); err != nil {
		t.Fatal(err)
	}
	r := e.get(fmt.Sprintf("/goals?person=%d", p.Value.ID))
	mustStatus(t, r, http.StatusOK)
	for _, want := range []string{"Run &lt;far&gt;", "3 of 12 km", `aria-valuenow="25"`, "on track", "25 %"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the goals page lacks %q:\n%s", want, r.body)
		}
	}
}

func TestDataPageImportsAndExports(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Dee"})
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, e.get(fmt.Sprintf("/data?person=%d", p.Value.ID)), http.StatusOK)
	zip, err := os.ReadFile("../app/testdata/loop/loop-export.zip")
	if err != nil {
		t.Fatal(err)
	}
	upload := func(dry bool) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("person", "dee")
		mw.WriteField("source", "loop")
		if dry {
			mw.WriteField("dry_run", "1")
		}
		fw, _ := mw.CreateFormFile("file", "loop.zip")
		fw.Write(zip)
		mw.Close()
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/data/import", &buf)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-Ingress-Path", ingressPrefix)
		req.Header.Set("X-Remote-User-Id", "8d2f0c")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := upload(true)
	if code != http.StatusOK || !strings.Contains(body, "Would create") || !strings.Contains(body, "Meditate, 10 min") {
		t.Fatalf("dry run: %d\n%s", code, body)
	}
	if habits, _ := e.svc.Habits(ctx, "dee"); len(habits) != 0 {
		t.Fatalf("the dry run created %d habits", len(habits))
	}
	if code, body = upload(false); code != http.StatusOK || !strings.Contains(body, "Imported (import ") {
		t.Fatalf("import: %d\n%s", code, body)
	}
	if habits, _ := e.svc.Habits(ctx, "dee"); len(habits) != 5 {
		t.Errorf("after the import: %d active habits", len(habits))
	}
	r := e.get("/data/export?person=dee")
	mustStatus(t, r, http.StatusOK)
	if d, err := app.ReadPersonDump([]byte(r.body)); err != nil || d.Person != "dee" {
		t.Errorf("export: %v %s", err, d.Person)
	}
}
