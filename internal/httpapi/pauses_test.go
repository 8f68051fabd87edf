package httpapi

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// march4 is the clock of the history tests (UTC days): it starts on 2 March,
// the day their habits are created (a habit cannot start before it is
// created), and moves to 4 March once they exist.
func march4() *testClock { return &testClock{t: utcAt(2, 12, 0)} }

func TestPausesResource(t *testing.T) {
	t.Parallel()
	clk := march4()
	e := newEnvAt(t, clk.now)
	p := e.person("Pia")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{"name": "Walk", "schedule": map[string]any{"kind": "daily"}, "start": "2026-03-02"}}).want(t, 201)
	clk.set(utcAt(4, 12, 0))

	// Bounds: at most 2 days back, at most a year ahead; the field is named.
	var pb problemBody
	e.do(req{method: "POST", path: base + "/pauses", token: e.admin, body: map[string]any{"reason": "sick", "from": "2026-03-01", "until": "2026-03-05"}}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || pb.Errors[0].Location != "body.from" || !strings.Contains(pb.Errors[0].Message, "2026-03-02") {
		t.Errorf("pause from 3 days back: %+v", pb.Errors)
	}
	e.do(req{method: "POST", path: base + "/pauses", token: e.admin, body: map[string]any{"reason": "rest", "from": "2027-03-05"}}).want(t, 422)

	var first PauseBody
	res := e.do(req{method: "POST", path: base + "/pauses", token: e.admin, body: map[string]any{"reason": "sick", "from": "2026-03-02", "until": "2026-03-06"}}).want(t, 201)
	res.decode(t, &first)
	if first.ID == 0 || first.Until != "2026-03-06" || res.Header.Get("ETag") != `"1"` || !strings.HasSuffix(res.Header.Get("Location"), "/pauses/"+strconv.FormatInt(first.ID, 10)) {
		t.Fatalf("created %+v, headers %v", first, res.Header)
	}
	// Overlap: 409 naming the other pause.
	e.do(req{method: "POST", path: base + "/pauses", token: e.admin, body: map[string]any{"habit": "walk", "reason": "rest", "from": "2026-03-06"}}).want(t, 409).decode(t, &pb)
	if !strings.Contains(pb.Detail, "pause "+strconv.FormatInt(first.ID, 10)) {
		t.Errorf("overlap detail %q does not name pause %d", pb.Detail, first.ID)
	}
	var open PauseBody
	e.do(req{method: "POST", path: base + "/pauses", token: e.admin, body: map[string]any{"habit": "walk", "reason": "rest", "from": "2026-03-10"}}).want(t, 201).decode(t, &open)
	if open.Until != "" || open.HabitID == 0 {
		t.Errorf("open pause: %+v", open)
	}
	var list PauseList
	e.do(req{method: "GET", path: base + "/pauses", token: e.admin}).want(t, 200).decode(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != open.ID {
		t.Errorf("list: %+v", list)
	}
	one := fmt.Sprintf("%s/pauses/%d", base, first.ID)
	e.do(req{method: "GET", path: one, token: e.admin}).want(t, 200)
	e.do(req{method: "GET", path: base + "/pauses/999999", token: e.admin}).want(t, 404)

	// End it early: If-Match guards, the change is versioned.
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"until": "2026-03-03"}, header: map[string]string{"If-Match": `"9"`}}).want(t, 412)
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"until": "2026-03-03", "open": true}}).want(t, 422)
	var ended PauseBody
	res = e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"until": "2026-03-03"}, header: map[string]string{"If-Match": `"1"`}}).want(t, 200)
	res.decode(t, &ended)
	if ended.Until != "2026-03-03" || ended.Version != 2 || res.Header.Get("ETag") != `"2"` {
		t.Errorf("ended: %+v", ended)
	}
	var cal CalendarBody
	e.do(req{method: "GET", path: base + "/habits/walk/calendar?month=2026-03", token: e.admin}).want(t, 200).decode(t, &cal)
	got := []string{}
	for _, d := range cal.Days[:11] {
		got = append(got, d.Status)
	}
	if want := "not_due paused paused pending future future future future future paused paused"; strings.Join(got, " ") != want {
		t.Errorf("calendar: %s\nwant      %s", strings.Join(got, " "), want)
	}
	// The future open pause can go; the one that began two days ago too.
	e.do(req{method: "DELETE", path: fmt.Sprintf("%s/pauses/%d", base, open.ID), token: e.admin}).want(t, 204)
	e.do(req{method: "DELETE", path: one, token: e.admin, header: map[string]string{"If-Match": `"1"`}}).want(t, 412)
	e.do(req{method: "DELETE", path: one, token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: one, token: e.admin}).want(t, 404)
}

