package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
)

// The first start on a database without tokens hands the person an admin
// token they can sign in with; later starts make none.
func TestFirstStartGivesAnAdminTokenOnce(t *testing.T) {
	t.Parallel()
	url := dbtest.Empty(t)
	p := start(t, url)
	var first map[string]any
	deadline := time.After(10 * time.Second)
	for first == nil {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("lifeops exited: %v", <-p.done)
			}
			if line["message"] == "first start" {
				first = line
			}
		case <-deadline:
			t.Fatal("no \"first start\" line within 10 s of ready")
		}
	}
	secret, _ := first["admin_token"].(string)
	if secret == "" || first["panel"] != "http://"+p.addr+"/" {
		t.Fatalf("first start line = %v, want the panel at http://%s/ and a token", first, p.addr)
	}
	tokens := listTokens(t, p.addr, secret)
	if len(tokens) != 1 || tokens[0]["scope"] != "admin" {
		t.Fatalf("tokens after the first start = %v, want the one admin token", tokens)
	}
	_ = p.cmd.Process.Kill()
	<-p.done

	again := start(t, url)
	if n := len(listTokens(t, again.addr, secret)); n != 1 {
		t.Fatalf("a second start made another token: %d tokens", n)
	}
}

func listTokens(t *testing.T, addr, secret string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/tokens with the printed token = %d", resp.StatusCode)
	}
	var page struct{ Items []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func TestPanelURL(t *testing.T) {
	for _, c := range []struct {
		addr string
		tls  bool
		want string
	}{
		{"0.0.0.0:8099", false, "http://localhost:8099/"},
		{"[::]:8099", false, "http://localhost:8099/"},
		{"127.0.0.1:8080", true, "https://127.0.0.1:8080/"},
		{"[::1]:80", false, "http://[::1]:80/"},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := panelURL(a, c.tls); got != c.want {
			t.Errorf("panelURL(%s, tls=%v) = %s, want %s", c.addr, c.tls, got, c.want)
		}
	}
}

// In the add-on, ingress signs people in: no token is made or printed.
func TestNoFirstStartTokenInTheAddOn(t *testing.T) {
	var out strings.Builder
	if err := greet(t.Context(), &out, true, &net.TCPAddr{Port: 8099}, config.Config{SupervisorToken: "x"}, nil); err != nil || out.Len() != 0 {
		t.Fatalf("greet in the add-on wrote %q, err %v", out.String(), err)
	}
}
