package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/postgres"
)

func TestEntitiesCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.URL(t)
	pool, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var id int64
	if err := pool.QueryRow(ctx, "INSERT INTO people (name, slug, color) VALUES ('Robin', 'robin', '#03a9f4') RETURNING id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO person_progress (person_id) VALUES ($1)", id); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"entities"}, &stdout, &stderr, config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db})); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	type entity struct {
		EntityID   string   `json:"entity_id"`
		Person     string   `json:"person"`
		Attributes []string `json:"attributes"`
	}
	var got struct {
		Entities   []entity            `json:"entities"`
		EventTypes map[string][]string `json:"event_types"`
		Actions    map[string][]struct {
			Name     string `json:"name"`
			Required bool   `json:"required"`
		} `json:"actions"`
		Result string `json:"result_event"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	i := slices.IndexFunc(got.Entities, func(e entity) bool { return e.EntityID == "sensor.lifeops_robin_life_score" })
	if i < 0 || got.Entities[i].Person != "robin" || !slices.Contains(got.Entities[i].Attributes, "explanation") {
		t.Errorf("no life score sensor for robin in %s", stdout.String())
	}
	if len(got.EventTypes["level_up"]) == 0 || len(got.Actions["lifeops_check_in"]) == 0 || got.Result != "lifeops_result" {
		t.Errorf("event types %v, actions %v, result %q", got.EventTypes, got.Actions, got.Result)
	}

	// An unmigrated database is an error that says what to do.
	stdout.Reset()
	stderr.Reset()
	empty := dbtest.Empty(t)
	if code := run(ctx, []string{"entities"}, &stdout, &stderr, config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": empty})); code == exitOK ||
		!strings.Contains(stderr.String(), "migrate up") {
		t.Errorf("unmigrated database: exit %d, %s", code, stderr.String())
	}
}

func TestEntitiesCommandListsCalDAV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.URL(t)
	pool, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var id int64
	if err := pool.QueryRow(ctx, "INSERT INTO people (name, slug, color) VALUES ('Robin', 'robin', '#03a9f4') RETURNING id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO person_progress (person_id) VALUES ($1)", id); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := map[string]string{"LIFEOPS_DATABASE_URL": db, "LIFEOPS_CALDAV_ADDR": "192.168.1.5:5232"}
	if code := run(ctx, []string{"entities"}, &stdout, &stderr, config.MapEnv(env)); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got struct {
		CalDAV struct {
			URL         string `json:"url"`
			Collections []struct {
				Person, ID, Name, Component, Path string
			} `json:"collections"`
		} `json:"caldav"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	todos := fmt.Sprintf("%d-todos", id)
	if got.CalDAV.URL != "http://192.168.1.5:5232/dav/lifeops/" || len(got.CalDAV.Collections) != 3 ||
		got.CalDAV.Collections[1].ID != todos || got.CalDAV.Collections[1].Name != "Robin's to-dos" ||
		got.CalDAV.Collections[1].Path != "/dav/lifeops/calendars/"+todos+"/" || got.CalDAV.Collections[2].Component != "VEVENT" {
		t.Fatalf("caldav: %+v", got.CalDAV)
	}
	stdout.Reset()
	env["LIFEOPS_CALDAV_ADDR"] = "off"
	if code := run(ctx, []string{"entities"}, &stdout, &stderr, config.MapEnv(env)); code != exitOK || bytes.Contains(stdout.Bytes(), []byte(`"caldav"`)) {
		t.Fatalf("caldav off: exit %d, %s", code, stdout.String())
	}
}
