package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// TestHomeAssistantPage: an admin gets each generated file with a Copy
// button, "my" can be set to another person, a bad person is named next to
// its field, and a reader may not open the page.
func TestHomeAssistantPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	if _, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Ana Lúcia"}); err != nil {
		t.Fatal(err)
	}
	jo, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Jo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateHabit(ctx, "jo", app.HabitInput{Name: "Walk", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 5, Unit: "km"}}); err != nil {
		t.Fatal(err)
	}

	r := e.get("/home-assistant")
	mustStatus(t, r, http.StatusOK)
	for _, want := range []string{`data-copy="ha-file"`, `id="ha-file"`, "<code>packages/lifeops.yaml</code>", "intent_script:", "lifeops_voice_person:"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("package page lacks %q", want)
		}
	}
	r = e.get("/home-assistant?file=package&voice_person=jo")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(htmlUnescape(r.body), `initial: "`+strconv.FormatInt(jo.Value.ID, 10)+`"`) {
		t.Errorf("the voice person is not Jo")
	}
	r = e.get("/home-assistant?file=dashboard")
	mustStatus(t, r, http.StatusOK)
	for _, want := range []string{"sensor.lifeops_ana_lucia_life_score", "sensor.lifeops_jo_walk_streak", "<code>dashboards/lifeops.yaml</code>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("dashboard page lacks %q", want)
		}
	}
	r = e.get("/home-assistant?file=sentences")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(htmlUnescape(r.body), `out: "walk:km"`) {
		t.Errorf("sentences lack Jo's walk amount")
	}

	r = e.get("/home-assistant?file=package&voice_person=nobody")
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "voice_person"); !strings.Contains(got, "nobody") || !strings.Contains(got, "jo") {
		t.Errorf("voice_person error %q", got)
	}
	r = e.get("/home-assistant?file=blueprint")
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "file"); !strings.Contains(got, "blueprint") || !strings.Contains(got, "dashboard") {
		t.Errorf("file error %q", got)
	}

	reader := newEnv(t, envOptions{ingressRole: app.ScopeRead})
	mustStatus(t, reader.get("/home-assistant"), http.StatusForbidden)
}
