package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestMQTTSessionsOfGoneReplicasEnd: a replica connected marks its client
// id; one that has not been connected for an hour (gone for good, its
// session still a member of the shared subscription, getting half the
// messages) has its session ended by the sweep and its keys forgotten, and
// the live replica then gets every message. The live replica's own id and
// a replica seen recently are left alone.
func TestMQTTSessionsOfGoneReplicasEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	pool, err := postgres.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	filter := mqtt.Shared(strings.ReplaceAll(root, "/", "_"), root+"/z2m/#")
	newClient := func(id string) *mqtt.Client {
		c, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: root + "/" + id, ClientID: mqtt.DefaultClientID(root, id),
			Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), MaxReconnectInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	connect := func(c *mqtt.Client, h mqtt.Handler) {
		if err := c.Subscribe(ctx, filter, 1, h); err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := c.WaitConnected(wctx); err != nil {
			t.Fatal(err)
		}
	}
	stop := func(c *mqtt.Client) {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = c.Stop(sctx)
	}

	// The replica gone for good: subscribed, then offline with its session.
	gone := newClient("gone")
	connect(gone, func(context.Context, string, []byte, bool) {})
	stop(gone)
	store := postgres.NewMQTTClients(pool)
	readings := postgres.NewReadings(pool)
	if _, _, err := readings.ReadingsInsertDelivered(ctx, []app.Reading{{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/bed/x", State: "1", At: time.Now()}},
		[]app.Delivery{{ClientID: gone.ClientID(), PacketID: 1, Digest: 1, N: 1}}); err != nil {
		t.Fatal(err)
	}
	away := newClient("away") // gone for a few minutes only
	for _, id := range []string{gone.ClientID(), away.ClientID()} {
		if err := store.MQTTClientSeen(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE mqtt_clients SET seen_at = now() - interval '2 hours' WHERE client_id = $1`, gone.ClientID()); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE mqtt_clients SET seen_at = now() - interval '5 minutes' WHERE client_id = $1`, away.ClientID()); err != nil {
		t.Fatal(err)
	}

	// The live replica, marked as connected by its sessions keeper.
	var got atomic.Int64
	live := newClient("live")
	s := newMQTTSessions(pool, zerolog.New(zerolog.NewTestWriter(t)))
	s.use(live, mqtt.Options{URL: url, ClientID: live.ClientID()})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.run(rctx); close(done) }()
	defer func() { cancel(); <-done }()
	connect(live, func(context.Context, string, []byte, bool) { got.Add(1) })
	defer stop(live)
	seenLive := func() bool {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM mqtt_clients WHERE client_id = $1 AND seen_at > now() - interval '1 minute'`, live.ClientID()).Scan(&n)
		return n == 1
	}
	mqtttest.Eventually(t, 10*time.Second, "the live replica marked as connected", seenLive)

	pub := mqtttest.NewObserver(t, url)
	send := func() int64 {
		got.Store(0)
		for i := range 20 {
			pub.Publish(root+"/z2m/bed", false, fmt.Sprint(i))
		}
		time.Sleep(500 * time.Millisecond)
		return got.Load()
	}
	before := send()
	if err := s.sweep(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	after := send()
	t.Logf("the live replica got %d of 20 beside the gone one's session, %d of 20 after the sweep", before, after)
	if before == 20 {
		t.Errorf("the gone replica's session took nothing: the test does not test the sweep")
	}
	if after != 20 {
		t.Errorf("after the sweep the live replica got %d of 20", after)
	}
	var ids []string
	rows, err := pool.Query(ctx, `SELECT client_id FROM mqtt_clients ORDER BY client_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var keys int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM mqtt_deliveries WHERE client_id = $1`, gone.ClientID()).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	want := []string{away.ClientID(), live.ClientID()}
	slices.Sort(want)
	if !slices.Equal(ids, want) || keys != 0 {
		t.Errorf("client ids kept: %v, the gone one's keys: %d; want the away and live ones, no keys", ids, keys)
	}
}
