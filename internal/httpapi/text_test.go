package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
)

// A field of an operation that holds text, found in openapi.json.
type textField struct {
	in   string // path, query, body
	name string // parameter name, or the body path like items[0].title
}

// bodySamples are bodies each operation would accept: a bad string is put
// into one field of a copy, so nothing but that string is wrong. An
// operation added with a body needs a sample here.
var bodySamples = map[string]map[string]any{
	"set-activity-type-names":  {"name": "Walk", "aliases": []any{"stroll"}},
	"add-activity-type":        {"key": "rowing", "name": "Rowing", "unit": "minutes", "category": "exercise", "stats": []any{"sta"}},
	"set-score-weights":        {"habits": 1, "sleep": 1, "activity": 1, "routines": 1},
	"oura-webhook":             {"event_type": "create", "data_type": "daily_sleep", "object_id": "x", "user_id": "u", "event_time": "2026-01-01T00:00:00Z"},
	"pair-device":              {"code": "ABCD-EFGH", "device": "phone"},
	"create-pairing-code":      {"person": "alex"},
	"create-person":            {"name": "Robin", "slug": "robin", "color": "#112233", "entity_id": "person.robin"},
	"update-person":            {"name": "Robin", "slug": "robin", "color": "#112233", "entity_id": "person.robin"},
	"log-activity":             {"type": "walk", "amount": 5, "note": "ok", "at": "2026-01-01T00:00:00Z"},
	"allocate-stat-point":      {"node": "sta_1"},
	"create-evidence-rule":     evidenceSample(),
	"update-evidence-rule":     evidenceSample(),
	"create-habit":             habitSample(),
	"update-habit":             habitSample(),
	"check-in":                 {"note": "ok"},
	"log-mood":                 {"value": 5, "note": "ok"},
	"paste-oura-code":          {"code": "abc"},
	"create-pause":             {"reason": "sick", "until": "2026-01-05", "habit": "water"},
	"create-routine":           routineSample(),
	"update-routine":           routineSample(),
	"set-timeline-item-status": {"status": "done"},
	"create-token":             {"name": "phone", "scope": "read", "person": "alex"},
	"update-pause":             {"reason": "sick", "from": "2026-01-01", "until": "2026-01-05"},
	"set-habit-day":            {"quantity": 1, "note": "ok"},
	"create-todo":              {"title": "Buy shoes", "notes": "ok", "due": "2026-01-05"},
	"update-todo":              {"title": "Buy shoes", "notes": "ok", "due": "2026-01-05", "due_zone": "Europe/Berlin"},
	"create-goal":              {"name": "Walk 100 km", "kind": "activity_total", "activity": "walk", "target": 100, "period": "month"},
	"update-goal":              {"name": "Walk 100 km", "kind": "activity_total", "activity": "walk", "target": 100, "period": "month"},
	"link-insight-sensor":      {"sensor": "sensor.bedroom_temperature", "name": "bedroom temperature", "unit": "C", "kind": "numeric", "room": "bedroom"},
}

func habitSample() map[string]any {
	return map[string]any{"name": "Read", "slug": "read", "kind": "positive",
		"schedule": map[string]any{"kind": "daily"}, "target": map[string]any{"kind": "at_least", "value": 1, "unit": "pages"},
		"window": map[string]any{"from": "06:00", "until": "22:00"}}
}

func routineSample() map[string]any {
	return map[string]any{"name": "Morning", "schedule": map[string]any{"kind": "daily"},
		"items": []any{map[string]any{"title": "Stretch", "anchor": map[string]any{"kind": "clock", "at": "07:00"}, "checklist": []any{"arms"}}}}
}

func evidenceSample() map[string]any {
	return map[string]any{"name": "Shower", "sensors": []any{"binary_sensor.shower"},
		"condition": map[string]any{"op": "on"}, "action": map[string]any{"kind": "check_in", "habit": "water"},
		"window": map[string]any{"start": "06:00", "end": "10:00"}}
}

