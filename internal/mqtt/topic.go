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

func validFilter(filter string) error {
	if filter == "" {
		return fmt.Errorf("subscribe: filter must not be empty")
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
