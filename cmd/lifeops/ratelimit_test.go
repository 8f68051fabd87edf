package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
)

// TestAPIRateOptions: api_rate and api_burst set each caller's limit.
func TestAPIRateOptions(t *testing.T) {
	t.Parallel()
	db := dbtest.Empty(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"token", "create", "--name", "tablet", "--scope", "read"}, &out, &errOut,
		config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db})); code != exitOK {
		t.Fatalf("token create: %d\n%s", code, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	p := start(t, db, "LIFEOPS_API_RATE=1", "LIFEOPS_API_BURST=3")
	var codes []int
	for range 5 {
		req, _ := http.NewRequest("GET", "http://"+p.addr+"/api/v1/people", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 200 || codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
		t.Errorf("five quick requests with api_burst=3 answered %v, want three 200 then 429", codes)
	}

	for _, bad := range []string{"LIFEOPS_API_RATE=0", "LIFEOPS_API_RATE=NaN", "LIFEOPS_API_BURST=0", "LIFEOPS_API_BURST=2.5"} {
		var stderr bytes.Buffer
		k, v, _ := strings.Cut(bad, "=")
		if code := run(context.Background(), []string{"config", "check"}, &bytes.Buffer{}, &stderr, config.MapEnv(map[string]string{k: v})); code != exitUsage ||
			!strings.Contains(stderr.String(), strings.ToLower(strings.TrimPrefix(k, "LIFEOPS_"))) {
			t.Errorf("%s: exit %d, want 2 naming it:\n%s", bad, code, stderr.String())
		}
	}
}
