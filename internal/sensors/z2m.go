package sensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/app"
)

// Size limits of payloads, by kind. A Zigbee2MQTT device message is a few
// hundred bytes; bridge/devices lists every device with its exposes and
// reaches a few hundred KiB on a large network.
const (
	MaxStatePayload   = 64 << 10
	MaxDevicesPayload = 16 << 20
	MaxESPHomePayload = 4 << 10
	// maxProperties bounds the readings one message may yield.
	maxProperties = 512
	// maxDepth bounds how deep nested objects are flattened; deeper values
	// are skipped.
	maxDepth = 3
)

// Device is a Zigbee2MQTT device as bridge/devices describes it.
type Device struct {
	FriendlyName string
	IEEEAddress  string
	Model        string
	// Disabled devices publish nothing.
	Disabled bool
	// Properties are what its definition exposes in its state messages
	// (access bit 1), in the order listed.
	Properties []Property
}

// Property is one key a device publishes in its state: the part of a
// reading's key after "zigbee2mqtt/<friendly_name>/" (a composite such as
// a light's color is flattened as readings are: "color_x").
type Property struct {
	Key   string
	Label string
	Unit  string
}

// Z2MTopic is what a topic under the Zigbee2MQTT base says before its
// payload is read.
type Z2MTopic struct {
	Kind Kind
	// Device is the friendly name (it may contain '/').
	Device string
	// Property is set for KindZ2MAttribute.
	Property string
}

// Z2M parses the messages of one Zigbee2MQTT instance. It learns friendly
// names from bridge/devices, because a friendly name may contain '/' and
// only the known names tell "<base>/kitchen/fridge" (a device named
// "kitchen/fridge") from "<base>/kitchen/availability". It is safe for
// concurrent use.
type Z2M struct {
	base string

	mu      sync.RWMutex
	devices map[string]Device
	longest []string // known names, longest first
	learnt  bool     // bridge/devices was read
}

// NewZ2M returns a parser for messages under base (Zigbee2MQTT's
// mqtt.base_topic, "zigbee2mqtt" by default).
func NewZ2M(base string) *Z2M {
	return &Z2M{base: strings.TrimSuffix(base, "/"), devices: map[string]Device{}}
}

// Base is the base topic.
func (z *Z2M) Base() string { return z.base }

// Devices lists the devices learnt from bridge/devices, by friendly name.
func (z *Z2M) Devices() []Device {
	z.mu.RLock()
	defer z.mu.RUnlock()
	out := make([]Device, 0, len(z.devices))
	for _, d := range z.devices {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FriendlyName < out[j].FriendlyName })
	return out
}

// Catalog lists the keys the devices learnt from bridge/devices publish,
// by key, for the sensor catalog: zigbee2mqtt/<friendly_name>/<property>
// (the source's name, not the base topic, as in readings). Disabled
// devices publish nothing and are left out. ok is false before
// bridge/devices has been read.
func (z *Z2M) Catalog() (entries []app.CatalogEntry, ok bool) {
	z.mu.RLock()
	defer z.mu.RUnlock()
	if !z.learnt {
		return nil, false
	}
	for _, d := range z.devices {
		if d.Disabled {
			continue
		}
		for _, p := range d.Properties {
			entries = append(entries, app.CatalogEntry{
				Sensor: SourceZigbee2MQTT + "/" + d.FriendlyName + "/" + p.Key, Name: d.FriendlyName + " " + p.Label, Unit: p.Unit,
			})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Sensor < entries[j].Sensor })
	return entries, true
}

// Classify tells what a topic carries; false when it is not under the base.
func (z *Z2M) Classify(topic string) (Z2MTopic, bool) {
	rest, ok := strings.CutPrefix(topic, z.base+"/")
	if !ok || rest == "" || !utf8.ValidString(rest) {
		return Z2MTopic{}, false
	}
	if rest == "bridge/devices" {
		return Z2MTopic{Kind: KindZ2MDevices}, true
	}
	if rest == "bridge" || strings.HasPrefix(rest, "bridge/") {
		return Z2MTopic{Kind: KindIgnored}, true
	}
	z.mu.RLock()
	_, known := z.devices[rest]
	var name string
	if !known {
		for _, n := range z.longest {
			if strings.HasPrefix(rest, n+"/") {
				name = n
				break
			}
		}
	}
	z.mu.RUnlock()
	switch {
	case known:
		return Z2MTopic{Kind: KindZ2MState, Device: rest}, true
	case name != "":
		return classifySuffix(name, rest[len(name)+1:]), true
	}
	// A device not (yet) in bridge/devices: only suffixes Zigbee2MQTT
	// itself adds can be told apart.
	if dev, ok := strings.CutSuffix(rest, "/availability"); ok {
		return Z2MTopic{Kind: KindZ2MAvailability, Device: dev}, true
	}
	if isCommand(rest) {
		return Z2MTopic{Kind: KindIgnored}, true
	}
	return Z2MTopic{Kind: KindZ2MState, Device: rest}, true
}

