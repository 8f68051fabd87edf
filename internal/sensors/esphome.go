package sensors

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ESPHomeTopic is what an ESPHome topic says before its payload is read.
type ESPHomeTopic struct {
	Kind Kind
	// Node is the node's topic_prefix (its name by default; it may contain
	// '/' when the prefix was set to, say, "esphome/bedroom").
	Node      string
	Component string // sensor, binary_sensor, switch, … (text sensors use "sensor" too)
	ObjectID  string
}

// ClassifyESPHome tells an ESPHome state (<node>/<component>/<object_id>/state)
// or status (<node>/status) topic; false for anything else.
func ClassifyESPHome(topic string) (ESPHomeTopic, bool) {
	if !utf8.ValidString(topic) { // MQTT topics are UTF-8; a broker that let one through is wrong
		return ESPHomeTopic{}, false
	}
	if node, ok := strings.CutSuffix(topic, "/status"); ok && node != "" {
		return ESPHomeTopic{Kind: KindESPHomeStatus, Node: node}, true
	}
	rest, ok := strings.CutSuffix(topic, "/state")
	if !ok {
		return ESPHomeTopic{}, false
	}
	levels := strings.Split(rest, "/")
	n := len(levels)
	if n < 3 || levels[n-1] == "" || levels[n-2] == "" {
		return ESPHomeTopic{}, false
	}
	node := strings.Join(levels[:n-2], "/")
	if node == "" {
		return ESPHomeTopic{}, false
	}
	return ESPHomeTopic{Kind: KindESPHomeState, Node: node, Component: levels[n-2], ObjectID: levels[n-1]}, true
}

// DecodeESPHome reads the payload of a classified ESPHome topic: plain text,
// "ON"/"OFF" for binary sensors and switches, "online"/"offline" for status.
func DecodeESPHome(t ESPHomeTopic, payload []byte, at time.Time) ([]Reading, error) {
	if len(payload) > MaxESPHomePayload {
		return nil, malformed(t.Kind, ReasonTooLarge, "%d bytes, at most %d", len(payload), MaxESPHomePayload)
	}
	if !utf8.Valid(payload) {
		return nil, malformed(t.Kind, ReasonInvalidUTF8, "payload is not UTF-8")
	}
	state := string(payload)
	key := SourceESPHome + "/" + t.Node + "/"
	switch t.Kind {
	case KindESPHomeStatus:
		if state != "online" && state != "offline" {
			return nil, malformed(t.Kind, ReasonBadValue, "status %q: want online or offline", clip(state))
		}
		return []Reading{{Source: SourceESPHome, Sensor: key + "status", State: state, At: at}}, nil
	case KindESPHomeState:
		switch t.Component {
		case "binary_sensor", "switch":
			if state != "ON" && state != "OFF" {
				return nil, malformed(t.Kind, ReasonBadValue, "%s state %q: want ON or OFF", t.Component, clip(state))
			}
		case "sensor":
			// Numbers, or any text: text sensors publish under "sensor" too.
		}
		if strings.ContainsFunc(state, func(r rune) bool { return r < 0x20 && r != '\t' }) {
			return nil, malformed(t.Kind, ReasonBadValue, "control characters in state")
		}
		return []Reading{{Source: SourceESPHome, Sensor: key + t.Component + "/" + t.ObjectID, State: state, At: at}}, nil
	default:
		return nil, nil
	}
}
