package mqtt

import "testing"

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
