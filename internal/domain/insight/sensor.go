package insight

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/domain"
)

// SensorKind says how a linked sensor's nights are summarised.
type SensorKind string

// Sensor kinds.
const (
	SensorNumeric SensorKind = "numeric" // night-time mean, min and max
	SensorBinary  SensorKind = "binary"  // minutes on during the night
)

// SensorLink ties a sensor to a person: a sensor of their own (a bed
// sensor) or of the room they sleep in (Room names it, for display).
type SensorLink struct {
	Sensor string     `json:"sensor"`
	Name   string     `json:"name"`
	Unit   string     `json:"unit"`
	Kind   SensorKind `json:"kind"`
	Room   string     `json:"room"`
}

// sensorKey matches the keys readings are stored under: an HA entity id,
// zigbee2mqtt/<device>/<property> or esphome/<node>/<component>/<object_id>.
var sensorKey = regexp.MustCompile(`^([a-z_]+\.[a-z0-9_]+|(zigbee2mqtt|esphome)(/[^/\s]+){2,3})$`)

// ValidateSensorLink checks a link before it is stored.
func ValidateSensorLink(l SensorLink) error {
	var v domain.ValidationError
	if len(l.Sensor) > 200 || !sensorKey.MatchString(l.Sensor) {
		v.Add("sensor", l.Sensor, "must be an entity id (sensor.bedroom_temperature), zigbee2mqtt/<device>/<property> or esphome/<node>/<component>/<object_id>")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(l.Name)); n < 1 || n > 80 {
		v.Add("name", l.Name, "must be 1 to 80 characters")
	}
	if utf8.RuneCountInString(l.Unit) > 16 {
		v.Add("unit", l.Unit, "must be at most 16 characters")
	}
	if l.Kind != SensorNumeric && l.Kind != SensorBinary {
		v.Add("kind", l.Kind, "must be numeric or binary")
	}
	if utf8.RuneCountInString(l.Room) > 40 {
		v.Add("room", l.Room, "must be at most 40 characters")
	}
	return v.Err()
}

// StateChange is one stored reading of a binary sensor.
type StateChange struct {
	At    time.Time
	State string
}

// On reports whether a binary sensor's state counts as on.
func On(state string) bool {
	switch strings.ToLower(state) {
	case "on", "true", "1", "open", "detected", "occupied", "home", "wet", "playing":
		return true
	}
	return false
}

// NightOnMinutes sums, for each night ending on from … to, the minutes the
// sensor was on between NightStart and NightEnd local time. changes are
// oldest first; a night counts only when the sensor's state is known from
// its start (a reading at or before it) up to its end (a reading after it,
// or until, the latest time the state is known to hold).
func NightOnMinutes(changes []StateChange, from, to domain.Day, loc *time.Location, until time.Time) map[domain.Day]float64 {
	out := map[domain.Day]float64{}
	if len(changes) == 0 {
		return out
	}
	for d := from; !d.After(to); d = d.Add(1) {
		start, end := Night(d, loc)
		if changes[0].At.After(start) || until.Before(end) {
			continue
		}
		// The state at start is that of the last change at or before it.
		i := 0
		for i+1 < len(changes) && !changes[i+1].At.After(start) {
			i++
		}
		var on time.Duration
		at, state := start, changes[i].State
		for j := i + 1; j < len(changes) && changes[j].At.Before(end); j++ {
			if On(state) {
				on += changes[j].At.Sub(at)
			}
			at, state = changes[j].At, changes[j].State
		}
		if On(state) {
			on += end.Sub(at)
		}
		out[d] = on.Minutes()
	}
	return out
}

// Night is the night that ends on d: from NightStart on the evening before
// to NightEnd on d, local time (an hour shorter or longer across a DST
// change).
func Night(d domain.Day, loc *time.Location) (start, end time.Time) {
	return clockOn(d.Add(-1), NightStart, loc), clockOn(d, NightEnd, loc)
}

// NightOf is the day whose night (NightStart the evening before to NightEnd)
// holds t, in the household's time zone; ok is false for daytime.
func NightOf(t time.Time, loc *time.Location) (day domain.Day, ok bool) {
	lt := t.In(loc)
	m := domain.Clock(lt.Hour(), lt.Minute())
	switch {
	case m >= NightStart:
		return domain.DayOf(t, loc).Add(1), true
	case m < NightEnd:
		return domain.DayOf(t, loc), true
	}
	return domain.Day{}, false
}

func clockOn(d domain.Day, c domain.ClockTime, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, loc)
}
