package mqtt

import (
	"fmt"
	"strings"
)

// Match reports whether topic matches the subscription filter, following the
// MQTT 3.1.1 rules: '+' matches one level, a trailing '#' matches the parent
// and any number of levels, and wildcards at the first level never match
// topics starting with '$'.
func Match(filter, topic string) bool {
	filter = SharedTopic(filter)
	if strings.HasPrefix(topic, "$") && (strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")) {
		return false
	}
	fs := strings.Split(filter, "/")
	ts := strings.Split(topic, "/")
	for i, f := range fs {
		if f == "#" {
			return true
		}
		if i >= len(ts) {
			return false
		}
		if f != "+" && f != ts[i] {
			return false
		}
	}
	return len(fs) == len(ts)
}

// SharePrefix starts a shared subscription: "$share/<group>/<filter>". The
// broker hands each message matching filter to one subscriber of the group
// (MQTT 5, and Mosquitto for 3.1.1 clients too), so several replicas share
// a stream instead of each handling all of it. Retained messages are not
// sent to a shared subscription.
const SharePrefix = "$share/"

// Shared is filter as a shared subscription of group.
func Shared(group, filter string) string { return SharePrefix + group + "/" + filter }

// SharedTopic is the filter a shared subscription matches topics with
// (filter itself when it is not shared).
func SharedTopic(filter string) string {
	rest, ok := strings.CutPrefix(filter, SharePrefix)
	if !ok {
		return filter
	}
	_, f, ok := strings.Cut(rest, "/")
	if !ok {
		return filter
	}
	return f
}

func validFilter(filter string) error {
	if filter == "" {
		return fmt.Errorf("subscribe: filter must not be empty")
	}
	if rest, ok := strings.CutPrefix(filter, SharePrefix); ok {
		group, f, ok := strings.Cut(rest, "/")
		if !ok || group == "" || f == "" || strings.ContainsAny(group, "+#") {
			return fmt.Errorf("subscribe %q: a shared subscription is $share/<group>/<filter>", filter)
		}
		filter = f
	}
	levels := strings.Split(filter, "/")
	for i, l := range levels {
		switch {
		case l == "#" && i != len(levels)-1:
			return fmt.Errorf("subscribe %q: '#' must be the last level", filter)
		case l != "#" && l != "+" && strings.ContainsAny(l, "+#"):
			return fmt.Errorf("subscribe %q: a wildcard must fill a whole level", filter)
		}
	}
	return nil
}
