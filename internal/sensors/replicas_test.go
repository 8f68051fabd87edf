package sensors_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// TestTwoReplicasShareReadings: two replicas of one household on one
// database and one broker share the sensor stream through a shared
// subscription: each reading reaches one of them, both take part, and
// every value is stored once.
func TestTwoReplicasShareReadings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	z2mBase := root + "/z2m"
	group := strings.ReplaceAll(root, "/", "_")
	pool := dbtest.New(t)

	var ings []*sensors.Ingester
	for r := range 2 {
		ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Logger: testLogger(t)})
		ings = append(ings, ing)
		client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: root + "/replica" + strconv.Itoa(r), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		src, err := sensors.NewSource(sensors.SourceOptions{Subscriber: subscriber{client}, Selection: sensors.NewSelection(sensors.ParseAllowList("bed")),
			Sink: ing, Rules: &rules{}, Z2MBase: z2mBase, ShareGroup: group, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := client.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = client.Stop(ctx)
		})
		if err := src.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = src.Stop(ctx) })
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := client.WaitConnected(wctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}

	pub := mqtttest.NewObserver(t, url)
	const n = 200
	for i := range n {
		pub.Publish(z2mBase+"/bed", false, `{"strength":`+strconv.Itoa(i)+`}`)
	}
	received := func() (uint64, uint64) { return ings[0].Stats().Received, ings[1].Stats().Received }
	mqtttest.Eventually(t, 10*time.Second, "every reading received", func() bool {
		a, b := received()
		return a+b >= n
	})
	time.Sleep(300 * time.Millisecond) // any second copy would arrive meanwhile
	a, b := received()
	if a+b != n || a == 0 || b == 0 {
		t.Errorf("replicas received %d and %d readings of %d: want each once, shared by both", a, b, n)
	}
	mqtttest.Eventually(t, 10*time.Second, "every reading stored", func() bool {
		var rows, distinct int
		if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT state) FROM readings WHERE sensor = 'zigbee2mqtt/bed/strength'`).Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		return rows == n && distinct == n
	})
}
