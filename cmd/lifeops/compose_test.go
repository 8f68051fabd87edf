package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
)

// deploy/compose.yaml (for HA Container and Core) is a valid Compose file
// (loaded and checked against the Compose specification by compose-go, the
// loader of docker compose itself), runs LifeOps from the add-on's image
// with settings LifeOps knows, against services the file defines; the same
// binary with the same environment then starts and answers its health
// check.
func TestComposeFileRunsLifeOps(t *testing.T) {
	t.Parallel()
	opts, err := cli.NewProjectOptions([]string{filepath.Join("..", "..", "deploy", "compose.yaml")},
		cli.WithEnv([]string{}), cli.WithInterpolation(true), cli.WithConsistency(true))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	cf := project
	lo, ok := cf.Services["lifeops"]
	if !ok {
		t.Fatal("deploy/compose.yaml has no lifeops service")
	}
	version, err := os.ReadFile(filepath.Join("..", "..", "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "ghcr.io/lifeops/amd64-addon-lifeops:" + strings.TrimSpace(string(version)); lo.Image != want {
		t.Errorf("lifeops image = %q, want %q (the add-on's image at VERSION)", lo.Image, want)
	}
	if strings.Join(lo.Entrypoint, " ") != "/usr/bin/lifeops" || strings.Join(lo.Command, " ") != "serve" {
		t.Errorf("lifeops runs %v %v, want /usr/bin/lifeops serve (the image's path)", lo.Entrypoint, lo.Command)
	}
	if lo.HealthCheck == nil || strings.Join(lo.HealthCheck.Test, " ") != "CMD /usr/bin/lifeops healthcheck" {
		t.Errorf("lifeops healthcheck = %+v", lo.HealthCheck)
	}
	known := map[string]bool{}
	for _, s := range (config.Config{}).Redacted() {
		known[s.Env] = true
	}
	env := map[string]string{}
	for k, v := range lo.Environment {
		if !known[k] {
			t.Errorf("environment %s is not a LifeOps setting", k)
		}
		if v != nil {
			env[k] = *v
		}
	}
	for dep := range lo.DependsOn {
		if _, ok := cf.Services[dep]; !ok {
			t.Errorf("lifeops depends on %s, which the file does not define", dep)
		}
	}

	// The database and broker URLs name services of the file, with the
	// credentials the postgres service is given.
	db, err := url.Parse(env["LIFEOPS_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	pg := cf.Services[db.Hostname()]
	pw, _ := db.User.Password()
	pgEnv := func(k string) string {
		if v := pg.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if pgEnv("POSTGRES_USER") != db.User.Username() || pgEnv("POSTGRES_PASSWORD") != pw ||
		pgEnv("POSTGRES_DB") != strings.TrimPrefix(db.Path, "/") {
		t.Errorf("LIFEOPS_DATABASE_URL %s does not match the %s service's POSTGRES_* settings %v", db.Redacted(), db.Hostname(), pg.Environment)
	}
	broker, err := url.Parse(env["LIFEOPS_MQTT_URL"])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cf.Services[broker.Hostname()]; !ok {
		t.Errorf("LIFEOPS_MQTT_URL names %s, which is not a service of the file", broker.Hostname())
	}
	for _, v := range []string{"lifeops-data", "postgres-data"} {
		if _, ok := cf.Volumes[v]; !ok {
			t.Errorf("volume %s is not declared: data would not survive a re-create", v)
		}
	}

	// `lifeops config check` accepts the environment as written, and serve
	// starts with it once the service names point at this machine.
	base := []string{"PATH=" + os.Getenv("PATH")}
	var check []string
	for k, v := range env {
		check = append(check, k+"="+v)
	}
	cmd := exec.Command(binary, "config", "check")
	cmd.Env = append(append([]string{}, base...), check...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lifeops config check with the compose environment: %v\n%s", err, out)
	}
	local := map[string]string{}
	for k, v := range env {
		local[k] = v
	}
	local["LIFEOPS_DATABASE_URL"] = dbtest.Empty(t)
	local["LIFEOPS_MQTT_URL"] = strings.Replace(env["LIFEOPS_MQTT_URL"], broker.Host, strings.TrimPrefix(os.Getenv("LIFEOPS_TEST_MQTT_URL"), "tcp://"), 1)
	local["LIFEOPS_DATA_DIR"] = t.TempDir()
	var serveEnv []string
	for k, v := range local {
		serveEnv = append(serveEnv, k+"="+v)
	}
	serve := exec.Command(binary, "serve", "--http-addr", "127.0.0.1:0")
	serve.Env = append(append([]string{}, base...), serveEnv...)
	p := startProcess(t, serve)
	hc := exec.Command(binary, "healthcheck", "--http-addr", p.addr)
	hc.Env = serve.Env
	if out, err := hc.CombinedOutput(); err != nil {
		t.Fatalf("lifeops healthcheck: %v\n%s", err, out)
	}
}
