package supervisor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/supervisor"
)

const token = "test-token"

// fakeSupervisor answers GET /services/mqtt with status and body, and 401
// to anything that is not that request with the right bearer token.
func fakeSupervisor(t *testing.T, status int, body string) *supervisor.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/services/mqtt" || r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("401: Unauthorized"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return supervisor.New(srv.URL+"/", token, srv.Client())
}

func TestMQTT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   supervisor.MQTTService
		url    string
	}{
		{
			name:   "port as a number",
			status: 200,
			body: `{"result":"ok","data":{"addon":"core_mosquitto","host":"core-mosquitto","port":1883,
				"ssl":false,"username":"addons","password":"s3cret","protocol":"3.1.1"}}`,
			want: supervisor.MQTTService{Host: "core-mosquitto", Port: 1883, Username: "addons", Password: "s3cret", Protocol: "3.1.1"},
			url:  "tcp://core-mosquitto:1883",
		},
		{
			name:   "port as a string, with TLS",
			status: 200,
			body:   `{"result":"ok","data":{"host":"broker.lan","port":"8883","ssl":true,"username":"u","password":"p","protocol":"5"}}`,
			want:   supervisor.MQTTService{Host: "broker.lan", Port: 8883, SSL: true, Username: "u", Password: "p", Protocol: "5"},
			url:    "ssl://broker.lan:8883",
		},
		{
			name:   "IPv6 host",
			status: 200,
			body:   `{"result":"ok","data":{"host":"fd00::1","port":1883}}`,
			want:   supervisor.MQTTService{Host: "fd00::1", Port: 1883},
			url:    "tcp://[fd00::1]:1883",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := fakeSupervisor(t, tt.status, tt.body).MQTT(context.Background())
			if err != nil {
				t.Fatalf("MQTT: %v", err)
			}
			if got != tt.want {
				t.Errorf("MQTT = %+v, want %+v", got, tt.want)
			}
			if got.URL() != tt.url {
				t.Errorf("URL() = %q, want %q", got.URL(), tt.url)
			}
		})
	}
}

func TestMQTTFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		noBroker bool   // errors.Is(err, ErrNoBroker)
		mention  string // the error names this
	}{
		{"no broker installed", 400, `{"result":"error","message":"No mqtt service available","data":{}}`, true, "No mqtt service available"},
		{"not found, no body", 404, ``, true, "http 404"},
		{"server error with text", 502, `502 Bad Gateway`, true, "502 Bad Gateway"},
		{"result error on 200", 200, `{"result":"error","message":"Service not ready"}`, true, `result "error"`},
		{"no host in data", 200, `{"result":"ok","data":{"port":1883}}`, true, "no host"},
		{"port out of range", 200, `{"result":"ok","data":{"host":"h","port":70000}}`, true, "out of range"},
		{"malformed JSON", 200, `{"result":"ok","data":{"host":`, false, "not JSON"},
		{"port not a number", 200, `{"result":"ok","data":{"host":"h","port":"eighteen"}}`, false, "not a whole number"},
		{"data of the wrong shape", 200, `{"result":"ok","data":["h",1883]}`, false, "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := fakeSupervisor(t, tt.status, tt.body).MQTT(context.Background())
			if err == nil {
				t.Fatalf("MQTT = %+v, want an error", got)
			}
			if errors.Is(err, supervisor.ErrNoBroker) != tt.noBroker {
				t.Errorf("errors.Is(%v, ErrNoBroker) = %v, want %v", err, !tt.noBroker, tt.noBroker)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			var nb *supervisor.NoBrokerError
			if tt.noBroker && (!errors.As(err, &nb) || nb.Status != tt.status) {
				t.Errorf("error %v: want a *NoBrokerError with status %d", err, tt.status)
			}
		})
	}
}

func TestMQTTWrongToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"result":"ok","data":{"host":"h","port":1883}}`))
	}))
	t.Cleanup(srv.Close)
	_, err := supervisor.New(srv.URL, "wrong", srv.Client()).MQTT(context.Background())
	if !errors.Is(err, supervisor.ErrNoBroker) || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want ErrNoBroker naming http 401", err)
	}
}

func TestMQTTUnreachableAndCancelled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	_, err := supervisor.New(base, token, nil).MQTT(context.Background())
	if err == nil || errors.Is(err, supervisor.ErrNoBroker) {
		t.Errorf("unreachable supervisor: err = %v, want a transport error that is not ErrNoBroker", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = fakeSupervisor(t, 200, `{"result":"ok","data":{"host":"h","port":1883}}`).MQTT(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestSelfSlug(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want, errHas string
		status                   int
	}{
		{name: "repository add-on", status: 200, body: `{"result":"ok","data":{"name":"LifeOps","slug":"a0d7b954_lifeops","ingress":true}}`, want: "a0d7b954_lifeops"},
		{name: "local add-on", status: 200, body: `{"result":"ok","data":{"slug":"local_lifeops"}}`, want: "local_lifeops"},
		{name: "no slug", status: 200, body: `{"result":"ok","data":{}}`, errHas: "not usable"},
		{name: "refused", status: 403, body: `{"result":"error","message":"forbidden"}`, errHas: "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/addons/self/info" || r.Header.Get("Authorization") != "Bearer "+token {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			got, err := supervisor.New(srv.URL, token, srv.Client()).SelfSlug(context.Background())
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("SelfSlug = %q, %v; want an error containing %q", got, err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("SelfSlug = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
