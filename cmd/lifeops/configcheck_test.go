package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt"
)

// TestConfigCheckFindsEverything: what serve would trip over later is found
// by `config check` (and at start, which runs the same checks), every
// problem in one message.
func TestConfigCheckFindsEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := filepath.Join(dir, "options.json")
	if err := os.WriteFile(opts, []byte(`{"readings_retention_days":"many","expose_to_assist":[true]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  []string
		want []string
	}{
		{"missing TLS files", []string{"config", "check"}, []string{"LIFEOPS_TLS_CERT_FILE=" + filepath.Join(dir, "no.crt"), "LIFEOPS_TLS_KEY_FILE=" + filepath.Join(dir, "no.key")},
			[]string{"tls_cert_file", "cannot be read"}},
		{"serve with missing TLS files", []string{"serve"}, []string{"LIFEOPS_TLS_CERT_FILE=" + filepath.Join(dir, "no.crt"), "LIFEOPS_TLS_KEY_FILE=" + filepath.Join(dir, "no.key")},
			[]string{"tls_cert_file", "cannot be read"}},
		{"unparsable redirect URL", []string{"config", "check"}, []string{"LIFEOPS_OURA_REDIRECT_URL=:::"}, []string{"oura_redirect_url"}},
		{"an MQTT client id a broker's ACL cannot name", []string{"config", "check"}, []string{"LIFEOPS_MQTT_CLIENT_ID=life ops/1"},
			[]string{`mqtt_client_id="life ops/1"`, "letters, digits"}},
		{"serve with that client id", []string{"serve"}, []string{"LIFEOPS_MQTT_CLIENT_ID=life ops/1"}, []string{"mqtt_client_id"}},
		{"type errors beside other errors", []string{"config", "check", "--options", opts}, []string{"LIFEOPS_LOG_LEVEL=loud", "LIFEOPS_OURA_REDIRECT_URL=:::"},
			[]string{"readings_retention_days", "expose_to_assist", "log_level", "oura_redirect_url", "4 problems"}},
	}
	for _, tc := range cases {
		// Bounded: an old serve would wait for the database forever.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, tc.args...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LIFEOPS_MQTT_URL=", "LIFEOPS_DATABASE_URL=postgres://127.0.0.1:1/x"}, tc.env...)
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != exitUsage {
			t.Errorf("%s: exit %d, want 2:\n%s", tc.name, code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, out)
			}
		}
		if strings.Contains(string(out), "lifeops ready") {
			t.Errorf("%s: serve said ready with a configuration it cannot serve:\n%s", tc.name, out)
		}
	}
}

// TestConfigCheckShowsTheMQTTClientID: without mqtt_client_id, config check
// shows the id this replica will use (from the base topic and the host
// name); with it, that one.
func TestConfigCheckShowsTheMQTTClientID(t *testing.T) {
	t.Parallel()
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	for _, tc := range []struct{ env, want string }{
		{"LIFEOPS_BASE_TOPIC=home/lifeops", mqtt.DefaultClientID("home/lifeops", host)},
		{"LIFEOPS_MQTT_CLIENT_ID=lifeops-kitchen", "lifeops-kitchen"},
	} {
		cmd := exec.Command(binary, "config", "check")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LIFEOPS_DATABASE_URL=postgres://127.0.0.1:1/x", tc.env}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.env, err, out)
		}
		var line string
		for l := range strings.Lines(string(out)) {
			if strings.HasPrefix(l, "mqtt_client_id ") {
				line = l
			}
		}
		if f := strings.Fields(line); len(f) < 3 || f[2] != tc.want {
			t.Errorf("%s: config check shows %q, want the id %s", tc.env, line, tc.want)
		}
	}
}

// TestTLSHandshakeErrorsAreStructured: a client that fails the handshake is
// one JSON log line with its address and the error as fields.
func TestTLSHandshakeErrorsAreStructured(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := writeTestPair(t, dir)
	cmd := exec.Command(binary, "serve", "--http-addr", "127.0.0.1:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LIFEOPS_DATABASE_URL=" + dbtest.Empty(t), "LIFEOPS_MQTT_URL=", "LIFEOPS_LOG_FORMAT=json",
		"LIFEOPS_TLS_CERT_FILE=" + cert, "LIFEOPS_TLS_KEY_FILE=" + key, "LIFEOPS_DATA_DIR=" + dir}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	sent := false
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("serve exited")
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("a log line is not JSON: %s", line)
			}
			if m["message"] == "lifeops ready" && !sent {
				conn, err := net.Dial("tcp", m["addr"].(string))
				if err != nil {
					t.Fatal(err)
				}
				_, _ = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
				_, _ = conn.Read(make([]byte, 512))
				conn.Close()
				sent = true
			}
			if m["message"] == "TLS handshake failed" {
				if m["component"] != "http" || !strings.HasPrefix(m["remote_addr"].(string), "127.0.0.1:") || m["error"] == "" {
					t.Errorf("handshake line lacks its fields: %s", line)
				}
				return
			}
		case <-deadline:
			t.Fatal("no TLS handshake line within 30 s")
		}
	}
}

func writeTestPair(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}
