package routine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// ScheduleKind is how often a routine occurs.
type ScheduleKind string

// Schedule kinds.
const (
	ScheduleDaily      ScheduleKind = "daily"
	ScheduleWeekdays   ScheduleKind = "weekdays"     // Monday to Friday
	ScheduleDays       ScheduleKind = "days"         // on the chosen weekdays
	ScheduleEveryNDays ScheduleKind = "every_n_days" // every Every days from Anchor
	ScheduleRRule      ScheduleKind = "rrule"        // an RFC 5545 RRULE subset, see RRule
)

// Schedule says on which local days a routine occurs.
type Schedule struct {
	Kind ScheduleKind
	// Days are the weekdays of ScheduleDays.
	Days []time.Weekday
	// Every is the period of ScheduleEveryNDays, 2 to 365 days.
	Every int
	// Anchor is the first day of ScheduleEveryNDays (required) and the DTSTART
	// of ScheduleRRule (required when the rule has an INTERVAL above 1 or
	// leaves out BYDAY or BYMONTHDAY, which then default to the anchor's).
	// Nothing occurs before it.
	Anchor domain.Day
	// RRule is the rule of ScheduleRRule, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH".
	RRule string
}

// Freq is the FREQ of an RRULE.
type Freq string

// Supported frequencies.
const (
	FreqDaily   Freq = "DAILY"
	FreqWeekly  Freq = "WEEKLY"
	FreqMonthly Freq = "MONTHLY"
)

// RRule is the parsed subset of an RFC 5545 recurrence rule that routines
// accept: FREQ=DAILY or WEEKLY with INTERVAL and BYDAY, FREQ=MONTHLY with
// INTERVAL and BYMONTHDAY. Weeks start on Monday (the RFC's default WKST).
type RRule struct {
	Freq       Freq
	Interval   int            // 1 when absent
	ByDay      []time.Weekday // DAILY (a filter) and WEEKLY
	ByMonthDay []int          // MONTHLY: 1 to 31, or -1 (the last day) to -31
}

// rruleDay is the weekday of an RFC 5545 two-letter day code.
func rruleDay(code string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if rruleCode(d) == code {
			return d, true
		}
	}
	return 0, false
}

func rruleCode(d time.Weekday) string { return strings.ToUpper(d.String()[:2]) }

// ParseRRule parses rule ("RRULE:" prefix optional, parts in any order,
// case-insensitive). Every problem is reported as a field error on field.
func ParseRRule(field, rule string) (RRule, error) {
	var v domain.ValidationError
	r := parseRRule(&v, field, rule)
	return r, v.Err()
}

