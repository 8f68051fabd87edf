package mqtt

import (
	"strings"
	"testing"
)

func TestSharedSubscriptions(t *testing.T) {
	t.Parallel()
	f := Shared("lifeops", "zigbee2mqtt/#")
	if f != "$share/lifeops/zigbee2mqtt/#" || SharedTopic(f) != "zigbee2mqtt/#" || SharedTopic("a/b") != "a/b" {
		t.Errorf("Shared = %q, SharedTopic = %q", f, SharedTopic(f))
	}
	if err := validFilter(f); err != nil {
		t.Errorf("validFilter(%q): %v", f, err)
	}
	for _, bad := range []string{"$share/lifeops", "$share//x/#", "$share/li+/x", "$share/g/x/#/y"} {
		if validFilter(bad) == nil {
			t.Errorf("validFilter(%q) accepted it", bad)
		}
	}
	if !Match(f, "zigbee2mqtt/bed") || Match(f, "esphome/desk/state") {
		t.Errorf("Match of a shared filter does not match by its topic filter")
	}
}

// TestDefaultClientID: replicas on different hosts get different ids, one
// host always the same, and every id is one mqtt_client_id would accept.
func TestDefaultClientID(t *testing.T) {
	t.Parallel()
	a, b := DefaultClientID("lifeops", "replica-a"), DefaultClientID("lifeops", "replica-b")
	if a == b || a != DefaultClientID("lifeops", "replica-a") {
		t.Errorf("ids %q and %q: want distinct per host and stable", a, b)
	}
	if got := DefaultClientID("home/lifeops", ""); got != "lifeops-home-lifeops" {
		t.Errorf("without a host: %q, want the id LifeOps had before", got)
	}
	long := DefaultClientID("a/very/long/base/topic/that/goes/on/and/on/and/on", "k8s-node-17.cluster.example.org-lifeops-0")
	other := DefaultClientID("a/very/long/base/topic/that/goes/on/and/on/and/on", "k8s-node-17.cluster.example.org-lifeops-1")
	for _, id := range []string{a, long, DefaultClientID("life ops", "höst")} {
		if len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
			t.Errorf("id %q: more than 64 characters or outside [A-Za-z0-9._-]", id)
		}
	}
	front := DefaultClientID("a/very/long/base/topic/that/goes/on/and/on/and/on", "0-lifeops.k8s-node-17.cluster.example.org")
	if long == other || long == front || len(long) != 64 {
		t.Errorf("cut ids %q, %q, %q: want 64 characters, distinct", long, other, front)
	}
}
