package hass_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/hass/hatest"
)

func TestCalDAVRefresherUpdatesThePersonsEntities(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ha := hatest.Start(t, hatest.Options{})
	for _, e := range []hatest.RegistryEntry{
		{EntityID: "todo.alex_s_to_dos", Platform: "caldav", UniqueID: "01ENTRY-1-todos"},
		{EntityID: "todo.alex_s_today", Platform: "caldav", UniqueID: "01ENTRY-1-today"},
		{EntityID: "calendar.alex_s_routine", Platform: "caldav", UniqueID: "01ENTRY-1-routine"},
		{EntityID: "todo.sam_s_to_dos", Platform: "caldav", UniqueID: "01ENTRY-11-todos"},
		{EntityID: "sensor.alex_score", Platform: "mqtt", UniqueID: "lifeops-1-todos"},
	} {
		ha.Register(e)
	}
	client := hass.New(hass.Options{URL: ha.WebSocketURL(), Token: "test-token", Logger: zerolog.Nop()})
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Stop(context.Background()) })
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	ids := func(personID int64) []string {
		return []string{fmt.Sprint(personID, "-today"), fmt.Sprint(personID, "-todos"), fmt.Sprint(personID, "-routine")}
	}
	r := hass.NewCalDAVRefresher(client, ids, 50*time.Millisecond, zerolog.Nop())
	go r.Run(ctx)
	// A burst of changes of one person: one call, for that person's three
	// entities only.
	for range 3 {
		r.Publish(ctx, []domain.Event{{Kind: domain.EventCheckIn, PersonID: 1, At: time.Now()}})
	}
	deadline := time.Now().Add(5 * time.Second)
	var calls []hatest.ServiceCall
	for time.Now().Before(deadline) {
		if calls = ha.Calls(); len(calls) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	calls = ha.Calls()
	if len(calls) != 1 || calls[0].Domain != "homeassistant" || calls[0].Service != "update_entity" {
		t.Fatalf("calls: %+v", calls)
	}
	got := []string{}
	for _, id := range calls[0].ServiceData["entity_id"].([]any) {
		got = append(got, id.(string))
	}
	want := []string{"calendar.alex_s_routine", "todo.alex_s_to_dos", "todo.alex_s_today"}
	if !slices.Equal(got, want) {
		t.Fatalf("updated %v, want %v", got, want)
	}
}

func TestCalDAVRefresherWithoutEntitiesCallsNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ha := hatest.Start(t, hatest.Options{})
	ha.Register(hatest.RegistryEntry{EntityID: "todo.other", Platform: "caldav", UniqueID: "01ENTRY-work"})
	client := hass.New(hass.Options{URL: ha.WebSocketURL(), Token: "test-token", Logger: zerolog.Nop()})
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Stop(context.Background()) })
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	r := hass.NewCalDAVRefresher(client, func(id int64) []string { return []string{fmt.Sprint(id, "-today")} }, 10*time.Millisecond, zerolog.Nop())
	go r.Run(ctx)
	r.Refresh(1, 2)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range ha.Commands() {
			if c.Type == "config/entity_registry/list" {
				time.Sleep(100 * time.Millisecond)
				if calls := ha.Calls(); len(calls) != 0 {
					t.Fatalf("called %+v for entities of no LifeOps collection", calls)
				}
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the registry was never read")
}
