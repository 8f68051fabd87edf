package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadOptions feeds arbitrary bytes as the add-on's options.json: loading
// never panics, every failure is a *Error naming its fields (or says the file
// is not a JSON object), and a secret set in the file never shows in the
// redacted listing. Seeds: testdata/fuzz/FuzzLoadOptions.
func FuzzLoadOptions(f *testing.F) {
	f.Add([]byte(`{"log_level":"info","expose_to_assist":false}`))
	f.Add([]byte(`{"database_url":"postgres://u:hunter2@db/lifeops","mqtt_password":"hunter2"}`))
	f.Fuzz(func(t *testing.T, options []byte) {
		path := filepath.Join(t.TempDir(), "options.json")
		if err := os.WriteFile(path, options, 0o600); err != nil {
			t.Fatal(err)
		}
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		l := NewLoader(fs)
		if err := fs.Parse([]string{"--options", path}); err != nil {
			t.Fatal(err)
		}
		c, err := l.Load(MapEnv(nil))
		if err == nil {
			err = c.Validate()
		}
		if err == nil {
			secret := c.MQTTPassword
			for _, s := range c.Redacted() {
				if s.Key == "mqtt_password" && secret != "" && strings.Contains(s.Value, secret) {
					t.Fatalf("setting %s shows the MQTT password: %q", s.Key, s.Value)
				}
			}
			return
		}
		var cerr *Error
		if errors.As(err, &cerr) {
			if len(cerr.Problems) == 0 {
				t.Fatalf("an Error without problems: %v", err)
			}
			for _, p := range cerr.Problems {
				if p.Field == "" || p.Reason == "" {
					t.Fatalf("problem without field or reason: %+v", p)
				}
			}
			return
		}
		if !strings.Contains(err.Error(), "options file") {
			t.Fatalf("error does not name the options file: %v", err)
		}
	})
}
