package web_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func TestInsightsPageShowsSentencesWithCharts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Noor"})
	if err != nil {
		t.Fatal(err)
	}

	// A bad link names the field and links nothing.
	form := url.Values{"person": {"noor"}, "sensor": {"bedroom temp"}, "name": {"bedroom temperature"}, "unit": {"°C"}, "kind": {"numeric"}}
	r := e.post("/insights/sensors", form)
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "sensor"); !strings.Contains(got, "must be an entity id") {
		t.Errorf("sensor error %q", got)
	}
	form.Set("sensor", "sensor.bedroom_temperature")
	mustStatus(t, e.post("/insights/sensors", form), http.StatusSeeOther)

	// Forty nights where the sleep score falls as the bedroom warms, and a
	// mood logged on only five days.
	rng := rand.New(rand.NewPCG(1, 2))
	today := domain.DayOf(time.Now(), time.UTC)
	for i := 1; i <= 40; i++ {
		d := today.Add(-i)
		temp := 17 + 5*rng.Float64()
		if _, err := e.pool.Exec(ctx, `INSERT INTO readings_1h (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
			VALUES ('sensor.bedroom_temperature', $1, 1, 1, $2, $2, $2, 'x', $1)`, d.Start(time.UTC).Add(2*time.Hour), temp); err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, `INSERT INTO daily_biometrics (person_id, day, sleep_score) VALUES ($1, $2, $3)`,
			p.Value.ID, d, 85-2*(temp-18)+rng.NormFloat64()); err != nil {
			t.Fatal(err)
		}
		if i <= 5 {
			if _, err := e.pool.Exec(ctx, `INSERT INTO moods (person_id, at, day, value) VALUES ($1, $2, $3, 6)`, p.Value.ID, d.Start(time.UTC).Add(12*time.Hour), d); err != nil {
				t.Fatal(err)
			}
		}
	}

	r = e.get("/insights?person=noor")
	mustStatus(t, r, http.StatusOK)
	items := regexp.MustCompile(`(?s)<li class="insight">(.*?)</li>`).FindAllStringSubmatch(r.body, -1)
	if len(items) == 0 {
		t.Fatalf("no insight on the page:\n%s", r.body)
	}
	first := items[0][1]
	if !strings.Contains(first, "sleep score was") || !strings.Contains(first, "lower than on nights with") || !strings.Contains(first, "(13 nights against 13; strong)") {
		t.Errorf("first insight: %s", first)
	}
	svg := regexp.MustCompile(`(?s)<svg class="insight-chart".*?</svg>`).FindString(first)
	if svg == "" || strings.Count(svg, "<circle") != 40 {
		t.Errorf("chart with 40 points expected: %s", svg)
	}
	if !strings.Contains(r.body, "mood (points): collecting (5 of 21 days)") {
		t.Errorf("mood not shown as collecting")
	}
	if !strings.Contains(r.body, "<code>sensor.bedroom_temperature</code>") {
		t.Errorf("linked sensor not listed")
	}
	mustStatus(t, e.post("/insights/sensors/delete", url.Values{"person": {"noor"}, "sensor": {"sensor.bedroom_temperature"}}), http.StatusSeeOther)
	r = e.get("/insights?person=noor")
	if strings.Contains(r.body, `<li class="insight">`) {
		t.Errorf("an unlinked sensor still speaks")
	}
}
