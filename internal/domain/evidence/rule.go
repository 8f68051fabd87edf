// Package evidence owns evidence rules: "sensor X meets a condition for a
// duration inside a time window ⇒ check in a habit, complete a routine item
// or log an activity". It is pure: readings and the time are passed in.
package evidence

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/domain"
)

// Op is a condition's comparison.
type Op string

// Condition operators. on and off read the state as a switch; gt, ge, lt and
// le need numbers; eq and ne compare numbers as numbers, else text without
// regard to case.
const (
	OpEq  Op = "eq"
	OpNe  Op = "ne"
	OpGt  Op = "gt"
	OpGe  Op = "ge"
	OpLt  Op = "lt"
	OpLe  Op = "le"
	OpOn  Op = "on"
	OpOff Op = "off"
)

// Condition is what a sensor's state must satisfy.
type Condition struct {
	Op    Op     `json:"op"`
	Value string `json:"value,omitempty"`
}

// Window is a local clock-time window. End before Start crosses midnight:
// the window then belongs to the day it starts on.
type Window struct {
	Start domain.ClockTime `json:"start"`
	End   domain.ClockTime `json:"end"`
}

// ActionKind names what a matched rule does.
type ActionKind string

// Actions.
const (
	ActionCheckIn     ActionKind = "check_in"
	ActionRoutineItem ActionKind = "routine_item"
	ActionActivity    ActionKind = "activity"
)

// QuantityKind says where an action's quantity comes from.
type QuantityKind string

// Quantity sources.
const (
	// QuantityFixed is Quantity.Value.
	QuantityFixed QuantityKind = "fixed"
	// QuantityDuration is the rule's duration in minutes.
	QuantityDuration QuantityKind = "duration_minutes"
	// QuantityState is the sensor's numeric state when the rule fired.
	QuantityState QuantityKind = "state"
)

// Quantity is how much an action records.
type Quantity struct {
	Kind  QuantityKind `json:"kind"`
	Value float64      `json:"value,omitempty"`
}

// Action is what a matched rule does. Exactly the field of Kind is set:
// Habit (id, slug or name) for check_in, Item (id or title in the day's
// timeline) for routine_item, Activity (type key) for activity. Quantity is
// required for activity and optional for check_in.
type Action struct {
	Kind     ActionKind `json:"kind"`
	Habit    string     `json:"habit,omitempty"`
	Item     string     `json:"item,omitempty"`
	Activity string     `json:"activity,omitempty"`
	Quantity *Quantity  `json:"quantity,omitempty"`
}

// Rule is one evidence rule of a person. Sensors are keys of one physical
// sensor as different sources name it (an HA entity id and a Zigbee2MQTT
// key); whichever reports the condition first fires the rule, once per day.
type Rule struct {
	ID        int64
	PersonID  int64
	Name      string
	Sensors   []string
	Condition Condition
	For       time.Duration
	Window    *Window // nil: the whole local day
	Action    Action
	Enabled   bool
}

// Limits of a rule's fields.
const (
	MaxSensors     = 8
	MaxSensorLen   = 255
	MaxNameLen     = 100
	MaxFor         = 24 * time.Hour
	MaxQuantity    = 1_000_000
	maxRefLen      = 200
	maxValueLen    = 255
	minDurationQty = time.Minute
)

// Validate checks every field and reports all problems at once, each named
// as the API spells it.
func (r Rule) Validate() error {
	var v domain.ValidationError
	name := strings.TrimSpace(r.Name)
	switch {
	case name == "":
		v.Add("name", nil, "must not be empty")
	case utf8.RuneCountInString(name) > MaxNameLen || !utf8.ValidString(name):
		v.Add("name", nil, "must be valid text of at most 100 characters")
	}
	validateSensors(&v, r.Sensors)
	validateCondition(&v, r.Condition)
	if r.For < 0 || r.For > MaxFor {
		v.Add("for_seconds", int64(r.For/time.Second), "must be between 0 and 86400")
	} else if r.For%time.Second != 0 {
		v.Add("for_seconds", r.For.String(), "must be whole seconds")
	}
	if w := r.Window; w != nil {
		switch {
		case w.Start < 0 || w.Start >= domain.Clock(24, 0):
			v.Add("window.start", w.Start, "must be between 00:00 and 23:59")
		case w.End < 0 || w.End > domain.Clock(24, 0):
			v.Add("window.end", w.End, "must be between 00:00 and 24:00")
		case w.Start == w.End || (w.Start == 0 && w.End == domain.Clock(24, 0)):
			v.Add("window", w.Start.String()+"-"+w.End.String(), "must not be empty or the whole day (leave the window out for the whole day)")
		case r.For > w.Length():
			v.Add("for_seconds", int64(r.For/time.Second), "must not be longer than the window")
		}
	}
	validateAction(&v, r.Action, r.For)
	return v.Err()
}

