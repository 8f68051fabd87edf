package sensors

import "fmt"

// Kind names the kind of topic a message arrived on, for metrics and logs.
type Kind string

// Topic kinds.
const (
	KindZ2MState        Kind = "z2m_state"        // <base>/<friendly_name>, a JSON object
	KindZ2MAttribute    Kind = "z2m_attribute"    // <base>/<friendly_name>/<property>, a bare value (output: attribute)
	KindZ2MDevices      Kind = "z2m_devices"      // <base>/bridge/devices
	KindZ2MAvailability Kind = "z2m_availability" // <base>/<friendly_name>/availability
	KindESPHomeState    Kind = "esphome_state"    // <node>/<component>/<object_id>/state
	KindESPHomeStatus   Kind = "esphome_status"   // <node>/status
	// KindIgnored is a topic LifeOps has no use for: commands (/set, /get),
	// bridge logging and responses.
	KindIgnored Kind = "ignored"
)

// Reason says why a payload was refused.
type Reason string

// Reasons a payload is malformed.
const (
	ReasonTooLarge    Reason = "too_large"    // over the kind's size limit
	ReasonInvalidUTF8 Reason = "invalid_utf8" // not UTF-8 text
	ReasonInvalidJSON Reason = "invalid_json" // truncated or not JSON at all
	ReasonWrongType   Reason = "wrong_type"   // JSON, but not the shape the topic carries
	ReasonBadValue    Reason = "bad_value"    // a value the topic never carries (binary_sensor "MAYBE")
)

// MalformedError is a payload that was refused; nothing of it is stored.
type MalformedError struct {
	Kind   Kind
	Reason Reason
	Detail string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed %s payload (%s): %s", e.Kind, e.Reason, e.Detail)
}

func malformed(k Kind, r Reason, format string, args ...any) error {
	return &MalformedError{Kind: k, Reason: r, Detail: fmt.Sprintf(format, args...)}
}