func parseRRule(v *domain.ValidationError, field, rule string) RRule {
	r := RRule{Interval: 1}
	body := strings.ToUpper(strings.TrimSpace(rule))
	body = strings.TrimPrefix(body, "RRULE:")
	if body == "" {
		v.Add(field, nil, "is required for an rrule schedule")
		return r
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(body, ";") {
		key, val, ok := strings.Cut(part, "=")
		if !ok || val == "" {
			v.Add(field, part, "each part must be NAME=VALUE")
			continue
		}
		if seen[key] {
			v.Add(field, key, "is given twice")
			continue
		}
		seen[key] = true
		switch key {
		case "FREQ":
			switch f := Freq(val); f {
			case FreqDaily, FreqWeekly, FreqMonthly:
				r.Freq = f
			default:
				v.Add(field, "FREQ="+val, "FREQ must be DAILY, WEEKLY or MONTHLY")
			}
		case "INTERVAL":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 366 {
				v.Add(field, "INTERVAL="+val, "INTERVAL must be a whole number from 1 to 366")
				continue
			}
			r.Interval = n
		case "BYDAY":
			for d := range strings.SplitSeq(val, ",") {
				wd, ok := rruleDay(d)
				switch {
				case !ok:
					v.Add(field, "BYDAY="+val, "BYDAY takes MO, TU, WE, TH, FR, SA, SU (no ordinals)")
				case slices.Contains(r.ByDay, wd):
					v.Add(field, "BYDAY="+val, "BYDAY lists "+d+" twice")
				default:
					r.ByDay = append(r.ByDay, wd)
				}
			}
		case "BYMONTHDAY":
			for d := range strings.SplitSeq(val, ",") {
				n, err := strconv.Atoi(d)
				switch {
				case err != nil || n == 0 || n < -31 || n > 31:
					v.Add(field, "BYMONTHDAY="+val, "BYMONTHDAY takes 1 to 31 or -1 to -31")
				case slices.Contains(r.ByMonthDay, n):
					v.Add(field, "BYMONTHDAY="+val, "BYMONTHDAY lists "+d+" twice")
				default:
					r.ByMonthDay = append(r.ByMonthDay, n)
				}
			}
		case "WKST":
			if val != "MO" {
				v.Add(field, "WKST="+val, "only WKST=MO is supported")
			}
		default:
			v.Add(field, key, "is not supported (use FREQ, INTERVAL, BYDAY, BYMONTHDAY)")
		}
	}
	switch {
	case r.Freq == "":
		if !seen["FREQ"] {
			v.Add(field, nil, "FREQ is required")
		}
	case r.Freq == FreqMonthly && len(r.ByDay) > 0:
		v.Add(field, "BYDAY", "BYDAY is not supported with FREQ=MONTHLY (use BYMONTHDAY)")
	case r.Freq != FreqMonthly && len(r.ByMonthDay) > 0:
		v.Add(field, "BYMONTHDAY", "BYMONTHDAY needs FREQ=MONTHLY")
	}
	return r
}

// String formats r canonically (FREQ first, defaults left out).
func (r RRule) String() string {
	var b strings.Builder
	b.WriteString("FREQ=" + string(r.Freq))
	if r.Interval > 1 {
		b.WriteString(";INTERVAL=" + strconv.Itoa(r.Interval))
	}
	if len(r.ByDay) > 0 {
		names := make([]string, len(r.ByDay))
		for i, d := range r.ByDay {
			names[i] = rruleCode(d)
		}
		b.WriteString(";BYDAY=" + strings.Join(names, ","))
	}
	if len(r.ByMonthDay) > 0 {
		nums := make([]string, len(r.ByMonthDay))
		for i, d := range r.ByMonthDay {
			nums[i] = strconv.Itoa(d)
		}
		b.WriteString(";BYMONTHDAY=" + strings.Join(nums, ","))
	}
	return b.String()
}

// Validate checks s and names every bad field ("schedule.…").
func (s Schedule) Validate() error {
	var v domain.ValidationError
	s.validate(&v, "schedule.")
	return v.Err()
}

func (s Schedule) validate(v *domain.ValidationError, prefix string) {
	switch s.Kind {
	case ScheduleDaily, ScheduleWeekdays:
	case ScheduleDays:
		if len(s.Days) == 0 {
			v.Add(prefix+"days", nil, "must name at least one weekday")
		}
		for i, d := range s.Days {
			switch {
			case d < time.Sunday || d > time.Saturday:
				v.Add(fmt.Sprintf("%sdays[%d]", prefix, i), int(d), "must be a weekday 0 (Sunday) to 6 (Saturday)")
			case slices.Index(s.Days, d) != i:
				v.Add(fmt.Sprintf("%sdays[%d]", prefix, i), d.String(), "is listed twice")
			}
		}
	case ScheduleEveryNDays:
		if s.Every < 2 || s.Every > 365 {
			v.Add(prefix+"every", s.Every, "must be 2 to 365 days")
		}
		if s.Anchor.IsZero() {
			v.Add(prefix+"anchor", nil, "must be set: the first day of an every_n_days schedule")
		}
	case ScheduleRRule:
		r := parseRRule(v, prefix+"rrule", s.RRule)
		if s.Anchor.IsZero() {
			switch {
			case r.Interval > 1:
				v.Add(prefix+"anchor", nil, "must be set when the rule has an INTERVAL above 1")
			case r.Freq == FreqWeekly && len(r.ByDay) == 0:
				v.Add(prefix+"anchor", nil, "must be set when a weekly rule has no BYDAY")
			case r.Freq == FreqMonthly && len(r.ByMonthDay) == 0:
				v.Add(prefix+"anchor", nil, "must be set when a monthly rule has no BYMONTHDAY")
			}
		}
	default:
		v.Add(prefix+"kind", s.Kind, "must be daily, weekdays, days, every_n_days or rrule")
	}
}

// OccursOn reports whether a routine on schedule s occurs on day. An invalid
// schedule occurs on no day.
func (s Schedule) OccursOn(day domain.Day) bool {
	switch s.Kind {
	case ScheduleDaily:
		return true
	case ScheduleWeekdays:
		wd := day.Weekday()
		return wd != time.Saturday && wd != time.Sunday
	case ScheduleDays:
		return slices.Contains(s.Days, day.Weekday())
	case ScheduleEveryNDays:
		n := day.Sub(s.Anchor)
		return s.Every > 0 && !s.Anchor.IsZero() && n >= 0 && n%s.Every == 0
	case ScheduleRRule:
		if !s.Anchor.IsZero() && day.Before(s.Anchor) {
			return false
		}
		r, err := ParseRRule("rrule", s.RRule)
		return err == nil && r.occursOn(day, s.Anchor)
	}
	return false
}

// occursOn applies r from anchor (DTSTART; zero when the rule needs none).
func (r RRule) occursOn(day, anchor domain.Day) bool {
	switch r.Freq {
	case FreqDaily:
		if anchor.IsZero() {
			anchor = day // INTERVAL is 1, so any phase will do
		}
		return day.Sub(anchor)%r.Interval == 0 && (len(r.ByDay) == 0 || slices.Contains(r.ByDay, day.Weekday()))
	case FreqWeekly:
		days := r.ByDay
		if len(days) == 0 {
			days = []time.Weekday{anchor.Weekday()}
		}
		if !slices.Contains(days, day.Weekday()) {
			return false
		}
		if anchor.IsZero() {
			return true
		}
		weeks := monday(day).Sub(monday(anchor)) / 7
		return weeks%r.Interval == 0
	case FreqMonthly:
		if !anchor.IsZero() {
			months := (day.Year-anchor.Year)*12 + int(day.Month) - int(anchor.Month)
			if months%r.Interval != 0 {
				return false
			}
		}
		days := r.ByMonthDay
		if len(days) == 0 {
			days = []int{anchor.Day}
		}
		last := domain.NewDay(day.Year, day.Month+1, 0).Day
		for _, d := range days {
			if d < 0 {
				d = last + 1 + d
			}
			// A day the month does not have (the 31st in April) does not
			// occur, as RFC 5545 says; it does not move to the last day.
			if d == day.Day {
				return true
			}
		}
	}
	return false
}

// monday is the Monday of day's week.
func monday(day domain.Day) domain.Day {
	return day.Add(-((int(day.Weekday()) + 6) % 7))
}