func validateSensors(v *domain.ValidationError, sensors []string) {
	if len(sensors) == 0 || len(sensors) > MaxSensors {
		v.Add("sensors", len(sensors), "must name 1 to 8 sensor keys")
		return
	}
	seen := make(map[string]bool, len(sensors))
	for i, s := range sensors {
		field := "sensors[" + strconv.Itoa(i) + "]"
		switch {
		case s == "":
			v.Add(field, nil, "must not be empty")
		case len(s) > MaxSensorLen || !utf8.ValidString(s):
			v.Add(field, nil, "must be valid text of at most 255 bytes")
		case s != strings.TrimSpace(s):
			v.Add(field, s, "must not start or end with a space")
		// Inner spaces are fine: Zigbee2MQTT friendly names have them
		// ("zigbee2mqtt/hall motion/occupancy").
		case strings.IndexFunc(s, unicode.IsControl) >= 0 || strings.ContainsAny(s, "+#"):
			v.Add(field, s, "must not contain control characters or MQTT wildcards")
		case !ValidSensorKey(s):
			v.Add(field, s, "must be a Home Assistant entity id like binary_sensor.bed, a Zigbee2MQTT key like zigbee2mqtt/bed/occupancy "+
				"or an ESPHome key like esphome/desk/binary_sensor/presence")
		case seen[s]:
			v.Add(field, s, "is listed twice")
		}
		seen[s] = true
	}
}

func validateCondition(v *domain.ValidationError, c Condition) {
	switch c.Op {
	case OpOn, OpOff:
		if c.Value != "" {
			v.Add("condition.value", c.Value, "must be empty for on and off")
		}
	case OpEq, OpNe:
		if strings.TrimSpace(c.Value) == "" || len(c.Value) > maxValueLen || !utf8.ValidString(c.Value) {
			v.Add("condition.value", nil, "must be a state of at most 255 bytes")
		} else if !Available(c.Value) {
			v.Add("condition.value", c.Value, "must not be unknown or unavailable: those never match")
		}
	case OpGt, OpGe, OpLt, OpLe:
		if _, ok := number(c.Value); !ok {
			v.Add("condition.value", c.Value, "must be a finite number for "+string(c.Op))
		}
	default:
		v.Add("condition.op", c.Op, "must be one of eq, ne, gt, ge, lt, le, on, off")
	}
}

func validateAction(v *domain.ValidationError, a Action, dur time.Duration) {
	ref := func(field, val string) {
		if strings.TrimSpace(val) == "" || len(val) > maxRefLen {
			v.Add(field, nil, "must name one (at most 200 bytes)")
		}
	}
	none := func(field, val string) {
		if val != "" {
			v.Add(field, val, "does not belong to a "+string(a.Kind)+" action")
		}
	}
	switch a.Kind {
	case ActionCheckIn:
		ref("action.habit", a.Habit)
		none("action.item", a.Item)
		none("action.activity", a.Activity)
	case ActionRoutineItem:
		ref("action.item", a.Item)
		none("action.habit", a.Habit)
		none("action.activity", a.Activity)
		if a.Quantity != nil {
			v.Add("action.quantity", nil, "does not belong to a routine_item action")
		}
	case ActionActivity:
		ref("action.activity", a.Activity)
		none("action.habit", a.Habit)
		none("action.item", a.Item)
		if a.Quantity == nil {
			v.Add("action.quantity", nil, "is required for an activity action")
		}
	default:
		v.Add("action.kind", a.Kind, "must be one of check_in, routine_item, activity")
		return
	}
	if q := a.Quantity; q != nil {
		switch q.Kind {
		case QuantityFixed:
			if math.IsNaN(q.Value) || q.Value <= 0 || q.Value > MaxQuantity {
				v.Add("action.quantity.value", q.Value, "must be above 0 and at most 1000000")
			}
		case QuantityDuration:
			if dur < minDurationQty {
				v.Add("action.quantity.kind", q.Kind, "needs a duration (for_seconds) of at least 60")
			}
			if q.Value != 0 {
				v.Add("action.quantity.value", q.Value, "must be left out for duration_minutes")
			}
		case QuantityState:
			if q.Value != 0 {
				v.Add("action.quantity.value", q.Value, "must be left out for state")
			}
		default:
			v.Add("action.quantity.kind", q.Kind, "must be one of fixed, duration_minutes, state")
		}
	}
}

