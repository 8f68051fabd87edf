package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate and its key as PEM files.
func writePair(t *testing.T, dir, name string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lifeops.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func checked(t *testing.T, env map[string]string, args ...string) error {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	l := NewLoader(fs)
	// Never read the real /data/options.json from a test.
	if !containsOptions(args) {
		empty := filepath.Join(t.TempDir(), "empty.json")
		if err := os.WriteFile(empty, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--options", empty)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	_, err := l.LoadChecked(MapEnv(env))
	return err
}

func TestTLSFilesChecked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := writePair(t, dir, "a")
	otherCert, _ := writePair(t, dir, "b")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, cert, key, want string
	}{
		{"valid pair", cert, key, ""},
		{"missing certificate", filepath.Join(dir, "absent.crt"), key, "tls_cert_file cannot be read: no such file or directory"},
		{"missing key", cert, filepath.Join(dir, "absent.key"), "tls_key_file cannot be read"},
		{"not PEM", garbage, key, "not a valid certificate and key pair"},
		{"key of another certificate", otherCert, key, "not a valid certificate and key pair"},
		{"certificate without key", cert, "", "go together"},
	}
	for _, c := range cases {
		err := checked(t, map[string]string{"LIFEOPS_TLS_CERT_FILE": c.cert, "LIFEOPS_TLS_KEY_FILE": c.key})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want a problem saying %q", c.name, err, c.want)
		}
	}
}

func TestURLsParsed(t *testing.T) {
	t.Parallel()
	for key, v := range map[string]string{
		"LIFEOPS_OURA_REDIRECT_URL": ":::",
		"LIFEOPS_OURA_API_URL":      "://nohost",
		"LIFEOPS_HA_URL":            "ws//ha",
		"LIFEOPS_MQTT_URL":          "tcp://[::1",
		"LIFEOPS_DATABASE_URL":      ":::",
	} {
		err := checked(t, map[string]string{key: v, "LIFEOPS_HA_TOKEN": "x"})
		field := strings.ToLower(strings.TrimPrefix(key, "LIFEOPS_"))
		if err == nil || !strings.Contains(err.Error(), field+"=") {
			t.Errorf("%s=%q: got %v, want a problem naming %s", key, v, err, field)
		}
	}
}

// TestEveryProblemInOneMessage: an option of the wrong type, an unknown
// option and a value that does not parse no longer hide the invalid values
// found by validation.
func TestEveryProblemInOneMessage(t *testing.T) {
	t.Parallel()
	opts := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(opts, []byte(`{"expose_to_assist":[1],"log_levle":"x","oura_redirect_url":":::"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := checked(t, map[string]string{
		"LIFEOPS_READINGS_RETENTION_DAYS": "ten",
		"LIFEOPS_LOG_LEVEL":               "loud",
		"LIFEOPS_TLS_CERT_FILE":           "/nonexistent/cert.pem",
		"LIFEOPS_TLS_KEY_FILE":            "/nonexistent/key.pem",
	}, "--options", opts)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	for _, want := range []string{"expose_to_assist", "log_levle", "oura_redirect_url", "readings_retention_days", "log_level=", "tls_cert_file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message does not name %s:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "readings_retention_days="); n != 1 {
		t.Errorf("readings_retention_days named %d times, want once:\n%v", n, err)
	}
}
