// Package mqtttest holds helpers for tests that talk to a real MQTT broker:
// the broker URL from the environment, unique topic roots so parallel tests do
// not collide, an observer client, a TCP proxy that can cut connections, and a
// private Mosquitto that a test can restart.
package mqtttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// EnvURL names the variable holding the broker URL for tests.
const EnvURL = "LIFEOPS_TEST_MQTT_URL"

// BrokerURL returns the test broker's URL or fails the test saying how to
// provide one. There is deliberately no default: a test that silently talks to
// whatever listens on 1883 can pass or fail for reasons nobody sees.
func BrokerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("%s is not set: run a Mosquitto broker (apt-get install -y mosquitto; it listens on 127.0.0.1:1883) "+
			"and set %s=tcp://127.0.0.1:1883", EnvURL, EnvURL)
	}
	return u
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// UniqueRoot returns a topic root unique to this test run, e.g.
// "lifeopstest_TestBirth_3fa2c1", usable as a topic level and in ids.
func UniqueRoot(t testing.TB) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := unsafeChars.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return "lifeopstest_" + name + "_" + hex.EncodeToString(b[:])
}

// Received is one message an Observer saw.
type Received struct {
	Topic    string
	Payload  []byte
	Retained bool
	At       time.Time // when the observer got it
}

// Observer is a plain clean-session Paho client that records what it sees.
type Observer struct {
	t      testing.TB
	client paho.Client
	mu     sync.Mutex
	msgs   []Received
	notify chan struct{}
}

// NewObserver connects an observer to url and subscribes it to filters (QoS 1).
// It disconnects when the test ends.
func NewObserver(t testing.TB, url string, filters ...string) *Observer {
	t.Helper()
	o := &Observer{t: t, notify: make(chan struct{}, 1)}
	opts := paho.NewClientOptions().AddBroker(url).
		SetClientID("observer_" + UniqueRoot(t)).
		SetCleanSession(true).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(200 * time.Millisecond)
	o.client = paho.NewClient(opts)
	if tok := o.client.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("observer connect %s: %v", url, tok.Error())
	}
	t.Cleanup(func() { o.client.Disconnect(50) })
	for _, f := range filters {
		o.Subscribe(f)
	}
	return o
}

// Subscribe adds a subscription and waits for the broker's acknowledgement.
func (o *Observer) Subscribe(filter string) {
	o.t.Helper()
	tok := o.client.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		o.mu.Lock()
		o.msgs = append(o.msgs, Received{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), Retained: m.Retained(), At: time.Now()})
		o.mu.Unlock()
		select {
		case o.notify <- struct{}{}:
		default:
		}
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		o.t.Fatalf("observer subscribe %s: %v", filter, tok.Error())
	}
}

// Publish sends a message (QoS 1) and waits for the broker.
func (o *Observer) Publish(topic string, retained bool, payload string) {
	o.t.Helper()
	tok := o.client.Publish(topic, 1, retained, payload)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		o.t.Fatalf("observer publish %s: %v", topic, tok.Error())
	}
}

// Messages returns a copy of everything seen so far.
func (o *Observer) Messages() []Received {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Received(nil), o.msgs...)
}

// Reset forgets what was seen so far.
func (o *Observer) Reset() {
	o.mu.Lock()
	o.msgs = nil
	o.mu.Unlock()
}

// WaitFor waits until a message satisfying pred has been seen and returns it,
// failing the test after timeout.
func (o *Observer) WaitFor(timeout time.Duration, what string, pred func(Received) bool) Received {
	o.t.Helper()
	deadline := time.After(timeout)
	for {
		for _, m := range o.Messages() {
			if pred(m) {
				return m
			}
		}
		select {
		case <-o.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			o.t.Fatalf("observer: timed out after %v waiting for %s; saw %d messages: %s", timeout, what, len(o.Messages()), summary(o.Messages()))
			return Received{}
		}
	}
}

