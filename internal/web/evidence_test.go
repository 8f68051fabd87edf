package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func TestEvidenceRulesShowWhenTheyLastMatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	person, _ := seed(t, e)

	// The app's rules name the fields; nothing is written.
	form := url.Values{"person": {person}, "name": {"Out of bed"}, "sensors": {"binary_sensor.bed #"}, "condition.op": {"on"},
		"condition.value": {"yes"}, "action.kind": {"check_in"}, "action.habit": {"drink_water"}, "enabled": {"on"}}
	r := e.post("/evidence", form)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "sensors"); !strings.Contains(got, "must not contain control characters or MQTT wildcards") {
		t.Errorf("sensors error %q", got)
	}
	if got := fieldError(r.body, "condition.value"); got != `condition.value "yes" must be empty for on and off.` {
		t.Errorf("condition.value error %q", got)
	}
	if rules, _ := e.svc.Rules(ctx, person); len(rules) != 0 {
		t.Fatalf("an invalid rule was written")
	}

	form.Set("sensors", "binary_sensor.bed\nzigbee2mqtt/bed/occupancy")
	form.Del("condition.value")
	mustStatus(t, e.post("/evidence", form), http.StatusSeeOther)
	rules, err := e.svc.Rules(ctx, person)
	if err != nil || len(rules) != 1 || len(rules[0].Value.Sensors) != 2 || !rules[0].Value.Enabled {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	r = e.get("/evidence?person=" + person)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `<span class="last-matched">never</span>`) {
		t.Errorf("a new rule does not say it never matched")
	}

	// The sensor reports; the rule fires and the page says when.
	if err := e.svc.Observe(ctx, []app.Reading{{Source: "ha", Sensor: "binary_sensor.bed", State: "on", At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	matches, err := e.svc.Matches(ctx, person, 0, 0, 10)
	if err != nil || len(matches) != 1 {
		t.Fatalf("matches %+v, %v", matches, err)
	}
	r = e.get("/evidence?person=" + person)
	want := matches[0].MatchedAt.UTC().Format("2006-01-02 15:04")
	if !strings.Contains(r.body, `<span class="last-matched">`+want+`</span>`) {
		t.Errorf("last matched is not %s", want)
	}
	if !strings.Contains(r.body, "checked in") {
		t.Errorf("the match does not say what it did")
	}

	// Undo the match from the page: the check-in is gone.
	undo := regexp.MustCompile(`action="` + regexp.QuoteMeta(ingressPrefix) + `(/evidence/matches/\d+/undo)"`).FindStringSubmatch(r.body)
	if undo == nil {
		t.Fatal("no undo form")
	}
	mustStatus(t, e.post(undo[1], url.Values{"person": {person}}), http.StatusSeeOther)
	today, err := e.svc.Today(ctx, person)
	if err != nil || today.Habits[0].Result.Status == domain.StatusDone {
		t.Errorf("after the undo the habit is %v (%v)", today.Habits[0].Result.Status, err)
	}
	if r := e.get("/evidence?person=" + person); !strings.Contains(r.body, "(undone)") || strings.Contains(r.body, undo[1]) {
		t.Errorf("the undone match is not shown as undone")
	}

	mustStatus(t, e.post(fmt.Sprintf("/evidence/%d/delete", rules[0].Value.ID), url.Values{"person": {person}}), http.StatusSeeOther)
	if rules, _ := e.svc.Rules(ctx, person); len(rules) != 0 {
		t.Errorf("the rule is still there")
	}
}

func TestOuraPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// Not configured: the page says what to set; connecting is refused.
	off := newEnv(t, envOptions{})
	if _, err := off.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	r := off.get("/oura")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, "oura_client_id") {
		t.Errorf("the page does not say how to configure Oura")
	}
	mustStatus(t, off.post("/oura/connect", url.Values{"person": {"anna"}}), http.StatusServiceUnavailable)

	e := newEnv(t, envOptions{oura: true})
	if _, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna"}); err != nil {
		t.Fatal(err)
	}
	r = e.get("/oura?person=anna")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `<span class="chip">not connected</span>`) {
		t.Errorf("a new person is not shown as not connected")
	}
	// The shared client's state in words a person reads right ("closed"
	// meant healthy), and Connect opens Oura outside the ingress frame,
	// which Oura's login page refuses to be shown in.
	if !strings.Contains(r.body, `id="oura-api">working`) {
		t.Errorf("a healthy Oura API is not shown as working")
	}
	if !regexp.MustCompile(`action="[^"]*/oura/connect" class="inline" target="_blank"`).MatchString(r.body) {
		t.Errorf("Connect Oura does not open a top-level tab")
	}
	// Connect sends the browser to Oura's consent page.
	r = e.post("/oura/connect", url.Values{"person": {"anna"}})
	mustStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); !strings.Contains(loc, "redirect_uri="+url.QueryEscape(ouraRedirect)) || !strings.Contains(loc, "&state=") {
		t.Errorf("connect goes to %q", loc)
	}
	// A pasted code: empty is refused next to the field; a real one connects.
	r = e.post("/oura/code", url.Values{"person": {"anna"}, "code": {" "}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "code"); got != "code must not be empty." {
		t.Errorf("code error %q", got)
	}
	mustStatus(t, e.post("/oura/code", url.Values{"person": {"anna"}, "code": {e.fake.IssueCode(ouraRedirect)}}), http.StatusSeeOther)
	r = e.get("/oura?person=anna")
	if !strings.Contains(r.body, `<span class="chip ok">connected</span>`) || !strings.Contains(r.body, "never") {
		t.Errorf("after the code: not connected, or synced already")
	}
	mustStatus(t, e.post("/oura/sync", url.Values{"person": {"anna"}}), http.StatusSeeOther)
	r = e.get("/oura?person=anna")
	if strings.Contains(r.body, "<td>never") {
		t.Errorf("after a sync the page still says never")
	}
	mustStatus(t, e.post("/oura/disconnect", url.Values{"person": {"anna"}}), http.StatusSeeOther)
	if r := e.get("/oura?person=anna"); !strings.Contains(r.body, `<span class="chip">not connected</span>`) {
		t.Errorf("still connected after disconnecting")
	}
	r = e.post("/oura/disconnect", url.Values{"person": {"anna"}})
	mustStatus(t, r, http.StatusConflict)
	if !strings.Contains(r.body, "has not connected Oura") {
		t.Errorf("disconnecting twice does not say why it failed")
	}
}

