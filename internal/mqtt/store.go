package mqtt

import (
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// copyingStore keeps its own copy of every outbound PUBLISH.
//
// Paho stores the very packet it is writing, and on every (re)connect its
// resume step walks the store and sets DUP on each stored PUBLISH while the
// writer goroutine may still be serialising that same packet: a data race
// whenever a publish is made right after connecting, which is exactly when
// LifeOps publishes "online" and re-announces. With a copy in the store,
// resume flags and resends the copy (a QoS 1 duplicate, which the protocol
// allows) and never touches the packet being written.
type copyingStore struct {
	paho.Store
}

var _ paho.Store = copyingStore{}

func newCopyingStore() copyingStore { return copyingStore{Store: paho.NewMemoryStore()} }

// Put stores a copy of publish packets and other packets as they are.
func (s copyingStore) Put(key string, m packets.ControlPacket) {
	if p, ok := m.(*packets.PublishPacket); ok {
		cp := *p
		m = &cp
	}
	s.Store.Put(key, m)
}