func TestHistoryEndpoints(t *testing.T) {
	t.Parallel()
	clk := march4()
	e := newEnvAt(t, clk.now)
	p := e.person("Hugo")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{"name": "Water", "schedule": map[string]any{"kind": "daily"},
		"target": map[string]any{"kind": "at_least", "value": 2, "unit": "l"}, "start": "2026-03-02"}}).want(t, 201)
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{"name": "Read", "schedule": map[string]any{"kind": "daily"}, "start": "2026-03-02"}}).want(t, 201)
	clk.set(utcAt(4, 12, 0))

	var set CheckInBody
	e.do(req{method: "PUT", path: base + "/habits/water/days/2026-03-02", token: e.admin, body: map[string]any{"quantity": 2}}).want(t, 200).decode(t, &set)
	if set.Status != "done" || !strings.HasPrefix(set.At.UTC().Format(time.RFC3339), "2026-03-02T") {
		t.Errorf("set day: %+v", set)
	}
	e.do(req{method: "PUT", path: base + "/habits/water/days/2026-03-03", token: e.admin, body: map[string]any{"quantity": 0.5}}).want(t, 200)
	e.do(req{method: "PUT", path: base + "/habits/read/days/2026-03-03", token: e.admin, body: map[string]any{}}).want(t, 200)
	var pb problemBody
	e.do(req{method: "PUT", path: base + "/habits/water/days/2026-03-05", token: e.admin, body: map[string]any{"quantity": 2}}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || pb.Errors[0].Location != "body.day" {
		t.Errorf("future day: %+v", pb.Errors)
	}
	e.do(req{method: "PUT", path: base + "/habits/water/days/2026-03-01", token: e.admin, body: map[string]any{"quantity": 2}}).want(t, 422)

	var cal CalendarBody
	e.do(req{method: "GET", path: base + "/habits/water/calendar?month=2026-03", token: e.admin}).want(t, 200).decode(t, &cal)
	if len(cal.Days) != 31 || cal.Month != "2026-03" {
		t.Fatalf("calendar: %+v", cal)
	}
	if d := cal.Days[0]; d.Status != "not_due" {
		t.Errorf("1 March: %+v", d)
	}
	if d := cal.Days[1]; d.Status != "done" || d.Quantity != 2 {
		t.Errorf("2 March: %+v", d)
	}
	if d := cal.Days[2]; d.Status != "partial" || d.Quantity != 0.5 {
		t.Errorf("3 March: %+v", d)
	}
	if d := cal.Days[3]; d.Status != "pending" {
		t.Errorf("4 March: %+v", d)
	}
	e.do(req{method: "GET", path: base + "/habits/water/calendar?month=2026-13", token: e.admin}).want(t, 422)

	// Pages: per person, per habit, by day range.
	var page CheckInPage
	e.do(req{method: "GET", path: base + "/check-ins?limit=2", token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	var rest CheckInPage
	e.do(req{method: "GET", path: base + "/check-ins?limit=2&cursor=" + page.NextCursor, token: e.admin}).want(t, 200).decode(t, &rest)
	if len(rest.Items) != 1 || rest.NextCursor != "" {
		t.Fatalf("second page: %+v", rest)
	}
	e.do(req{method: "GET", path: base + "/habits/water/check-ins?from=2026-03-03&to=2026-03-03", token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Day != "2026-03-03" || page.Items[0].Quantity != 0.5 {
		t.Fatalf("water on 3 March: %+v", page)
	}
	e.do(req{method: "GET", path: base + "/check-ins?from=2026-03-04&to=2026-03-03", token: e.admin}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || pb.Errors[0].Location != "query.to" {
		t.Errorf("reversed range: %+v", pb.Errors)
	}
	e.do(req{method: "GET", path: base + "/check-ins?cursor=x", token: e.admin}).want(t, 422)

	// Clear a day: its check-in goes with its effects.
	e.do(req{method: "DELETE", path: base + "/habits/water/days/2026-03-03", token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: base + "/habits/water/check-ins?from=2026-03-03&to=2026-03-03", token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("check-ins after clearing the day: %+v", page)
	}

	for _, v := range []int{3, 5, 8} {
		e.do(req{method: "POST", path: base + "/moods", token: e.admin, body: map[string]any{"value": v}}).want(t, 201)
	}
	var moods MoodPage
	e.do(req{method: "GET", path: base + "/moods?limit=2&from=2026-03-04&to=2026-03-04", token: e.admin}).want(t, 200).decode(t, &moods)
	if len(moods.Items) != 2 || moods.Items[0].Value != 8 || moods.NextCursor == "" {
		t.Errorf("moods: %+v", moods)
	}

	// Archive, then bring back.
	e.do(req{method: "DELETE", path: base + "/habits/read", token: e.admin}).want(t, 204)
	var archived HabitList
	e.do(req{method: "GET", path: base + "/habits?archived=true", token: e.admin}).want(t, 200).decode(t, &archived)
	if len(archived.Items) != 1 || archived.Items[0].Slug != "read" || !archived.Items[0].Archived {
		t.Errorf("archived habits: %+v", archived)
	}
	var h HabitBody
	e.do(req{method: "POST", path: base + "/habits/read/unarchive", token: e.admin}).want(t, 200).decode(t, &h)
	if h.Archived {
		t.Errorf("unarchived habit: %+v", h)
	}
	var habits HabitList
	e.do(req{method: "GET", path: base + "/habits", token: e.admin}).want(t, 200).decode(t, &habits)
	if len(habits.Items) != 2 {
		t.Errorf("habits after unarchive: %d", len(habits.Items))
	}
}

// TestIdempotentDuplicatesWaitForTheFirst: 20 check-ins sent at once with
// one key store one row and get one answer, 19 of them replayed.
func TestIdempotentDuplicatesWaitForTheFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.person("Ida")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{"name": "Stretch", "schedule": map[string]any{"kind": "daily"}}}).want(t, 201)
	const n = 20
	answers := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			answers[i] = e.do(req{method: "POST", path: base + "/habits/stretch/check-ins", token: e.admin, body: map[string]any{"note": "together"},
				header: map[string]string{"Idempotency-Key": "burst-1"}})
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d duplicates answered in %v", n, time.Since(began))
	replayed := 0
	for i, a := range answers {
		if a.StatusCode != 201 || !bytes.Equal(a.body, answers[0].body) {
			t.Errorf("answer %d: %d %s, want 201 %s", i, a.StatusCode, a.body, answers[0].body)
		}
		if a.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != n-1 {
		t.Errorf("%d answers replayed, want %d", replayed, n-1)
	}
	var c CheckInBody
	answers[0].decode(t, &c)
	if c.XP == 0 {
		t.Errorf("the one answer says xp 0: %s", answers[0].body)
	}
	var page CheckInPage
	e.do(req{method: "GET", path: base + "/check-ins", token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 1 {
		t.Errorf("%d check-ins stored, want 1", len(page.Items))
	}
}

// TestIdempotencyComparesCanonicalJSON: key order, spacing and 10.0 for 10
// are the same request; another value is not.
func TestIdempotencyComparesCanonicalJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.person("Jo")
	path := fmt.Sprintf("/api/v1/people/%d/activities", p.ID)
	key := map[string]string{"Idempotency-Key": "canon-1"}
	first := e.do(req{method: "POST", path: path, token: e.admin, body: `{"type":"run","amount":10,"note":"park"}`, header: key}).want(t, 201)
	for _, body := range []string{
		`{"note":"park","amount":10.0,"type":"run"}`,
		`{ "amount" : 1e1 , "type" : "run", "note" : "park" }`,
		`{"amount":10.000,"note":"park","type":"run"}`,
	} {
		again := e.do(req{method: "POST", path: path, token: e.admin, body: body, header: key}).want(t, 201)
		if !bytes.Equal(again.body, first.body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: %s (replayed %q), want the first answer", body, again.body, again.Header.Get("Idempotent-Replayed"))
		}
	}
	e.do(req{method: "POST", path: path, token: e.admin, body: `{"type":"run","amount":10.5,"note":"park"}`, header: key}).want(t, 422)
	e.do(req{method: "POST", path: path, token: e.admin, body: `{"type":"run","amount":10,"note":"Park"}`, header: key}).want(t, 422)
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{`{"a":1,"b":[1,2]}`, `{"b":[1.0,2e0],"a":1}`},
		{`{"x":-0}`, `{"x":0}`},
		{`{"q":0.5}`, `{"q":5e-1}`},
		{`{"s":"é"}`, `{"s":"\u00e9"}`},
	}
	for _, p := range same {
		if a, b := canonicalJSON([]byte(p[0])), canonicalJSON([]byte(p[1])); !bytes.Equal(a, b) {
			t.Errorf("%s and %s differ: %s vs %s", p[0], p[1], a, b)
		}
	}
	differ := [][2]string{
		{`{"a":1}`, `{"a":"1"}`},
		{`{"a":[1,2]}`, `{"a":[2,1]}`},
		{`{"a":10}`, `{"a":10.5}`},
		{`{"n":12345678901234567}`, `{"n":12345678901234568}`},
	}
	for _, p := range differ {
		if a, b := canonicalJSON([]byte(p[0])), canonicalJSON([]byte(p[1])); bytes.Equal(a, b) {
			t.Errorf("%s and %s read the same: %s", p[0], p[1], a)
		}
	}
}
