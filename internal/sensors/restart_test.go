package sensors_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// gate is a mochi hook that lets the test refuse one client's connections
// and swallow its PUBACKs (so the broker keeps those messages in flight and
// redelivers them, as it would after losing the acknowledgements).
type gate struct {
	mochi.HookBase
	client   string
	refuse   atomic.Bool
	swallow  atomic.Bool
	swallowN atomic.Int64
}

func (g *gate) ID() string { return "gate" }

func (g *gate) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck || b == mochi.OnPacketRead
}

func (g *gate) OnConnectAuthenticate(cl *mochi.Client, _ packets.Packet) bool {
	return !(g.refuse.Load() && cl.ID == g.client)
}

func (g *gate) OnACLCheck(*mochi.Client, string, bool) bool { return true }

func (g *gate) OnPacketRead(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type == packets.Puback && cl.ID == g.client && g.swallow.Load() {
		// An id nothing is in flight under: the broker ignores it.
		pk.PacketID ^= 0x8000
		g.swallowN.Add(1)
	}
	return pk, nil
}

// sessions is a mochi storage hook kept in memory by the test, so the
// sessions, subscriptions and in-flight messages of one broker instance
// are there for the next, as a broker's persistence keeps them. (mochi's
// own bolt hook drops the packet id of in-flight messages, and a broker
// cannot redeliver a message without it.)
type sessions struct {
	mochi.HookBase
	mu       sync.Mutex
	clients  map[string]storage.Client
	subs     map[string]storage.Subscription
	inflight map[string]storage.Message
}

func newSessions() *sessions {
	return &sessions{clients: map[string]storage.Client{}, subs: map[string]storage.Subscription{}, inflight: map[string]storage.Message{}}
}

func (h *sessions) ID() string { return "sessions" }

func (h *sessions) Provides(b byte) bool {
	switch b {
	case mochi.OnSessionEstablished, mochi.OnDisconnect, mochi.OnSubscribed, mochi.OnUnsubscribed,
		mochi.OnQosPublish, mochi.OnQosComplete, mochi.OnQosDropped, mochi.OnClientExpired,
		mochi.StoredClients, mochi.StoredSubscriptions, mochi.StoredInflightMessages:
		return true
	}
	return false
}

func (h *sessions) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients[cl.ID] = storage.Client{ID: cl.ID, T: storage.ClientKey, Remote: cl.Net.Remote, Listener: cl.Net.Listener,
		Username: cl.Properties.Username, Clean: cl.Properties.Clean, ProtocolVersion: cl.Properties.ProtocolVersion}
}

func (h *sessions) OnDisconnect(cl *mochi.Client, _ error, expire bool) {
	if !expire || cl.StopCause() == packets.ErrSessionTakenOver {
		return
	}
	h.OnClientExpired(cl)
}

func (h *sessions) OnClientExpired(cl *mochi.Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, cl.ID)
}

func (h *sessions) OnSubscribed(cl *mochi.Client, pk packets.Packet, codes []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, f := range pk.Filters {
		h.subs[cl.ID+"|"+f.Filter] = storage.Subscription{ID: cl.ID + "|" + f.Filter, T: storage.SubscriptionKey, Client: cl.ID, Qos: codes[i], Filter: f.Filter}
	}
}

func (h *sessions) OnUnsubscribed(cl *mochi.Client, pk packets.Packet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range pk.Filters {
		delete(h.subs, cl.ID+"|"+f.Filter)
	}
}

func (h *sessions) OnQosPublish(cl *mochi.Client, pk packets.Packet, sent int64, _ int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := cl.ID + "|" + pk.FormatID()
	h.inflight[key] = storage.Message{ID: key, T: storage.InflightKey, Client: cl.ID, Origin: pk.Origin, FixedHeader: pk.FixedHeader,
		PacketID: pk.PacketID, TopicName: pk.TopicName, Payload: append([]byte(nil), pk.Payload...), Sent: sent, Created: pk.Created}
}

func (h *sessions) OnQosComplete(cl *mochi.Client, pk packets.Packet) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.inflight, cl.ID+"|"+pk.FormatID())
}

func (h *sessions) OnQosDropped(cl *mochi.Client, pk packets.Packet) { h.OnQosComplete(cl, pk) }

func (h *sessions) StoredClients() ([]storage.Client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []storage.Client
	for _, c := range h.clients {
		out = append(out, c)
	}
	return out, nil
}

func (h *sessions) StoredSubscriptions() ([]storage.Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []storage.Subscription
	for _, s := range h.subs {
		out = append(out, s)
	}
	return out, nil
}

func (h *sessions) StoredInflightMessages() ([]storage.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []storage.Message
	for _, m := range h.inflight {
		out = append(out, m)
	}
	return out, nil
}

// broker is an embedded mochi broker that the test stops and starts again
// on the same port, its sessions kept across.
type broker struct {
	t     *testing.T
	addr  string
	gate  *gate
	store *sessions
	s     *mochi.Server
}

func (b *broker) start() {
	b.t.Helper()
	s := mochi.New(&mochi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.AddHook(b.gate, nil); err != nil {
		b.t.Fatal(err)
	}
	if err := s.AddHook(b.store, nil); err != nil {
		b.t.Fatal(err)
	}
	if err := s.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: b.addr})); err != nil {
		b.t.Fatal(err)
	}
	if err := s.Serve(); err != nil {
		b.t.Fatal(err)
	}
	b.s = s
}