func classifySuffix(device, suffix string) Z2MTopic {
	switch {
	case suffix == "availability":
		return Z2MTopic{Kind: KindZ2MAvailability, Device: device}
	case isCommand(suffix) || strings.Contains(suffix, "/"):
		return Z2MTopic{Kind: KindIgnored, Device: device}
	default:
		return Z2MTopic{Kind: KindZ2MAttribute, Device: device, Property: suffix}
	}
}

// isCommand reports a /set or /get topic (with or without an attribute
// after it), which LifeOps or someone else sends to Zigbee2MQTT.
func isCommand(s string) bool {
	for _, c := range []string{"set", "get"} {
		if s == c || strings.HasSuffix(s, "/"+c) || strings.HasPrefix(s, c+"/") || strings.Contains(s, "/"+c+"/") {
			return true
		}
	}
	return false
}

// Decode reads a payload of a classified topic. It returns the readings it
// carries (none for bridge/devices, which updates the known devices), or a
// *MalformedError and nothing.
func (z *Z2M) Decode(t Z2MTopic, payload []byte, at time.Time) ([]Reading, error) {
	limit := MaxStatePayload
	if t.Kind == KindZ2MDevices {
		limit = MaxDevicesPayload
	}
	if len(payload) > limit {
		return nil, malformed(t.Kind, ReasonTooLarge, "%d bytes, at most %d", len(payload), limit)
	}
	if !utf8.Valid(payload) {
		return nil, malformed(t.Kind, ReasonInvalidUTF8, "payload is not UTF-8")
	}
	key := SourceZigbee2MQTT + "/" + t.Device + "/"
	switch t.Kind {
	case KindZ2MState:
		obj, err := decodeObject(t.Kind, payload)
		if err != nil {
			return nil, err
		}
		return flatten(t.Kind, obj, SourceZigbee2MQTT, key, at)
	case KindZ2MAttribute:
		if p := bytes.TrimSpace(payload); len(p) > 0 && p[0] == '{' {
			obj, err := decodeObject(t.Kind, p)
			if err != nil {
				return nil, err
			}
			return flatten(t.Kind, obj, SourceZigbee2MQTT, key+t.Property+"_", at)
		}
		if len(payload) == 0 {
			return nil, malformed(t.Kind, ReasonBadValue, "empty value")
		}
		return []Reading{{Source: SourceZigbee2MQTT, Sensor: key + t.Property, State: string(payload), At: at}}, nil
	case KindZ2MAvailability:
		state := string(bytes.TrimSpace(payload))
		if strings.HasPrefix(state, "{") {
			var v struct {
				State *string `json:"state"`
			}
			if err := strictJSON(payload, &v); err != nil {
				return nil, malformed(t.Kind, ReasonInvalidJSON, "%v", err)
			}
			if v.State == nil {
				return nil, malformed(t.Kind, ReasonWrongType, `no "state" string`)
			}
			state = *v.State
		}
		if state != "online" && state != "offline" {
			return nil, malformed(t.Kind, ReasonBadValue, "availability %q: want online or offline", clip(state))
		}
		return []Reading{{Source: SourceZigbee2MQTT, Sensor: key + "availability", State: state, At: at}}, nil
	case KindZ2MDevices:
		return nil, z.learn(payload)
	default:
		return nil, nil
	}
}

type bridgeDevice struct {
	FriendlyName *string `json:"friendly_name"`
	IEEEAddress  string  `json:"ieee_address"`
	Type         string  `json:"type"`
	Disabled     bool    `json:"disabled"`
	Definition   *struct {
		Model string `json:"model"`
		// Exposes is read on its own: a device whose exposes LifeOps
		// cannot read still has a friendly name worth knowing.
		Exposes json.RawMessage `json:"exposes"`
	} `json:"definition"`
}

// expose is an element of a definition's exposes: a generic type (numeric,
// binary, enum, text, list) with a property, or a specific one (light,
// switch, climate, lock, cover, fan) or composite holding features.
type expose struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Property string   `json:"property"`
	Access   *int     `json:"access"`
	Unit     string   `json:"unit"`
	Features []expose `json:"features"`
}

// accessState is the access bit of a property published in the state.
const accessState = 1

// maxExposeNesting bounds how deep features are followed; Zigbee2MQTT's
// deepest is a composite inside a specific type (a light's color).
const maxExposeNesting = 4

