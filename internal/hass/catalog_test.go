package hass

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/hass/hatest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestEntitiesListedOnceHARuns: connected to an HA that is still starting
// (its WebSocket API is up before most integrations made their entities),
// LifeOps waits for RUNNING before listing, so a half-made list never
// replaces the catalog; then every entity is listed with its friendly name,
// unit, device class, state and last_changed.
func TestEntitiesListedOnceHARuns(t *testing.T) {
	t.Parallel()
	fake, client := start(t, hatest.Options{}, nil)
	fake.SetCoreState("STARTING")
	fake.SetState("sun.sun", "above_horizon", map[string]any{"friendly_name": "Sun"})
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(dbtest.New(t)), Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	ListEntitiesOnConnect(client, EntityListOptions{Lister: svc, Logger: zerolog.Nop(), StartPoll: 20 * time.Millisecond})
	// A hook registered after it (the entity feed, the exposer) does not
	// wait for HA to finish starting.
	var later atomic.Bool
	client.OnConnect(func(context.Context) { later.Store(true) })
	run(t, client)
	connected(t, client)
	waitFor(t, "get_config asked while HA starts", func() bool { return countType(fake, "get_config") >= 2 })
	if !later.Load() {
		t.Fatal("the next connect hook waited for HA to finish starting")
	}
	if n := countType(fake, "get_states"); n != 0 {
		t.Fatalf("get_states asked %d times while HA was starting", n)
	}
	fake.SetState("sensor.bedroom_temperature", "19.5", map[string]any{"friendly_name": "Bedroom temperature",
		"unit_of_measurement": "°C", "device_class": "temperature", "state_class": "measurement"})
	fake.SetCoreState("RUNNING")
	listed := func() map[string]app.SensorInfo {
		all, err := svc.Sensors(context.Background(), app.SensorFilter{Source: "ha"})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]app.SensorInfo{}
		for _, s := range all {
			m[s.Sensor] = s
		}
		return m
	}
	waitFor(t, "HA's entities listed", func() bool { return len(listed()) == 2 })
	temp := listed()["sensor.bedroom_temperature"]
	st, _ := fake.State("sensor.bedroom_temperature")
	if temp.Name != "Bedroom temperature" || temp.Unit != "°C" || temp.DeviceClass != "temperature" || temp.State != "19.5" ||
		temp.At == nil || !temp.At.Equal(st.LastChanged) || !temp.Listed || temp.Seen {
		t.Fatalf("the temperature sensor listed as %+v (HA's last_changed %v)", temp, st.LastChanged)
	}
	if n := countType(fake, "get_states"); n != 1 {
		t.Fatalf("get_states asked %d times", n)
	}
}

// TestConfigAskedOncePerConnection: the get_config that waits for RUNNING
// also hands the configuration (time zone, language) to OnConfig, once per
// connection however often HA is asked while it starts, so nothing else
// asks HA for it again.
func TestConfigAskedOncePerConnection(t *testing.T) {
	t.Parallel()
	fake, client := start(t, hatest.Options{TimeZone: "Europe/Amsterdam"}, nil)
	fake.SetCoreState("STARTING")
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(dbtest.New(t)), Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	var configs atomic.Int32
	var zone atomic.Value
	ListEntitiesOnConnect(client, EntityListOptions{Lister: svc, Logger: zerolog.Nop(), StartPoll: 20 * time.Millisecond,
		OnConfig: func(c Config) {
			configs.Add(1)
			zone.Store(c.TimeZone)
		}})
	run(t, client)
	connected(t, client)
	waitFor(t, "get_config asked while HA starts", func() bool { return countType(fake, "get_config") >= 3 })
	if n := configs.Load(); n != 1 || zone.Load() != "Europe/Amsterdam" {
		t.Fatalf("OnConfig called %d times with the time zone %v while HA started, want once with Europe/Amsterdam", n, zone.Load())
	}
	fake.SetCoreState("RUNNING")
	waitFor(t, "HA's entities listed", func() bool { return countType(fake, "get_states") == 1 })
	asked := countType(fake, "get_config")
	// A new connection to an HA that runs: one get_config, one OnConfig.
	fake.DropAll()
	waitFor(t, "HA's entities listed again", func() bool { return countType(fake, "get_states") == 2 })
	if n := countType(fake, "get_config") - asked; n != 1 {
		t.Errorf("the second connection asked get_config %d times, want once", n)
	}
	if n := configs.Load(); n != 2 {
		t.Errorf("OnConfig called %d times in two connections, want 2", n)
	}
}
