package sensors

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// Selection is the household's choice of sensors: the sensor keys evidence
// rules refer to, plus the allow-list. Readings of anything else are not
// parsed, stored or forwarded. It is safe for concurrent use.
//
// An allow-list entry is one of:
//   - a sensor key: "zigbee2mqtt/bed/vibration", "esphome/desk/sensor/power",
//     "binary_sensor.bed";
//   - a whole device: "zigbee2mqtt/<friendly_name>" or "esphome/<node>";
//   - a bare Zigbee2MQTT friendly name or ESPHome node ("bed", "desk"),
//     which selects the device of that name in either source.
//
// Matching is exact; there is no prefix matching, because friendly names
// may themselves contain '/'. For the same reason an entry that can be read
// both as a sensor key and as a device ("zigbee2mqtt/kitchen/fridge")
// selects both.
type Selection struct {
	allow []string

	mu      sync.RWMutex
	rules   []string
	sensors map[string]bool // selected sensor keys
	devices map[string]bool // selected devices: "zigbee2mqtt/<fn>", "esphome/<node>"
	any     map[string]bool // devices with at least one selected sensor, same form
	nodes   []string        // ESPHome nodes to subscribe to, sorted
}

// ParseAllowList splits the sensor_allow_list option: comma separated,
// blanks around entries ignored, empty entries dropped.
func ParseAllowList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// NewSelection returns a selection of the allow-list entries alone; rule
// sensors come with SetRuleSensors.
func NewSelection(allow []string) *Selection {
	s := &Selection{allow: slices.Clone(allow)}
	s.rebuild(nil)
	return s
}

// SetRuleSensors replaces the sensor keys that evidence rules refer to and
// reports whether the ESPHome nodes to subscribe to changed.
func (s *Selection) SetRuleSensors(keys []string) bool {
	before := s.Nodes()
	s.rebuild(keys)
	return !slices.Equal(before, s.Nodes())
}

func (s *Selection) rebuild(rules []string) {
	sensors, devices, anyOf := map[string]bool{}, map[string]bool{}, map[string]bool{}
	nodes := map[string]bool{}
	addSensor := func(key string) {
		sensors[key] = true
		for _, d := range devicesOfKey(key) {
			anyOf[d] = true
			if n, ok := strings.CutPrefix(d, SourceESPHome+"/"); ok {
				nodes[n] = true
			}
		}
	}
	for _, e := range s.allow {
		if isSensorKey(e) {
			addSensor(e)
			if !strings.HasPrefix(e, SourceZigbee2MQTT+"/") {
				continue
			}
			// "zigbee2mqtt/kitchen/fridge" may be the property "fridge"
			// of "kitchen" or the device "kitchen/fridge": it selects both.
			// (ESPHome keys end in component/object_id, a node's prefix
			// seldom does.)
		}
		switch {
		case strings.HasPrefix(e, SourceZigbee2MQTT+"/"):
			devices[e] = true
		case strings.HasPrefix(e, SourceESPHome+"/"):
			devices[e] = true
			nodes[strings.TrimPrefix(e, SourceESPHome+"/")] = true
		default: // a bare name: either source
			devices[SourceZigbee2MQTT+"/"+e] = true
			devices[SourceESPHome+"/"+e] = true
			nodes[e] = true
		}
	}
	for _, k := range rules {
		if k = strings.TrimSpace(k); k != "" {
			addSensor(k)
		}
	}
	for d := range devices {
		anyOf[d] = true
	}
	list := make([]string, 0, len(nodes))
	for n := range nodes {
		if n != "" && !strings.ContainsAny(n, "+#") {
			list = append(list, n)
		}
	}
	sort.Strings(list)
	s.mu.Lock()
	s.rules, s.sensors, s.devices, s.any, s.nodes = slices.Clone(rules), sensors, devices, anyOf, list
	s.mu.Unlock()
}

// isSensorKey tells a full sensor key from a device entry: a Home
// Assistant entity id, or a source-prefixed key long enough to name a
// property.
func isSensorKey(e string) bool {
	if !strings.Contains(e, "/") {
		dom, obj, ok := strings.Cut(e, ".")
		return ok && dom != "" && obj != "" && !strings.ContainsAny(e, " ")
	}
	switch {
	case strings.HasPrefix(e, SourceZigbee2MQTT+"/"):
		return strings.Count(e, "/") >= 2
	case strings.HasPrefix(e, SourceESPHome+"/"):
		return strings.Count(e, "/") >= 3 || strings.HasSuffix(e, "/status")
	}
	return false
}

// devicesOfKey names the device(s) a sensor key belongs to. A Zigbee2MQTT
// property is the last level; an ESPHome key ends in component/object_id,
// or in status (both readings are kept when ambiguous).
func devicesOfKey(key string) []string {
	if rest, ok := strings.CutPrefix(key, SourceZigbee2MQTT+"/"); ok {
		if i := strings.LastIndex(rest, "/"); i > 0 {
			return []string{SourceZigbee2MQTT + "/" + rest[:i]}
		}
		return nil
	}
	if rest, ok := strings.CutPrefix(key, SourceESPHome+"/"); ok {
		var out []string
		if node, ok := strings.CutSuffix(rest, "/status"); ok && node != "" {
			out = append(out, SourceESPHome+"/"+node)
		}
		if levels := strings.Split(rest, "/"); len(levels) >= 3 {
			out = append(out, SourceESPHome+"/"+strings.Join(levels[:len(levels)-2], "/"))
		}
		return out
	}
	return nil
}

// Device reports whether any sensor of a device is selected; the MQTT
// source parses nothing of the others. source is SourceZigbee2MQTT or
// SourceESPHome, name the friendly name or node.
func (s *Selection) Device(source, name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.any[source+"/"+name]
}

// Sensor reports whether a reading of sensor key (of device name in
// source) is selected.
func (s *Selection) Sensor(source, name, key string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sensors[key] || s.devices[source+"/"+name]
}

// Nodes lists the ESPHome nodes to subscribe to.
func (s *Selection) Nodes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.nodes)
}