// TestEvidenceFormOffersTheCatalog: the rule form's picker offers what Home
// Assistant and Zigbee2MQTT list, with their names, besides what LifeOps
// has readings of; it says which sources have listed theirs; and a key HA
// does not have is refused on the form with the sentence saying what to do.
func TestEvidenceFormOffersTheCatalog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	person, _ := seed(t, e)
	r := e.get("/evidence?person=" + person)
	if body := htmlUnescape(r.body); !strings.Contains(body, "Home Assistant has not listed its entities yet") ||
		!strings.Contains(body, `data-sensors="none"`) {
		t.Errorf("before any list the form does not say so")
	}
	if _, err := e.svc.ListSensors(ctx, "ha", []app.CatalogEntry{
		{Sensor: "binary_sensor.bed_occupancy", Name: "Bed occupancy", State: "off", StateAt: time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)},
		{Sensor: "light.desk", Name: "Desk lamp"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ListSensors(ctx, "zigbee2mqtt", []app.CatalogEntry{{Sensor: "zigbee2mqtt/bed/vibration", Name: "bed Vibration"}}); err != nil {
		t.Fatal(err)
	}
	r = e.get("/evidence?person=" + person)
	mustStatus(t, r, http.StatusOK)
	body := htmlUnescape(r.body)
	options := regexp.MustCompile(`<option value="([^"]+)" label="([^"]*)">`).FindAllStringSubmatch(body, -1)
	var offered []string
	for _, o := range options {
		offered = append(offered, o[1]+" = "+o[2])
	}
	if want := []string{"binary_sensor.bed_occupancy = Bed occupancy · off · 2026-03-10 06:00", "light.desk = Desk lamp",
		"zigbee2mqtt/bed/vibration = bed Vibration"}; strings.Join(offered, "\n") != strings.Join(want, "\n") {
		t.Errorf("the picker offers\n%s\nwant\n%s", strings.Join(offered, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(body, "Home Assistant listed 2 entities at") || !strings.Contains(body, "Zigbee2MQTT listed 1 property at") {
		t.Errorf("the form does not say which sources listed their sensors")
	}

	form := url.Values{"person": {person}, "name": {"Out of bed"}, "sensors": {"binary_sensor.bedd"}, "condition.op": {"off"},
		"action.kind": {"check_in"}, "action.habit": {"drink_water"}, "enabled": {"on"}}
	r = e.post("/evidence", form)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	want := `sensors entry 1 ("binary_sensor.bedd") is not an entity Home Assistant has; pick one from the sensor list`
	if got := fieldError(r.body, "sensors"); !strings.HasPrefix(got, want) {
		t.Errorf("sensors error %q, want it to start %q", got, want)
	}
	form.Set("sensors", "binary_sensor.bed_occupancy")
	mustStatus(t, e.post("/evidence", form), http.StatusSeeOther)
}
