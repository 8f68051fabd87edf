package mqtt_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

// TestMosquittoRedeliversWithDupAndPacketID pins down what the readings'
// delivery keys rely on, against the real Mosquitto: QoS 1 messages left
// unacknowledged when a connection dies are sent again on the resumed
// session with DUP set and their original packet ids, and once they are
// acknowledged, new messages come without DUP under ids the broker counts
// up (it does not hand the freed ids out again at once).
func TestMosquittoRedeliversWithDupAndPacketID(t *testing.T) {
	t.Parallel()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	proxy := mqtttest.NewProxy(t, url)
	c := newClient(t, proxy.URL(), root+"/lifeops", nil)
	waitConnected(t, c)
	var mu sync.Mutex
	var got []mqtt.Message
	ack := false
	ctx := context.Background()
	if err := c.SubscribeMessages(ctx, root+"/z2m/#", 1, func(_ context.Context, m mqtt.Message) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m)
		if ack {
			m.Ack()
		}
	}); err != nil {
		t.Fatal(err)
	}
	received := func(n int) func() bool {
		return func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= n }
	}
	take := func() []mqtt.Message {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	show := func(ms []mqtt.Message) string {
		s := ""
		for _, m := range ms {
			s += fmt.Sprintf(" %s(id %d, dup %v)", m.Payload, m.PacketID, m.Duplicate)
		}
		return s
	}

	pub := mqtttest.NewObserver(t, url)
	const n = 5
	for i := range n {
		pub.Publish(root+"/z2m/bed", false, fmt.Sprint(i))
	}
	mqtttest.Eventually(t, 10*time.Second, "first copies", received(n))
	first := take() // none acknowledged
	for _, m := range first {
		if m.Duplicate || m.PacketID == 0 || m.QoS != 1 {
			t.Fatalf("first copies:%s: want QoS 1, no DUP, a packet id", show(first))
		}
	}

	mu.Lock()
	ack = true
	mu.Unlock()
	proxy.Cut() // the connection dies without a PUBACK
	mqtttest.Eventually(t, 10*time.Second, "copies sent again", received(n))
	again := take()
	t.Logf("first:%s\nagain:%s", show(first), show(again))
	if len(again) != n {
		t.Fatalf("%d copies sent again, want %d:%s", len(again), n, show(again))
	}
	for i, m := range again {
		if !m.Duplicate || m.PacketID != first[i].PacketID || string(m.Payload) != string(first[i].Payload) {
			t.Errorf("copy %d sent again: %s, id %d, dup %v; want %s with DUP and id %d", i, m.Payload, m.PacketID, m.Duplicate, first[i].Payload, first[i].PacketID)
		}
	}

	time.Sleep(200 * time.Millisecond) // the PUBACKs reach the broker
	for i := range n {
		pub.Publish(root+"/z2m/bed", false, fmt.Sprint(n+i))
	}
	mqtttest.Eventually(t, 10*time.Second, "new messages", received(n))
	fresh := take()
	t.Logf("new:%s", show(fresh))
	used := map[uint16]bool{}
	for _, m := range first {
		used[m.PacketID] = true
	}
	for _, m := range fresh {
		if m.Duplicate || used[m.PacketID] {
			t.Errorf("new message %s: id %d, dup %v; want no DUP under an id not used just before", m.Payload, m.PacketID, m.Duplicate)
		}
	}
}

