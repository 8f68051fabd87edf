package httpapi

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lifeops/lifeops/apiclient"
)

var update = flag.Bool("update", false, "rewrite generated files and golden files")

// TestGeneratedClientIsCurrent regenerates the client from the document's
// 3.0 rendering and fails when the checked-in one differs (-update writes it).
func TestGeneratedClientIsCurrent(t *testing.T) {
	t.Parallel()
	doc, err := New(Options{Version: version(t)}).OpenAPI().Downgrade()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "openapi-3.0.json")
	if err := os.WriteFile(spec, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "client.gen.go")
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", "../../apiclient/oapi-codegen.yaml", "-o", out, spec)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../../apiclient/client.gen.go", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("../../apiclient/client.gen.go")
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("apiclient/client.gen.go is stale: make openapi")
	}
}

func version(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(b))
}

// TestGeneratedClientWorkflow drives the API the way an external client
// would, through the generated client over real HTTP: create a person, log
// activity, read today, allocate a stat point, page through activities.
func TestGeneratedClientWorkflow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ts := httptest.NewServer(validating(t, e.srv.Handler()))
	t.Cleanup(ts.Close)
	auth := apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+e.admin)
		return nil
	})
	c, err := apiclient.NewClientWithResponses(ts.URL, auth)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	created, err := c.CreatePersonWithResponse(ctx, apiclient.CreatePersonJSONRequestBody{Name: "Fiona"})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create person: %v %s", err, created.Body)
	}
	person := created.JSON201.Slug
	for i, a := range []struct {
		typ    string
		amount float64
	}{{"run", 5}, {"run", 6}, {"workout", 45}, {"reading", 30}, {"walk", 20}} {
		key := fmt.Sprintf("wf-%d", i)
		res, err := c.LogActivityWithResponse(ctx, person, &apiclient.LogActivityParams{IdempotencyKey: &key},
			apiclient.LogActivityJSONRequestBody{Type: a.typ, Amount: a.amount})
		if err != nil || res.JSON201 == nil {
			t.Fatalf("log activity: %v %s", err, res.Body)
		}
	}
	today, err := c.GetTodayWithResponse(ctx, person)
	if err != nil || today.JSON200 == nil {
		t.Fatalf("today: %v %s", err, today.Body)
	}
	if today.JSON200.Xp.Level < 2 {
		t.Fatalf("level %d after the workout, want at least 2 (XP %d)", today.JSON200.Xp.Level, today.JSON200.Xp.Total)
	}
	ch, err := c.GetCharacterWithResponse(ctx, person)
	if err != nil || ch.JSON200 == nil || ch.JSON200.UnspentPoints < 1 || ch.JSON200.Allocatable == nil {
		t.Fatalf("character: %v %s", err, ch.Body)
	}
	node := (*ch.JSON200.Allocatable)[0]
	alloc, err := c.AllocateStatPointWithResponse(ctx, person, apiclient.AllocateStatPointJSONRequestBody{Node: node})
	if err != nil || alloc.JSON200 == nil || alloc.JSON200.Allocated == nil || len(*alloc.JSON200.Allocated) != 1 {
		t.Fatalf("allocate %s: %v %s", node, err, alloc.Body)
	}
	var seen int
	params := &apiclient.ListActivitiesParams{Limit: ptr(int64(2))}
	for pages := 0; ; pages++ {
		page, err := c.ListActivitiesWithResponse(ctx, person, params)
		if err != nil || page.JSON200 == nil {
			t.Fatalf("list activities: %v %s", err, page.Body)
		}
		if page.JSON200.Items != nil {
			seen += len(*page.JSON200.Items)
		}
		if page.JSON200.NextCursor == nil || pages > 5 {
			break
		}
		params.Cursor = page.JSON200.NextCursor
	}
	if seen != 5 {
		t.Errorf("paged through %d activities, logged 5", seen)
	}
}

func ptr[T any](v T) *T { return &v }

// validating checks every answer of a real HTTP server against the
// document, as env.do does for in-process requests.
func validating(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqBody []byte
		if r.Body != nil {
			reqBody, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		body := rec.Body.Bytes()
		validateResponse(t, r, reqBody, res, body)
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(body)
	})
}