// Length is how long the window lasts on a day without a DST change.
func (w Window) Length() time.Duration {
	n := int(w.End) - int(w.Start)
	if n <= 0 {
		n += 24 * 60
	}
	return time.Duration(n) * time.Minute
}

// Available reports whether a state is a real value: not empty and not
// Home Assistant's "unknown" or "unavailable" (any case).
func Available(state string) bool {
	s := strings.ToLower(strings.TrimSpace(state))
	return s != "" && s != "unknown" && s != "unavailable"
}

// number parses a finite number.
func number(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// Number parses a state as a finite number; false for anything else,
// including states that are not available.
func Number(state string) (float64, bool) { return number(state) }

// Words that mean on and off across HA ("on"), Zigbee2MQTT (true, "ON"),
// ESPHome ("ON") and device trackers ("home").
var (
	onWords  = []string{"on", "true", "1", "yes", "open", "home", "detected", "occupied"}
	offWords = []string{"off", "false", "0", "no", "closed", "not_home", "clear"}
)

// Holds reports whether state satisfies c. A state that is not available
// satisfies nothing, not even ne or off.
func (c Condition) Holds(state string) bool {
	if !Available(state) {
		return false
	}
	s := strings.ToLower(strings.TrimSpace(state))
	switch c.Op {
	case OpOn:
		return contains(onWords, s)
	case OpOff:
		return contains(offWords, s)
	case OpEq, OpNe:
		eq := strings.EqualFold(s, strings.TrimSpace(c.Value))
		if a, ok := number(s); ok {
			if b, ok := number(c.Value); ok {
				eq = a == b
			}
		}
		return eq == (c.Op == OpEq)
	}
	a, ok := number(s)
	b, ok2 := number(c.Value)
	if !ok || !ok2 {
		return false
	}
	switch c.Op {
	case OpGt:
		return a > b
	case OpGe:
		return a >= b
	case OpLt:
		return a < b
	case OpLe:
		return a <= b
	}
	return false
}

func contains(words []string, s string) bool {
	for _, w := range words {
		if w == s {
			return true
		}
	}
	return false
}

// ValidSensorKey reports whether key has the shape of a sensor key a
// reading can carry: an HA entity id (domain.object_id, lowercase letters,
// digits and _), "zigbee2mqtt/<friendly name>/<property>" or
// "esphome/<node>/<component>/<object_id>" (or "esphome/<node>/status"),
// where the node is ESPHome's topic prefix, which may itself hold slashes
// ("home/kitchen"). Anything else ("bed", "Bed Sensor!") can never match.
func ValidSensorKey(key string) bool {
	if rest, ok := strings.CutPrefix(key, "zigbee2mqtt/"); ok {
		i := strings.LastIndex(rest, "/")
		return i > 0 && i < len(rest)-1
	}
	if rest, ok := strings.CutPrefix(key, "esphome/"); ok {
		parts := strings.Split(rest, "/")
		for _, p := range parts {
			if p == "" {
				return false
			}
		}
		return len(parts) >= 3 || (len(parts) == 2 && parts[1] == "status")
	}
	dom, obj, ok := strings.Cut(key, ".")
	return ok && entityPart(dom) && entityPart(obj)
}

func entityPart(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Sources of sensor keys, as readings and sensor lists name them.
const (
	SourceHA          = "ha"
	SourceZigbee2MQTT = "zigbee2mqtt"
	SourceESPHome     = "esphome"
)

// SourceOf names the source a well-formed sensor key belongs to by its
// shape: zigbee2mqtt/… and esphome/… keys, else a Home Assistant entity id.
func SourceOf(key string) string {
	switch {
	case strings.HasPrefix(key, SourceZigbee2MQTT+"/"):
		return SourceZigbee2MQTT
	case strings.HasPrefix(key, SourceESPHome+"/"):
		return SourceESPHome
	}
	return SourceHA
}
