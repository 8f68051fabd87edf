package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

func TestTodosCRUD(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	e.person("Alex")
	e.person("Sam")
	base := "/api/v1/people/alex/todos"
	key := map[string]string{"Idempotency-Key": "todo-1"}
	body := map[string]any{"title": "Buy shoes", "notes": "size 43", "due": "2026-03-12T18:00:00+01:00", "due_zone": "Europe/Berlin"}
	r := e.do(req{method: "POST", path: base, token: e.admin, body: body, header: key}).want(t, 201)
	var created TodoBody
	r.decode(t, &created)
	if r.Header.Get("ETag") != `"1"` || created.Due != "2026-03-12T18:00:00+01:00" || created.Done {
		t.Fatalf("created %+v etag %s", created, r.Header.Get("ETag"))
	}
	// A retried create with the same key replays the answer: one to-do.
	e.do(req{method: "POST", path: base, token: e.admin, body: body, header: key}).want(t, 201)
	var list TodoList
	e.do(req{method: "GET", path: base, token: e.admin}).want(t, 200).decode(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d to-dos after a replayed create", len(list.Items))
	}
	one := base + "/" + itoa(created.ID)
	// Bad input: 422 naming the field, nothing changes.
	bad := e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"due": "next week"}}).want(t, 422)
	if !bytes.Contains(bad.body, []byte(`"body.due"`)) {
		t.Fatalf("problem does not name due: %s", bad.body)
	}
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"done": true}, header: map[string]string{"If-Match": `"7"`}}).want(t, 412)
	var done TodoBody
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"done": true}, header: map[string]string{"If-Match": `"1"`}}).want(t, 200).decode(t, &done)
	if !done.Done || done.Version != 2 || done.CompletedAt == nil {
		t.Fatalf("done %+v", done)
	}
	// Completing again changes nothing.
	var again TodoBody
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"done": true}}).want(t, 200).decode(t, &again)
	if again.Version != 2 {
		t.Fatalf("repeated completion made version %d", again.Version)
	}
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"due": "", "title": "Buy boots"}}).want(t, 200)
	// A token bound to Sam cannot see Alex's to-dos.
	sam := e.token(app.ScopeWrite, "sam")
	e.do(req{method: "GET", path: one, token: sam}).want(t, 403)
	e.do(req{method: "GET", path: "/api/v1/people/sam/todos/" + itoa(created.ID), token: sam}).want(t, 404)

	var pretty bytes.Buffer
	if err := json.Indent(&pretty, e.do(req{method: "GET", path: base, token: e.admin}).want(t, 200).body, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "todos", pretty.Bytes())

	e.do(req{method: "DELETE", path: one, token: e.admin, header: map[string]string{"If-Match": `"1"`}}).want(t, 412)
	e.do(req{method: "DELETE", path: one, token: e.admin}).want(t, 204)
	e.do(req{method: "DELETE", path: one, token: e.admin}).want(t, 404)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