// textFields lists every operation's string fields from the checked-in
// document: path and query parameters, and every string in the body schema.
func textFields(t *testing.T) (map[string][]textField, map[string][2]string) {
	t.Helper()
	raw, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	fields := map[string][]textField{}
	routes := map[string][2]string{}
	var walk func(s map[string]any, at string, out *[]textField, depth int)
	walk = func(s map[string]any, at string, out *[]textField, depth int) {
		if depth > 8 {
			return
		}
		if ref, ok := s["$ref"].(string); ok {
			walk(doc.Components.Schemas[ref[strings.LastIndex(ref, "/")+1:]], at, out, depth+1)
			return
		}
		types := map[string]bool{}
		switch tv := s["type"].(type) {
		case string:
			types[tv] = true
		case []any:
			for _, x := range tv {
				types[x.(string)] = true
			}
		}
		if types["string"] {
			*out = append(*out, textField{in: "body", name: strings.TrimPrefix(at, ".")})
		}
		if props, ok := s["properties"].(map[string]any); ok {
			for k, v := range props {
				walk(v.(map[string]any), at+"."+k, out, depth+1)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(items, at+"[0]", out, depth+1)
		}
	}
	for path, ops := range doc.Paths {
		for method, rawOp := range ops {
			var o struct {
				ID     string `json:"operationId"`
				Params []struct {
					Name, In string
					Schema   map[string]any
				} `json:"parameters"`
				Body *struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if json.Unmarshal(rawOp, &o) != nil || o.ID == "" {
				continue
			}
			routes[o.ID] = [2]string{strings.ToUpper(method), path}
			var out []textField
			for _, p := range o.Params {
				if (p.In == "path" || p.In == "query") && p.Schema["type"] == "string" {
					out = append(out, textField{in: p.In, name: p.Name})
				}
			}
			// A file upload (multipart) carries no JSON strings; its path
			// and query parameters are still tried.
			if o.Body != nil && o.Body.Content["application/json"].Schema != nil {
				walk(o.Body.Content["application/json"].Schema, "", &out, 0)
				if _, ok := bodySamples[o.ID]; !ok {
					t.Errorf("operation %s takes a body but bodySamples has none", o.ID)
				}
			}
			sort.Slice(out, func(i, j int) bool { return out[i].in+out[i].name < out[j].in+out[j].name })
			fields[o.ID] = out
		}
	}
	return fields, routes
}

// setAt puts v at a path like items[0].title in a copy of body.
func setAt(body map[string]any, path string, v any) map[string]any {
	b, _ := json.Marshal(body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{}
	}
	var cur any = out
	parts := strings.Split(path, ".")
	for i, p := range parts {
		idx := strings.HasSuffix(p, "[0]")
		key := strings.TrimSuffix(p, "[0]")
		m := cur.(map[string]any)
		last := i == len(parts)-1
		switch {
		case idx:
			arr, _ := m[key].([]any)
			if len(arr) == 0 {
				arr = []any{map[string]any{}}
			}
			if last {
				arr[0] = v
			} else if _, ok := arr[0].(map[string]any); !ok {
				arr[0] = map[string]any{}
			}
			m[key] = arr
			cur = arr[0]
		case last:
			m[key] = v
		default:
			next, ok := m[key].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[key] = next
			}
			cur = next
		}
	}
	return out
}

// TestBadTextInEveryField sends a NUL, invalid UTF-8 and control characters
// in every string field of every operation of openapi.json (path, query and
// body): each answer is a 422 problem naming that field, and no table
// changes.
func TestBadTextInEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Rate, o.Burst = 1e6, 1e6 })
	e.person("Alex")
	e.do(req{method: "POST", path: "/api/v1/people/alex/habits", token: e.admin, body: map[string]any{"name": "Water", "schedule": map[string]any{"kind": "daily"}, "target": map[string]any{"kind": "at_least", "value": 8}}}).want(t, 201)
	fields, routes := textFields(t)

	// Placeholders marshalled as JSON strings, then swapped for raw bytes
	// (json.Marshal would repair invalid UTF-8).
	type bad struct {
		name      string
		json, url string
		multiline bool // also bad where line breaks are allowed
	}
	bads := []bad{
		{"NUL", `"a\u0000b"`, "a%00b", true},
		{"invalid UTF-8", "\"a\xffb\"", "a%FFb", true},
		{"lone continuation byte", "\"a\x80\"", "a%80", true},
		{"escape", `"a\u001bb"`, "a%1Bb", true},
		{"DEL", `"a\u007fb"`, "a%7Fb", true},
		{"C1 control", `"a\u0085b"`, "a%C2%85b", true},
		{"line break", `"a\nb"`, "a%0Ab", false},
	}
	pathValues := map[string]string{"person": "alex", "habit": "water", "id": "1", "rule": "1", "routine": "1", "item": "1", "match": "1",
		"day": "2026-01-01", "todo": "1", "key": "walk"}
	before := e.snapshot()
	ops := make([]string, 0, len(fields))
	for id := range fields {
		ops = append(ops, id)
	}
	sort.Strings(ops)
	tried := 0
	for _, id := range ops {
		method, route := routes[id][0], routes[id][1]
		for _, f := range fields[id] {
			for _, b := range bads {
				if !b.multiline && f.in == "body" && multilineFields[f.name[strings.LastIndex(f.name, ".")+1:]] {
					continue
				}
				path := route
				for k, v := range pathValues {
					if f.in == "path" && f.name == k {
						v = b.url
					}
					path = strings.ReplaceAll(path, "{"+k+"}", v)
				}
				// Each from its own address: public operations whose input is
				// a credential count a 422 as a failed attempt.
				r := req{method: method, path: path, token: e.admin, remote: fmt.Sprintf("10.1.%d.%d:4000", tried/250, tried%250+1)}
				if f.in == "query" {
					r.path += "?" + f.name + "=" + b.url
				}
				if sample, ok := bodySamples[id]; ok {
					const marker = "\"\u2603marker\u2603\""
					body := sample
					if f.in == "body" {
						body = setAt(sample, f.name, "\u2603marker\u2603")
					}
					raw, err := json.Marshal(body)
					if err != nil {
						t.Fatal(err)
					}
					r.body = []byte(strings.Replace(string(raw), marker, b.json, 1))
				}
				what := id + " " + f.in + "." + f.name + " with " + b.name
				res := e.do(r)
				tried++
				wantProblem(t, what, res)
				if res.StatusCode != 422 {
					t.Errorf("%s: status %d, want 422: %s", what, res.StatusCode, res.body)
					continue
				}
				var p struct {
					Errors []struct{ Location string } `json:"errors"`
				}
				res.decode(t, &p)
				if len(p.Errors) == 0 || p.Errors[0].Location != f.in+"."+f.name {
					t.Errorf("%s: the problem does not name %s.%s: %s", what, f.in, f.name, res.body)
				}
			}
		}
	}
	if tried < 300 {
		t.Errorf("only %d requests tried: the document walk found too few fields", tried)
	}
	e.sameAs(t, "bad text", before)

	// Line breaks and tabs are fine in a note.
	e.do(req{method: "POST", path: "/api/v1/people/alex/activities", token: e.admin,
		body: map[string]any{"type": "walk", "amount": 5, "note": "first line\nsecond\tline\r\n"}}).want(t, 201)
}

