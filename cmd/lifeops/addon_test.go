package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/hass/hatest"
)

// fakeSupervisor answers what an add-on asks the Supervisor: the MQTT
// broker on /services/mqtt (the real test broker, after one "no broker yet"
// answer, as while Mosquitto is still starting) and Core's WebSocket API on
// the proxy path, served by the fake HA. Both demand the add-on's token.
type fakeSupervisor struct {
	*httptest.Server
	ha *hatest.Server

	mu       sync.Mutex
	asked    int
	badAuths int
}

func newFakeSupervisor(t *testing.T, token, brokerURL string) *fakeSupervisor {
	t.Helper()
	u, err := url.Parse(brokerURL)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatalf("LIFEOPS_TEST_MQTT_URL %q: %v", brokerURL, err)
	}
	// A German household: entity names follow HA's language.
	f := &fakeSupervisor{ha: hatest.New(hatest.Options{Token: token, Language: "de"})}
	mux := http.NewServeMux()
	// The add-on's own slug names its ingress panel.
	mux.HandleFunc("GET /addons/self/info", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+token {
			f.mu.Lock()
			f.badAuths++
			f.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"result":"ok","data":{"name":"LifeOps","slug":"a0d7b954_lifeops","ingress":true}}`)
	})
	mux.HandleFunc("GET /services/mqtt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+token {
			f.badAuths++
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"result":"error","message":"Unauthorized"}`)
			return
		}
		f.asked++
		if f.asked == 1 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"result":"error","message":"No mqtt service available"}`)
			return
		}
		// The Supervisor's docs show the port as a string.
		fmt.Fprintf(w, `{"result":"ok","data":{"addon":"core_mosquitto","host":%q,"port":%q,"ssl":false,`+
			`"protocol":"3.1.1","username":"addons","password":"s3cret-broker"}}`, host, port)
	})
	mux.Handle(hatest.SupervisorPath, f.ha)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.ha.Close()
		f.Server.Close()
	})
	return f
}

// TestAddonMode runs the binary as the Supervisor starts it inside the
// add-on: SUPERVISOR_TOKEN set, options in options.json, no broker
// configured. It must get the broker from the Supervisor, reach the real
// Mosquitto and Core's WebSocket API through the Supervisor's proxy, and
// publish a person made through the REST API to Home Assistant.
func TestAddonMode(t *testing.T) {
	t.Parallel()
	brokerURL := os.Getenv("LIFEOPS_TEST_MQTT_URL")
	if brokerURL == "" {
		t.Fatal("LIFEOPS_TEST_MQTT_URL is not set (make test sets it)")
	}
	const token = "supervisor-token-for-the-addon"
	sup := newFakeSupervisor(t, token, brokerURL)

	db := dbtest.URL(t)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"token", "create", "--name", "addon-test", "--scope", "admin"}, &stdout, &stderr,
		config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db})); code != exitOK {
		t.Fatalf("token create: exit %d: %s", code, stderr.String())
	}
	apiToken := strings.TrimSpace(stdout.String())

	dir := t.TempDir()
	root := fmt.Sprintf("lifeopstest_addon_%d", time.Now().UnixNano())
	options := filepath.Join(dir, "options.json")
	// What the Supervisor writes: every option with a default, optional
	// ones left blank as null, and no broker.
	opts := fmt.Sprintf(`{"database_url":%q,"log_level":"debug","timezone":null,"oura_client_id":null,`+
		`"oura_client_secret":null,"expose_to_assist":false,"z2m_base_topic":"zigbee2mqtt",`+
		`"readings_retention_days":10,"discovery_prefix":%q}`, db, root+"/homeassistant")
	if err := os.WriteFile(options, []byte(opts), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--http-addr", "127.0.0.1:0", "--options", options)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"SUPERVISOR_TOKEN=" + token,
		"SUPERVISOR_URL=" + sup.URL,
		"LIFEOPS_DATA_DIR=" + dir,
		"LIFEOPS_BASE_TOPIC=" + root + "/lifeops",
		"LIFEOPS_LOG_FORMAT=json",
	}
	p := startProcess(t, cmd)

	// LifeOps serves while it still waits for a broker: the add-on's
	// HEALTHCHECK must not fail because the MQTT add-on is not up yet.
	if resp, err := http.Get("http://" + p.addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz before a broker: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// A person made through the API reaches HA as a device.
	body := strings.NewReader(`{"name":"Robin"}`)
	req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/api/v1/people", body)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var person struct {
		ID   int64  `json:"id"`
		Slug string `json:"slug"`
	}
	err = json.NewDecoder(resp.Body).Decode(&person)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK || person.ID == 0 {
		t.Fatalf("create person: %d %+v %v", resp.StatusCode, person, err)
	}
	configTopic := fmt.Sprintf("%s/homeassistant/device/lifeops_%d/config", root, person.ID)
	waitRetained(t, brokerURL, configTopic, func(b []byte) bool {
		return bytes.Contains(b, []byte(`"default_entity_id":"sensor.lifeops_`+person.Slug+`_life_score"`))
	})
	// HA's language is German and the device links to the add-on's
	// ingress panel; the entity ids stay English.
	waitRetained(t, brokerURL, configTopic, func(b []byte) bool {
		return bytes.Contains(b, []byte(`"name":"Lebens-Score"`)) &&
			bytes.Contains(b, []byte(`"default_entity_id":"sensor.lifeops_`+person.Slug+`_life_score"`)) &&
			bytes.Contains(b, []byte(`"configuration_url":"homeassistant://hassio/ingress/a0d7b954_lifeops"`))
	})
	waitRetained(t, brokerURL, root+"/lifeops/status", func(b []byte) bool { return string(b) == "online" })

	// Only the second answer named a broker: LifeOps retried.
	sup.mu.Lock()
	asked, badAuths := sup.asked, sup.badAuths
	sup.mu.Unlock()
	if badAuths > 0 {
		t.Errorf("%d Supervisor requests without the add-on's token", badAuths)
	}
	if asked < 2 {
		t.Errorf("asked the Supervisor for the broker %d times, want a retry after 'no broker yet'", asked)
	}

	// Core's WebSocket API through the proxy: LifeOps listens to the
	// actions and answers one.
	var ready struct {
		Checks map[string]struct{ Status, Error string }
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, "http://"+p.addr+"/readyz", &ready)
		if ready.Checks["mqtt"].Status == "ok" && ready.Checks["home_assistant"].Status == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dependencies on /readyz: %+v", ready.Checks)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// One subscribe_events per action, made through the Supervisor's proxy.
	if n := countCommands(sup.ha, "subscribe_events"); n < len(hass.ActionEvents()) {
		t.Fatalf("LifeOps made %d subscribe_events on the fake HA, want %d; commands: %+v", n, len(hass.ActionEvents()), sup.ha.Commands())
	}

	caller := hass.New(hass.Options{URL: "ws" + strings.TrimPrefix(sup.URL, "http") + hatest.SupervisorPath, Token: token, Logger: zerolog.Nop()})
	results := make(chan json.RawMessage, 16)
	caller.SubscribeEvents(hass.ResultEvent, func(ev hass.Event) { results <- ev.Data })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := caller.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = caller.Stop(context.Background()) })
	if err := caller.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	// The caller's own subscription must be in place before the answer.
	waitFor(t, func() bool { return countCommands(sup.ha, "subscribe_events") > len(hass.ActionEvents()) })
	if err := caller.FireEvent(ctx, hass.EventLogMood, map[string]any{"person": person.Slug, "value": 7, "request_id": "addon-1"}); err != nil {
		t.Fatal(err)
	}
	select {
	case data := <-results:
		var r struct {
			OK        bool   `json:"ok"`
			RequestID string `json:"request_id"`
			Error     string `json:"error"`
		}
		if err := json.Unmarshal(data, &r); err != nil || !r.OK || r.RequestID != "addon-1" {
			t.Fatalf("lifeops_result %s", data)
		}
	case <-ctx.Done():
		t.Fatal("no lifeops_result for the mood logged through HA")
	}

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	for range p.lines {
	}
	if err := <-p.done; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

func countCommands(ha *hatest.Server, typ string) int {
	n := 0
	for _, c := range ha.Commands() {
		if c.Type == typ {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