func (b *broker) stop() {
	if b.s != nil {
		_ = b.s.Close()
		b.s = nil
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestBrokerRestartLosesNothingStoresNoDuplicate: a stream of QoS 1
// Zigbee2MQTT messages, each with a new sequence number, survives five
// broker restarts in the middle: messages whose acknowledgement the broker never
// saw are redelivered (DUP) and dropped, messages published while LifeOps
// could not connect are queued on its persistent session and arrive, and
// every sequence number is stored exactly once.
func TestBrokerRestartLosesNothingStoresNoDuplicate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lifeopsID = "lifeops-restart-test"
	b := &broker{t: t, addr: freeAddr(t), gate: &gate{client: lifeopsID}, store: newSessions()}
	b.start()
	t.Cleanup(b.stop)
	url := "tcp://" + b.addr

	pool := dbtest.New(t)
	store := postgres.NewReadings(pool)
	ing := startIngester(t, sensors.IngesterOptions{Store: store, Logger: testLogger(t)})
	client, err := mqtt.New(mqtt.Options{URL: url, BaseTopic: "lifeops", ClientID: lifeopsID, Logger: testLogger(t),
		MaxReconnectInterval: 200 * time.Millisecond, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src, err := sensors.NewSource(sensors.SourceOptions{Subscriber: subscriber{client}, Selection: sensors.NewSelection([]string{"bed"}),
		Sink: ing, Z2MBase: "zigbee2mqtt", ClientID: lifeopsID, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = src.Stop(ctx) })
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = client.Stop(ctx)
	})
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}

	// Zigbee2MQTT's side: a QoS 1 publisher that waits for each PUBACK, so
	// no publish is in flight when the broker stops. It is a new client
	// after every restart rather than one that reconnects: paho resends a
	// publish whose PUBACK a lost connection took with it, the broker
	// forwards that resend as a new message, and no subscriber can tell it
	// from a new reading (and paho's resume path races with its writer).
	var pub paho.Client
	connectPublisher := func() {
		t.Helper()
		pub = paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("z2m-restart-test").SetCleanSession(true).
			SetAutoReconnect(false))
		if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publisher connect: %v", tok.Error())
		}
	}
	connectPublisher()
	t.Cleanup(func() { pub.Disconnect(50) })
	publish := func(from, to int) {
		t.Helper()
		for i := from; i <= to; i++ {
			payload := fmt.Sprintf(`{"seq":%d,"occupancy":%v,"linkquality":%d}`, i, i%2 == 0, 100+i%7)
			tok := pub.Publish("zigbee2mqtt/bed", 1, false, payload)
			if !tok.WaitTimeout(20*time.Second) || tok.Error() != nil {
				t.Fatalf("publish %d: %v", i, tok.Error())
			}
		}
	}
	stored := func() map[int]int {
		rows, err := pool.Query(ctx, `SELECT state FROM readings WHERE sensor = 'zigbee2mqtt/bed/seq'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := map[int]int{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.Atoi(s)
			seen[n]++
		}
		return seen
	}
	has := func(n int) func() bool { return func() bool { return stored()[n] > 0 } }

	publish(1, 100)
	eventually(t, 15*time.Second, "seq 1..100 stored", has(100))

	// Five broker restarts in the stream. Each round: LifeOps takes 20
	// messages but the broker never sees its PUBACKs; the broker restarts,
	// and LifeOps is kept out while 30 more are published, which the broker
	// queues on its persistent session; then it is let back in.
	const rounds = 5
	next := 101
	for round := 1; round <= rounds; round++ {
		b.gate.swallow.Store(true)
		publish(next, next+19)
		eventually(t, 15*time.Second, fmt.Sprintf("round %d: seq %d stored", round, next+19), has(next+19))
		b.gate.refuse.Store(true)
		pub.Disconnect(50)
		// mochi's Close can deadlock with a client it is still removing.
		eventually(t, 5*time.Second, "publisher gone from the broker", func() bool {
			_, ok := b.s.Clients.Get("z2m-restart-test")
			return !ok
		})
		b.stop()
		b.gate.swallow.Store(false)
		b.start()
		connectPublisher()
		publish(next+20, next+49)
		time.Sleep(300 * time.Millisecond) // LifeOps is retrying meanwhile
		if has(next + 20)() {
			t.Fatalf("round %d: seq %d stored while LifeOps was refused: the test does not test the queue", round, next+20)
		}
		b.gate.refuse.Store(false)
		publish(next+50, next+79)
		eventually(t, 20*time.Second, fmt.Sprintf("round %d: seq %d stored", round, next+79), has(next+79))
		next += 80
	}
	total := next - 1
	eventually(t, 5*time.Second, "every queued message stored", func() bool { return len(stored()) == total })

	seen := stored()
	for i := 1; i <= total; i++ {
		if seen[i] != 1 {
			t.Errorf("seq %d stored %d times", i, seen[i])
		}
	}
	st := ing.Stats()
	t.Logf("swallowed PUBACKs %d, redeliveries dropped %d, ingester %+v", b.gate.swallowN.Load(), st.Redelivered, st)
	if st.Redelivered < 20*rounds {
		t.Errorf("%d redeliveries recognised, want the %d unacknowledged messages", st.Redelivered, 20*rounds)
	}
}
