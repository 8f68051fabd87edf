package discovery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestOuraDiagnosticsReachHomeAssistant: a person whose Oura authorization
// is gone sees it on their last-sync entity, with the last sync's time.
func TestOuraDiagnosticsReachHomeAssistant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	base, prefix := root+"/lifeops", root+"/ha"
	t.Cleanup(func() { mqtttest.ClearRetained(t, url, root+"/#") })

	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(dbtest.New(t))
	svc := app.New(app.Options{Store: store, Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	p, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	synced := time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC)
	if err := store.OuraTokenSealedPut(ctx, p.Value.ID, "v1:sealed", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := store.OuraSyncResult(ctx, p.Value.ID, synced, "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OuraReauthMark(ctx, p.Value.ID, "refresh token already used"); err != nil {
		t.Fatal(err)
	}

	client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: base, ClientID: root, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Stop(context.Background()) })
	if err := client.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	pub, err := discovery.NewPublisher(discovery.PublisherOptions{Transport: client, Logger: zerolog.Nop(),
		Jitter: func() time.Duration { return 0 }, CleanupWindow: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bridge := discovery.NewBridge(discovery.BridgeOptions{Source: svc, Publisher: pub, Transport: client, Oura: app.NewOura(svc, app.OuraOptions{}),
		Logger: zerolog.Nop(), Version: "test", BaseTopic: base, Prefix: prefix, Debounce: 10 * time.Millisecond})
	if err := bridge.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bridge.Stop(context.Background()) })

	obs := mqtttest.NewObserver(t, url, root+"/#")
	state := fmt.Sprintf("%s/%d/oura/last_sync/state", base, p.Value.ID)
	got := obs.WaitFor(5*time.Second, "the last-sync state", func(r mqtttest.Received) bool { return r.Topic == state })
	if string(got.Payload) != synced.Format(time.RFC3339) {
		t.Errorf("last sync %s, want %s", got.Payload, synced.Format(time.RFC3339))
	}
	attrTopic := fmt.Sprintf("%s/%d/oura/last_sync/attributes", base, p.Value.ID)
	got = obs.WaitFor(5*time.Second, "the last-sync attributes", func(r mqtttest.Received) bool { return r.Topic == attrTopic })
	var attrs map[string]any
	if err := json.Unmarshal(got.Payload, &attrs); err != nil {
		t.Fatal(err)
	}
	if attrs["connected"] != true || attrs["needs_reauth"] != true || attrs["reauth_reason"] != "refresh token already used" {
		t.Errorf("attributes %v", attrs)
	}
}