// TestUnroutedRequests: an unknown path is a 404 problem, a wrong method a
// 405 problem with Allow, and an oversize body is refused on every method.
func TestUnroutedRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.person("Alex")
	// Outside the document, so not through e.do.
	unrouted := func(method, path string) response {
		rec := httptest.NewRecorder()
		hr := httptest.NewRequest(method, path, nil)
		hr.Header.Set("Authorization", "Bearer "+e.admin)
		e.srv.Handler().ServeHTTP(rec, hr)
		body, _ := io.ReadAll(rec.Result().Body)
		return response{Response: rec.Result(), body: body}
	}
	r := unrouted("GET", "/api/v1/nothing-here")
	wantProblem(t, "unknown route", r)
	if r.StatusCode != 404 {
		t.Errorf("unknown route: %d, want 404", r.StatusCode)
	}
	r = unrouted("PATCH", "/api/v1/people")
	wantProblem(t, "wrong method", r)
	if r.StatusCode != 405 || !strings.Contains(r.Header.Get("Allow"), "POST") {
		t.Errorf("wrong method: %d, Allow %q, want 405 with GET and POST", r.StatusCode, r.Header.Get("Allow"))
	}

	before := e.snapshot()
	huge := strings.Repeat("x", 10<<20)
	for _, m := range []string{"DELETE", "GET", "POST"} {
		path := "/api/v1/people/alex"
		if m == "POST" {
			path = "/api/v1/people"
		}
		r := e.do(req{method: m, path: path, token: e.admin, body: huge})
		wantProblem(t, m+" with 10 MB", r)
		if r.StatusCode != 413 {
			t.Errorf("%s with a 10 MB body: %d, want 413", m, r.StatusCode)
		}
	}
	e.sameAs(t, "oversize bodies", before)
	e.do(req{method: "GET", path: "/api/v1/people/alex", token: e.admin}).want(t, 200)
}
