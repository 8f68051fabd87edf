package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignInSharesTheFailedAuthLimit: wrong tokens on the sign-in form,
// forged session cookies and wrong API tokens all spend one limit per
// address, and once it is spent the form answers 429 with a message.
func TestSignInSharesTheFailedAuthLimit(t *testing.T) {
	t.Parallel()
	noIngress := []string{"X-Remote-User-Id", ""}
	apiWrong := func(e *env) int {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/people", nil)
		req.Header.Set("Authorization", "Bearer "+strings.Repeat("A", 43))
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	wantLimited := func(t *testing.T, r response) {
		t.Helper()
		mustStatus(t, r, http.StatusTooManyRequests)
		if r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many failed sign-ins") || !strings.Contains(r.body, `name="token"`) {
			t.Errorf("429 without Retry-After, message or form: %q\n%s", r.header.Get("Retry-After"), r.body)
		}
	}

	t.Run("form then API", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		for range 10 {
			mustStatus(t, e.post("/login", url.Values{"token": {"wrong-" + strings.Repeat("x", 40)}}, noIngress...), http.StatusUnauthorized)
		}
		wantLimited(t, e.post("/login", url.Values{"token": {"wrong"}}, noIngress...))
		if code := apiWrong(e); code != http.StatusTooManyRequests {
			t.Errorf("API after ten wrong sign-ins: %d, want 429", code)
		}
	})
	t.Run("API then form", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		for range 10 {
			if code := apiWrong(e); code != http.StatusUnauthorized {
				t.Fatalf("wrong API token: %d, want 401", code)
			}
		}
		wantLimited(t, e.post("/login", url.Values{"token": {"wrong"}}, noIngress...))
	})
	t.Run("session cookies", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		cookie := append([]string{"Cookie", "lifeops_session=forged-" + strings.Repeat("y", 40)}, noIngress...)
		for range 10 {
			mustStatus(t, e.get("/", cookie...), http.StatusUnauthorized)
		}
		wantLimited(t, e.get("/", cookie...))
		// The ingress user is not a guess and is never limited.
		mustStatus(t, e.get("/"), http.StatusOK)
	})
}
