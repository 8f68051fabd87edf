package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// /docs shows each operation with its parameters, the fields of its request
// and response bodies and an example of each, built from the served
// document; descriptions are rendered markdown, not raw; it needs no
// script and nothing from the internet.
func TestDocsShowShapesAndExamples(t *testing.T) {
	t.Parallel()
	s := New(Options{Version: "test", Logger: zerolog.Nop()})
	doc, err := json.Marshal(s.api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/docs", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/docs answered %d", rec.Code)
	}
	page := rec.Body.String()
	for _, bad := range []string{"<script", "https://cdn", "`Authorization: Bearer"} {
		if strings.Contains(page, bad) {
			t.Errorf("/docs contains %q", bad)
		}
	}
	if !strings.Contains(page, "<code>Authorization: Bearer &lt;token&gt;</code>") {
		t.Errorf("the description's markdown is not rendered")
	}
	var parsed struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range parsed.Paths {
		for _, op := range item {
			n++
			if !strings.Contains(page, `<details class="op" id="`+op.OperationID+`">`) {
				t.Errorf("operation %s is not on the page", op.OperationID)
			}
		}
	}
	if got := strings.Count(page, `<details class="op"`); got != n {
		t.Errorf("%d operations on the page, %d in the document", got, n)
	}
	// create-habit: its path parameter, the request body's fields (nested
	// ones dotted) and an example of it, the 201's shape and example.
	op := page[strings.Index(page, `id="create-habit"`):]
	op = op[:strings.Index(op, "</details>")]
	for _, want := range []string{"<code>person</code> <small>required</small>", "Request body <small>application/json · HabitInput",
		"<code>schedule.kind</code>", "Response 201", "HabitBody", "Errors: 400,", `&#34;schedule&#34;: {`} {
		if !strings.Contains(op, want) {
			t.Errorf("create-habit lacks %q", want)
		}
	}
	// Every example on the page is JSON.
	for _, m := range regexp.MustCompile(`(?s)<pre><code>(.*?)</code></pre>`).FindAllStringSubmatch(page, -1) {
		text := strings.NewReplacer("&#34;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#39;", "'", "&#43;", "+").Replace(m[1])
		if !json.Valid([]byte(text)) {
			t.Errorf("an example is not JSON: %s", text)
		}
	}
	if !bytes.Contains(rec.Body.Bytes(), []byte("prefers-color-scheme:dark")) {
		t.Errorf("/docs has no dark colours")
	}
}
