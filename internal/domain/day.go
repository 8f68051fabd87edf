package domain

import (
	"fmt"
	"time"
)

// Day is a civil date in the household's time zone: the unit habits, streaks
// and the Daily Life Score are counted in. It is comparable with ==, usable as
// a map key, and marshals as "YYYY-MM-DD". The zero value means "no day".
type Day struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDay returns the day y-m-d, normalising out-of-range values the way
// time.Date does (month 13 is January of the next year).
func NewDay(y int, m time.Month, d int) Day {
	return dayFromUTC(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DayOf returns the local day that instant t falls on in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return Day{Year: y, Month: m, Day: d}
}

// ParseDay parses "YYYY-MM-DD".
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Day{}, fmt.Errorf("parse day %q: want YYYY-MM-DD", s)
	}
	return dayFromUTC(t), nil
}

func dayFromUTC(t time.Time) Day {
	y, m, d := t.Date()
	return Day{Year: y, Month: m, Day: d}
}

// utc is the day's midnight in UTC, where every day has 24 hours, so day
// arithmetic never meets a DST jump.
func (d Day) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero Day.
func (d Day) IsZero() bool { return d == Day{} }

// Add returns the day n days after d (before it when n < 0).
func (d Day) Add(n int) Day { return dayFromUTC(d.utc().AddDate(0, 0, n)) }

// Sub returns the number of days from o to d (d.Sub(d.Add(-3)) == 3).
func (d Day) Sub(o Day) int {
	return int(d.utc().Sub(o.utc()).Hours() / 24)
}

// Weekday is the day of the week of d.
func (d Day) Weekday() time.Weekday { return d.utc().Weekday() }

// Before reports whether d is earlier than o.
func (d Day) Before(o Day) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Day) After(o Day) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Day) Compare(o Day) int {
	switch {
	case d.Year != o.Year:
		return cmpInt(d.Year, o.Year)
	case d.Month != o.Month:
		return cmpInt(int(d.Month), int(o.Month))
	default:
		return cmpInt(d.Day, o.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Start is the first instant of d in loc. Where a DST jump skips local
// midnight (Santiago, Havana, ...), that is the instant of the jump, not a
// time that belongs to the previous day.
func (d Day) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DayOf(t, loc).Before(d) {
		// time.Date may resolve a skipped midnight to the old offset, which
		// lands in the previous evening; the day really starts when that zone ends.
		_, end := t.ZoneBounds()
		if !end.IsZero() {
			t = end
		}
	}
	return t
}

// End is the first instant after d in loc (the next day's Start). A day is
// End−Start long: 23 or 25 hours on DST change days.
func (d Day) End(loc *time.Location) time.Time { return d.Add(1).Start(loc) }

// Contains reports whether instant t falls on d in loc.
func (d Day) Contains(t time.Time, loc *time.Location) bool { return DayOf(t, loc) == d }

// String formats d as "YYYY-MM-DD".
func (d Day) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler (and so JSON, also as a map key).
// The zero Day (no day) is the empty string, so an unset day in a stored
// definition survives a round trip.
func (d Day) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Day) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Day{}
		return nil
	}
	p, err := ParseDay(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ClockTime is a local wall-clock time of day in minutes after midnight,
// 0 to 1440 (24:00, the end of the day). It marshals as "HH:MM".
type ClockTime int

// Clock returns the ClockTime h:m.
func Clock(h, m int) ClockTime { return ClockTime(h*60 + m) }

// ParseClock parses "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (ClockTime, error) {
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	// Checked by hand: Sscanf would take "-1:30" or "+1:00".
	if len(s) != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4]) {
		return 0, fmt.Errorf("parse clock time %q: want HH:MM", s)
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("parse clock time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return Clock(h, m), nil
}

// String formats c as "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText implements encoding.TextMarshaler.
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *ClockTime) UnmarshalText(b []byte) error {
	p, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// wallSeconds is the local wall-clock time of t in seconds after midnight.
// Wall time, not elapsed time: on a spring-forward day 03:30 is 03:30.
func wallSeconds(t time.Time, loc *time.Location) int {
	h, m, s := t.In(loc).Clock()
	return h*3600 + m*60 + s
}
