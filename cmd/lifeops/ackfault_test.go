package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestSIGKILLDuringZigbee2MQTTStream kills `lifeops serve` three times while
// a Zigbee2MQTT device streams QoS 1 states, each a new value. A reading is
// acknowledged to the broker only once its row is committed, so what was
// queued in memory at a kill is redelivered to the next process (same
// persistent session), and what was committed but not yet acknowledged is
// redelivered too and recognised by its delivery key (client id, packet id,
// digest, written with the readings): afterwards every value is stored
// exactly once.
//
// LifeOps reaches the broker through a proxy that holds what it sends for
// 150 ms and drops what it holds when LifeOps dies, as a kill drops the
// PUBACKs that had not left yet. Without it the instant between a commit and
// its PUBACKs is too short for a kill to land in it often; with it every
// kill leaves committed messages unacknowledged, which the broker sends
// again.
func TestSIGKILLDuringZigbee2MQTTStream(t *testing.T) {
	t.Parallel()
	brokerURL := os.Getenv("LIFEOPS_TEST_MQTT_URL")
	if brokerURL == "" {
		t.Fatal("LIFEOPS_TEST_MQTT_URL is not set (make test sets it)")
	}
	db := dbtest.URL(t)
	root := mqtttest.UniqueRoot(t)
	proxy := newLaggingProxy(t, strings.TrimPrefix(brokerURL, "tcp://"), 150*time.Millisecond)
	env := []string{"LIFEOPS_MQTT_URL=tcp://" + proxy, "LIFEOPS_BASE_TOPIC=" + root + "/lifeops", "LIFEOPS_DISCOVERY_PREFIX=" + root + "/ha",
		"LIFEOPS_Z2M_BASE_TOPIC=" + root + "/z2m", "LIFEOPS_SENSOR_ALLOW_LIST=bed"}
	p := start(t, db, env...)
	var redelivered atomic.Int64 // messages the processes recognised as stored before
	drainLines := func(p *process) {
		go func() {
			for l := range p.lines {
				if n, ok := l["redelivered"].(float64); ok {
					redelivered.Add(int64(n))
				}
			}
		}()
	}
	drainLines(p)

	pub := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetClientID(fmt.Sprintf("z2m-%d", time.Now().UnixNano())))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	publish := func(topic, payload string) {
		tok := pub.Publish(topic, 1, false, payload)
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %s: %v", topic, tok.Error())
		}
	}

	pool, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	stored := func() map[string]int {
		rows, err := pool.Query(context.Background(), `SELECT state FROM readings WHERE sensor = 'zigbee2mqtt/bed/strength'`)
		if err != nil {
			t.Fatal(err)
		}
		states, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, s := range states {
			out[s]++
		}
		return out
	}
	// The subscription is made on connect: wait until a first state lands.
	publish(root+"/z2m/bridge/devices", `[{"friendly_name":"bed","ieee_address":"0x01","type":"EndDevice"}]`)
	mqtttest.Eventually(t, 20*time.Second, "the first reading stored", func() bool {
		publish(root+"/z2m/bed", `{"strength":-1}`)
		return stored()["-1"] > 0
	})

	const n, kills = 2000, 3
	var sent atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			tok := pub.Publish(root+"/z2m/bed", 1, false, `{"strength":`+strconv.Itoa(i)+`}`)
			if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Errorf("publish %d: %v", i, tok.Error())
				return
			}
			sent.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	for kill := range kills {
		for sent.Load() < int64((kill+1)*n/(kills+1)) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-p.done
		p = start(t, db, env...)
		drainLines(p)
	}
	<-done
	got := stored()
	for deadline := time.Now().Add(30 * time.Second); len(got) < n+1 && time.Now().Before(deadline); got = stored() {
		time.Sleep(100 * time.Millisecond)
	}
	missing, twice := 0, 0
	for i := range n {
		switch c := got[strconv.Itoa(i)]; {
		case c == 0:
			missing++
		case c > 1:
			twice++
		}
	}
	t.Logf("after %d SIGKILLs mid-stream: %d of %d values missing, %d stored more than once, %d redeliveries of stored messages recognised",
		kills, missing, n, twice, redelivered.Load())
	if redelivered.Load() == 0 {
		t.Errorf("no redelivery of a stored message: the kills did not test what they should")
	}
	if missing > 0 || twice > 0 || len(got) != n+1 {
		t.Errorf("after %d SIGKILLs mid-stream: %d of %d values missing, %d stored more than once, %d distinct states: want each exactly once",
			kills, missing, n, twice, len(got))
	}
}

// newLaggingProxy forwards TCP connections to broker, the broker's bytes at
// once and the client's after lag; when the client's side closes, what is
// still held is dropped and the broker's side is closed at once. It returns
// its address.
func newLaggingProxy(t *testing.T, broker string, lag time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", broker)
			if err != nil {
				client.Close()
				continue
			}
			type chunk struct {
				b  []byte
				at time.Time
			}
			held := make(chan chunk, 4096)
			gone := make(chan struct{})
			wg.Go(func() { // broker → client, as it comes
				_, _ = io.Copy(client, up)
				client.Close()
			})
			wg.Go(func() { // client → broker, held for lag
				defer close(held)
				for {
					b := make([]byte, 32<<10)
					n, err := client.Read(b)
					if n > 0 {
						held <- chunk{b[:n], time.Now().Add(lag)}
					}
					if err != nil {
						close(gone)
						return
					}
				}
			})
			wg.Go(func() {
				defer up.Close()
				for c := range held {
					select {
					case <-time.After(time.Until(c.at)):
					case <-gone: // the client died: what it sent last never arrives
						return
					}
					if _, err := up.Write(c.b); err != nil {
						return
					}
				}
			})
		}
	})
	return l.Addr().String()
}