// TestMosquittoKeepsSharedInflightWithItsSession: a message of a shared
// subscription that one member took and did not acknowledge before its
// connection died is not handed to the other member; it is sent again,
// with DUP, to the member that took it when it is back. So a replica's
// delivery keys see every copy of what it stored.
func TestMosquittoKeepsSharedInflightWithItsSession(t *testing.T) {
	t.Parallel()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	proxy := mqtttest.NewProxy(t, url)
	filter := mqtt.Shared(strings.ReplaceAll(root, "/", "_"), root+"/z2m/#")
	type member struct {
		c   *mqtt.Client
		mu  sync.Mutex
		got []mqtt.Message
		ack bool
	}
	var members [2]*member
	for k, u := range []string{proxy.URL(), url} {
		m := &member{c: newClient(t, u, fmt.Sprintf("%s/replica%d", root, k), nil)}
		waitConnected(t, m.c)
		if err := m.c.SubscribeMessages(context.Background(), filter, 1, func(_ context.Context, msg mqtt.Message) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.got = append(m.got, msg)
			if m.ack {
				msg.Ack()
			}
		}); err != nil {
			t.Fatal(err)
		}
		members[k] = m
	}
	count := func(m *member) int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.got) }
	pub := mqtttest.NewObserver(t, url)
	const n = 20
	for i := range n {
		pub.Publish(root+"/z2m/bed", false, fmt.Sprint(i))
	}
	mqtttest.Eventually(t, 10*time.Second, "every message to one member", func() bool { return count(members[0])+count(members[1]) == n })
	a := members[0]
	a.mu.Lock()
	taken := len(a.got) // member 0 acknowledges none of these
	a.got, a.ack = nil, true
	a.mu.Unlock()
	members[1].mu.Lock()
	members[1].got = nil
	members[1].mu.Unlock()
	if taken == 0 {
		t.Skip("the broker gave member 0 nothing to hold")
	}
	proxy.SetRefuse(true)
	proxy.Cut()
	time.Sleep(500 * time.Millisecond) // member 0 is away
	if c := count(members[1]); c != 0 {
		t.Errorf("member 1 got %d of the messages member 0 held", c)
	}
	proxy.SetRefuse(false)
	mqtttest.Eventually(t, 10*time.Second, "member 0 gets its messages again", func() bool { return count(a) >= taken })
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.got {
		if !m.Duplicate {
			t.Errorf("member 0 got %s again without DUP", m.Payload)
		}
	}
	t.Logf("member 0 held %d of %d, got them again with DUP; member 1 got none of them", taken, n)
}

// TestMosquittoQueuesSharedMessagesForOfflineMembers pins down why a
// replica's client id must stay the same, and what ends an abandoned one:
// Mosquitto goes on handing a share of a shared subscription's messages to
// a member that is offline with a persistent session (they wait for it),
// until a connection with that client id and a clean session ends the
// session; then every message goes to the members that are there.
func TestMosquittoQueuesSharedMessagesForOfflineMembers(t *testing.T) {
	t.Parallel()
	url := mqtttest.BrokerURL(t)
	root := mqtttest.UniqueRoot(t)
	filter := mqtt.Shared(strings.ReplaceAll(root, "/", "_"), root+"/z2m/#")
	var live atomic.Int64
	gone := newClient(t, url, root+"/gone", nil)
	waitConnected(t, gone)
	if err := gone.Subscribe(context.Background(), filter, 1, func(context.Context, string, []byte, bool) {}); err != nil {
		t.Fatal(err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := gone.Stop(stopCtx); err != nil { // offline; its session stays
		t.Fatal(err)
	}
	c := newClient(t, url, root+"/live", nil)
	waitConnected(t, c)
	if err := c.Subscribe(context.Background(), filter, 1, func(context.Context, string, []byte, bool) { live.Add(1) }); err != nil {
		t.Fatal(err)
	}
	pub := mqtttest.NewObserver(t, url)
	send := func() int64 {
		live.Store(0)
		for i := range 20 {
			pub.Publish(root+"/z2m/bed", false, fmt.Sprint(i))
		}
		time.Sleep(500 * time.Millisecond)
		return live.Load()
	}
	before := send()
	if before >= 20 {
		t.Errorf("the live member got %d of 20 beside an offline one: want a share to wait for the offline member", before)
	}
	// What ends the abandoned session by hand (mosquitto_sub -i <id> -E does the same).
	end := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(gone.ClientID()).SetCleanSession(true))
	if tok := end.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("clean connect: %v", tok.Error())
	}
	end.Disconnect(100)
	after := send()
	t.Logf("live member: %d of 20 beside an offline member, %d of 20 once its session was ended", before, after)
	if after != 20 {
		t.Errorf("after the offline member's session was ended, the live member got %d of 20", after)
	}
}
