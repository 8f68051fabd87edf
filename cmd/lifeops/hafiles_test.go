package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestHACommand: `lifeops ha …` prints YAML written for the household in
// the database, and a bad option is a usage error naming it.
func TestHACommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.URL(t)
	pool, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, p := range []struct{ name, slug string }{{"Ana Lúcia", "ana_lucia"}, {"Jo", "jo"}} {
		var id int64
		if err := pool.QueryRow(ctx, "INSERT INTO people (name, slug, color) VALUES ($1, $2, '#03a9f4') RETURNING id", p.name, p.slug).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "INSERT INTO person_progress (person_id) VALUES ($1)", id); err != nil {
			t.Fatal(err)
		}
	}
	env := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db})
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"ha", "dashboard"}, []string{`title: "Ana Lúcia"`, "sensor.lifeops_ana_lucia_life_score", "event.lifeops_jo_events"}},
		{[]string{"ha", "sentences", "--language", "en"}, []string{`in: "Ana Lúcia"`, `in: "Jo"`}},
		{[]string{"ha", "package", "--voice-person", "Jo"}, []string{"lifeops_voice_person:", "script:", "intent_script:"}},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(ctx, tt.args, &stdout, &stderr, env); code != exitOK {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr.String())
		}
		var doc map[string]any
		if err := yaml.Unmarshal(stdout.Bytes(), &doc); err != nil {
			t.Errorf("%v: not YAML: %v", tt.args, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%v: output lacks %q", tt.args, w)
			}
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"ha", "sentences", "--language", "de"}, "language (de): must be one of en"},
		{[]string{"ha", "package", "--voice-person", "nobody"}, "voice_person (nobody): must be a person's id, slug or name: ana_lucia, jo"},
		{[]string{"ha", "blueprint"}, "ha: want one of package, sentences, dashboard"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(ctx, tt.args, &stdout, &stderr, env); code != exitUsage || !strings.Contains(stderr.String(), tt.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %d bytes; want exit %d naming %q", tt.args, code, stderr.String(), stdout.Len(), exitUsage, tt.want)
		}
	}
}