// properties lists the state keys of exposes. A composite's features live
// in an object under its property, flattened as readings are; a specific
// type's features are top-level keys. Lists are arrays, which readings
// skip, and a property without the state bit (an effect, identify) is
// never published.
func properties(exposes []expose) []Property {
	var out []Property
	seen := map[string]bool{}
	// depth counts the levels of the state's objects (as flatten does),
	// nest the levels of features however they nest (bounded for a
	// malformed list).
	var walk func(es []expose, prefix, label string, depth, nest int)
	walk = func(es []expose, prefix, label string, depth, nest int) {
		for _, e := range es {
			name := e.Label
			if name == "" {
				name = strings.ReplaceAll(cmpOr(e.Name, e.Property), "_", " ")
			}
			if len(e.Features) > 0 {
				switch {
				case nest >= maxExposeNesting:
				case e.Property == "":
					walk(e.Features, prefix, label, depth, nest+1)
				case depth < maxDepth:
					walk(e.Features, prefix+e.Property+"_", strings.TrimSpace(label+" "+name), depth+1, nest+1)
				}
				continue
			}
			if e.Property == "" || e.Type == "list" || (e.Access != nil && *e.Access&accessState == 0) {
				continue
			}
			key := prefix + e.Property
			if seen[key] || strings.ContainsAny(key, "/+#") {
				continue
			}
			seen[key] = true
			out = append(out, Property{Key: key, Label: strings.TrimSpace(label + " " + name), Unit: e.Unit})
		}
	}
	walk(exposes, "", "", 1, 0)
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (z *Z2M) learn(payload []byte) error {
	var list []json.RawMessage
	if err := strictJSON(payload, &list); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return malformed(KindZ2MDevices, ReasonWrongType, "want a JSON array of devices")
		}
		return malformed(KindZ2MDevices, ReasonInvalidJSON, "%v", err)
	}
	devices := make(map[string]Device, len(list))
	for i, raw := range list {
		var d bridgeDevice
		if err := json.Unmarshal(raw, &d); err != nil || d.FriendlyName == nil || *d.FriendlyName == "" {
			return malformed(KindZ2MDevices, ReasonWrongType, "device %d: want an object with a friendly_name string", i)
		}
		if d.Type == "Coordinator" {
			continue
		}
		dev := Device{FriendlyName: *d.FriendlyName, IEEEAddress: d.IEEEAddress, Disabled: d.Disabled}
		if d.Definition != nil {
			dev.Model = d.Definition.Model
			var exposes []expose
			if json.Unmarshal(d.Definition.Exposes, &exposes) == nil {
				dev.Properties = properties(exposes)
			}
		}
		devices[dev.FriendlyName] = dev
	}
	longest := make([]string, 0, len(devices))
	for n := range devices {
		longest = append(longest, n)
	}
	sort.Slice(longest, func(i, j int) bool {
		if len(longest[i]) != len(longest[j]) {
			return len(longest[i]) > len(longest[j])
		}
		return longest[i] < longest[j]
	})
	z.mu.Lock()
	z.devices, z.longest, z.learnt = devices, longest, true
	z.mu.Unlock()
	return nil
}

// strictJSON decodes exactly one JSON value with numbers kept as sent.
func strictJSON(payload []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

func decodeObject(k Kind, payload []byte) (map[string]any, error) {
	var v any
	if err := strictJSON(payload, &v); err != nil {
		return nil, malformed(k, ReasonInvalidJSON, "%v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, malformed(k, ReasonWrongType, "want a JSON object, got %s", jsonKind(v))
	}
	return obj, nil
}

// flatten makes one reading per scalar property. Nested objects (a light's
// "color": {"x":…,"y":…}) become "color_x", "color_y" down to maxDepth
// levels; arrays and nulls (Zigbee2MQTT's "not known yet") are skipped.
func flatten(k Kind, obj map[string]any, source, prefix string, at time.Time) ([]Reading, error) {
	var out []Reading
	var walk func(m map[string]any, p string, depth int) error
	walk = func(m map[string]any, p string, depth int) error {
		keys := make([]string, 0, len(m))
		for key := range m {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if key == "" {
				continue
			}
			var state string
			switch v := m[key].(type) {
			case bool:
				state = "false"
				if v {
					state = "true"
				}
			case json.Number:
				state = v.String()
			case string:
				state = v
			case map[string]any:
				if depth < maxDepth {
					if err := walk(v, p+key+"_", depth+1); err != nil {
						return err
					}
				}
				continue
			default: // nil, arrays
				continue
			}
			if len(out) == maxProperties {
				return malformed(k, ReasonTooLarge, "more than %d properties", maxProperties)
			}
			out = append(out, Reading{Source: source, Sensor: p + key, State: state, At: at})
		}
		return nil
	}
	if err := walk(obj, prefix, 1); err != nil {
		return nil, err
	}
	return out, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// clip shortens a value quoted in an error or log line.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