// WaitPayload waits for a message on topic with exactly payload.
func (o *Observer) WaitPayload(timeout time.Duration, topic, payload string) Received {
	o.t.Helper()
	return o.WaitFor(timeout, fmt.Sprintf("%s = %q", topic, payload), func(m Received) bool {
		return m.Topic == topic && bytes.Equal(m.Payload, []byte(payload))
	})
}

func summary(ms []Received) string {
	var b strings.Builder
	for i, m := range ms {
		if i == 20 {
			b.WriteString(" …")
			break
		}
		p := string(m.Payload)
		if len(p) > 40 {
			p = p[:40] + "…"
		}
		fmt.Fprintf(&b, " [%s %q r=%v]", m.Topic, p, m.Retained)
	}
	return b.String()
}

// ClearRetained registers a cleanup that deletes every retained message under
// filter, so tests on a shared broker leave nothing behind. Register it before
// the clients whose messages it should clear: cleanups run last-in first-out.
func ClearRetained(t testing.TB, url, filter string) {
	t.Helper()
	t.Cleanup(func() {
		o := NewObserver(t, url, filter)
		time.Sleep(200 * time.Millisecond) // let the broker replay what it retains
		for _, m := range o.Messages() {
			if m.Retained && len(m.Payload) > 0 {
				o.Publish(m.Topic, true, "")
			}
		}
	})
}

// Proxy forwards TCP connections to a broker so a test can cut them the way a
// network failure would (no DISCONNECT packet: the broker fires the will).
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	refuse bool
	wg     sync.WaitGroup
}

// NewProxy listens on a free loopback port and forwards to the broker at
// brokerURL (tcp://host:port). It closes when the test ends.
func NewProxy(t testing.TB, brokerURL string) *Proxy {
	t.Helper()
	target := strings.TrimPrefix(strings.TrimPrefix(brokerURL, "tcp://"), "mqtt://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &Proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// URL is the proxy's broker URL.
func (p *Proxy) URL() string { return "tcp://" + p.ln.Addr().String() }

// Cut closes every open connection through the proxy.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// SetRefuse makes the proxy close new connections at once (true) or forward
// them again (false).
func (p *Proxy) SetRefuse(refuse bool) {
	p.mu.Lock()
	p.refuse = refuse
	p.mu.Unlock()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			_ = in.Close()
			continue
		}
		out, err := net.DialTimeout("tcp", p.target, 2*time.Second)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// Mosquitto is a private broker process a test can stop and start again on
// the same port, for restart tests.
type Mosquitto struct {
	t    testing.TB
	port int
	conf string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartMosquitto starts a private mosquitto without persistence on a free
// loopback port, so a restart forgets every session and retained message.
// It fails the test when the binary is missing and stops the broker when the
// test ends.
func StartMosquitto(t testing.TB) *Mosquitto {
	t.Helper()
	if _, err := exec.LookPath("mosquitto"); err != nil {
		t.Fatalf("mosquitto binary not found (apt-get install -y mosquitto): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "m.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n", port)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatalf("write mosquitto config: %v", err)
	}
	m := &Mosquitto{t: t, port: port, conf: conf}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// URL is the broker's URL.
func (m *Mosquitto) URL() string { return fmt.Sprintf("tcp://127.0.0.1:%d", m.port) }

// Start runs the broker (again) and waits until it accepts connections.
func (m *Mosquitto) Start() {
	m.t.Helper()
	m.cmd = exec.Command("mosquitto", "-c", m.conf)
	var stderr bytes.Buffer
	m.cmd.Stderr = &stderr
	if err := m.cmd.Start(); err != nil {
		m.t.Fatalf("start mosquitto: %v", err)
	}
	m.done = make(chan struct{})
	cmd, done := m.cmd, m.done
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", m.port), 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-done:
			m.t.Fatalf("mosquitto exited at start: %s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mosquitto did not listen on %d: %v", m.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the broker and waits for it to exit. Stopping twice is fine.
func (m *Mosquitto) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	select {
	case <-m.done:
		return
	default:
	}
	_ = m.cmd.Process.Kill()
	<-m.done
}

// Eventually polls cond every 10 ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
