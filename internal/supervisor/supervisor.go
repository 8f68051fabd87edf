// Package supervisor is a small client for the Home Assistant Supervisor API
// that an add-on can reach at http://supervisor with its SUPERVISOR_TOKEN.
// LifeOps uses it for the MQTT broker and credentials the Supervisor hands
// to add-ons that declare services: [mqtt:need], and for the add-on's own
// slug (the address of its ingress panel).
package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultURL is where the Supervisor answers inside an add-on.
const DefaultURL = "http://supervisor"

// ErrNoBroker means the Supervisor answered but has no MQTT broker to offer:
// none is installed yet, or it is still starting. It is worth retrying with
// a backoff; the error matched with errors.Is is a *NoBrokerError.
var ErrNoBroker = errors.New("no mqtt broker offered by the supervisor")

// NoBrokerError says why the Supervisor offered no broker.
type NoBrokerError struct {
	Status  int    // HTTP status of the answer
	Result  string // the envelope's "result", when there was one
	Message string // the envelope's "message", or why the data was unusable
}

func (e *NoBrokerError) Error() string {
	var b strings.Builder
	b.WriteString(ErrNoBroker.Error())
	fmt.Fprintf(&b, " (http %d", e.Status)
	if e.Result != "" {
		fmt.Fprintf(&b, ", result %q", e.Result)
	}
	b.WriteString(")")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNoBroker) true.
func (e *NoBrokerError) Is(target error) bool { return target == ErrNoBroker }

// maxBody bounds what is read from an answer; the Supervisor's are tiny.
const maxBody = 1 << 20

// Client calls the Supervisor API. It is safe for concurrent use.
type Client struct {
	baseURL string
	token   string
	http    *http.Client
}

// New returns a client for the Supervisor at baseURL (DefaultURL inside an
// add-on) authenticating with token. A nil httpClient gets one with a 10 s
// timeout.
func New(baseURL, token string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token, http: httpClient}
}

// MQTTService is the broker the Supervisor offers, as GET /services/mqtt
// describes it.
type MQTTService struct {
	Host     string
	Port     int
	SSL      bool
	Username string
	Password string
	Protocol string // MQTT protocol version, such as "3.1.1"
}

// URL is the broker address in the form the MQTT client takes:
// tcp://host:port, or ssl://host:port when the broker wants TLS.
func (s MQTTService) URL() string {
	scheme := "tcp"
	if s.SSL {
		scheme = "ssl"
	}
	return scheme + "://" + net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// envelope is how the Supervisor wraps every answer.
type envelope struct {
	Result  string          `json:"result"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

type mqttData struct {
	Host     string `json:"host"`
	Port     port   `json:"port"`
	SSL      bool   `json:"ssl"`
	Username string `json:"username"`
	Password string `json:"password"`
	Protocol string `json:"protocol"`
}

// port accepts a number or a string: the Supervisor's docs show "8883".
type port int

func (p *port) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*p = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("port %s is not a whole number", b)
	}
	*p = port(n)
	return nil
}

// MQTT asks the Supervisor for the MQTT broker. Every error is worth
// retrying; errors.Is(err, ErrNoBroker) tells "no broker yet" (the household
// has to install or start one) from a Supervisor that could not be asked.
func (c *Client) MQTT(ctx context.Context) (MQTTService, error) {
	status, env, err := c.get(ctx, "/services/mqtt")
	if err != nil {
		return MQTTService{}, fmt.Errorf("supervisor services/mqtt: %w", err)
	}
	if status != http.StatusOK || env.Result != "ok" {
		return MQTTService{}, &NoBrokerError{Status: status, Result: env.Result, Message: env.Message}
	}
	var d mqttData
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return MQTTService{}, fmt.Errorf("supervisor services/mqtt: data: %w", err)
	}
	switch {
	case d.Host == "":
		return MQTTService{}, &NoBrokerError{Status: status, Result: env.Result, Message: "answer names no host"}
	case d.Port < 1 || d.Port > 65535:
		return MQTTService{}, &NoBrokerError{Status: status, Result: env.Result, Message: fmt.Sprintf("port %d is out of range", d.Port)}
	}
	return MQTTService{
		Host: d.Host, Port: int(d.Port), SSL: d.SSL,
		Username: d.Username, Password: d.Password, Protocol: d.Protocol,
	}, nil
}

// SelfSlug is the add-on's slug as the Supervisor installed it
// ("local_lifeops", "a0d7b954_lifeops"): the name of its ingress panel,
// homeassistant://hassio/ingress/<slug>. It differs from config.yaml's slug
// by the repository prefix, which only the Supervisor knows.
func (c *Client) SelfSlug(ctx context.Context) (string, error) {
	status, env, err := c.get(ctx, "/addons/self/info")
	if err != nil {
		return "", fmt.Errorf("supervisor addons/self/info: %w", err)
	}
	if status != http.StatusOK || env.Result != "ok" {
		return "", fmt.Errorf("supervisor addons/self/info: http %d, result %q: %s", status, env.Result, env.Message)
	}
	var d struct {
		Slug string `json:"slug"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return "", fmt.Errorf("supervisor addons/self/info: data: %w", err)
	}
	if d.Slug == "" || strings.ContainsAny(d.Slug, "/?#: ") {
		return "", fmt.Errorf("supervisor addons/self/info: slug %q is not usable", d.Slug)
	}
	return d.Slug, nil
}

// get fetches path and decodes the envelope. A non-200 answer is not an
// error here: its envelope (if any) still says why. Only a body that is not
// an envelope at all is, on a 200.
func (c *Client) get(ctx context.Context, path string) (int, envelope, error) {
	var env envelope
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+path, nil)
	if err != nil {
		return 0, env, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, env, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, env, fmt.Errorf("read answer: %w", err)
	}
	if err := json.Unmarshal(body, &env); err != nil {
		if resp.StatusCode == http.StatusOK {
			return resp.StatusCode, env, fmt.Errorf("answer is not JSON: %w", err)
		}
		env.Message = strings.TrimSpace(string(body))
		if len(env.Message) > 200 {
			env.Message = env.Message[:200] + "…"
		}
	}
	return resp.StatusCode, env, nil
}
