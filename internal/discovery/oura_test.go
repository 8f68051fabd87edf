package discovery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

// TestOuraDiagnosticsReachHomeAssistant: a person whose Oura authorization
// is gone sees it on their last-sync entity, with the last sync's time.
func TestOuraDiagnosticsReachHomeAssistant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	url, root, base, store, svc := e.url, e.root, e.base, e.store, e.svc
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

	e.startBridge(t, discovery.BridgeOptions{Oura: app.NewOura(svc, app.OuraOptions{})})

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
