package sensors_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// TestTwoReplicasShareReadings: two replicas of one household (the same
// base topic) on two hosts, one database and one broker, each with the
// client id derived from its host name: both stay connected the whole time
// (with one id, the broker would take the session from one for the other,
// in a loop), they share the sensor stream through a shared subscription
// (each reading reaches one of them, both take part) and every value is
// stored once.
func TestTwoReplicasShareReadings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	z2mBase := root + "/z2m"
	group := strings.ReplaceAll(root, "/", "_")
	pool := dbtest.New(t)

	var ings []*sensors.Ingester
	var clients []*mqtt.Client
	var losses atomic.Int64
	for r := range 2 {
		ing := startIngester(t, sensors.IngesterOptions{Store: postgres.NewReadings(pool), Logger: testLogger(t)})
		ings = append(ings, ing)
		host := "replica-" + strconv.Itoa(r) + "." + group
		client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: root + "/lifeops", ClientID: mqtt.DefaultClientID(root+"/lifeops", host),
			Logger: testLogger(t), MaxReconnectInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		client.OnConnectionLost(func() { losses.Add(1) })
		clients = append(clients, client)
		src, err := sensors.NewSource(sensors.SourceOptions{Subscriber: subscriber{client}, Selection: sensors.NewSelection(sensors.ParseAllowList("bed")),
			Sink: ing, Rules: &rules{}, Z2MBase: z2mBase, ShareGroup: group, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		startClientAndSource(t, client, src)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := client.WaitConnected(wctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}

	time.Sleep(500 * time.Millisecond) // a client taken over reconnects within 200 ms
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
	if n := losses.Load(); n > 0 {
		t.Errorf("replicas lost their connection %d times: they share a client id", n)
	}
	for r, c := range clients {
		if !c.Status().Connected {
			t.Errorf("replica %d (client id %s) is not connected", r, c.ClientID())
		}
	}
	mqtttest.Eventually(t, 10*time.Second, "every reading stored", func() bool {
		var rows, distinct int
		if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT state) FROM readings WHERE sensor = 'zigbee2mqtt/bed/strength'`).Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		return rows == n && distinct == n
	})
}
