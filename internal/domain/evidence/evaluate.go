package evidence

import (
	"fmt"
	"slices"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Reading is one observed state of a sensor: it holds from At until the
// next reading.
type Reading struct {
	At    time.Time `json:"at"`
	State string    `json:"state"`
}

// Match is one firing of a rule: the condition held continuously from
// Start to End (End−Start is the rule's duration) inside the window of Day.
type Match struct {
	Day   domain.Day
	Start time.Time
	End   time.Time
	// At is when the completion counts: End, or the last second of Day when
	// End fell after it (a window that crosses midnight).
	At time.Time
	// State is the sensor's state in effect at End.
	State string
	// Readings are the readings in effect during [Start, End], oldest first
	// (at most MaxMatchReadings: the first and the latest ones).
	Readings []Reading
}

// MaxMatchReadings bounds the readings a match keeps as its evidence.
const MaxMatchReadings = 50

// Evaluate finds, per local day, the first moment the rule's condition had
// held continuously for its duration inside its window, given the sensor's
// readings (any order; the ones after now are ignored) and now. The last
// reading holds until now. A state that is not available breaks a run.
// Without a window the window is the whole local day, so a run is counted
// within one day. Matches come oldest first, at most one per day.
func (r Rule) Evaluate(history []Reading, now time.Time, loc *time.Location) []Match {
	rs := make([]Reading, 0, len(history))
	for _, h := range history {
		if !h.At.After(now) {
			rs = append(rs, h)
		}
	}
	slices.SortStableFunc(rs, func(a, b Reading) int { return a.At.Compare(b.At) })

	var out []Match
	seen := map[domain.Day]bool{}
	for i := 0; i < len(rs); {
		if !r.Condition.Holds(rs[i].State) {
			i++
			continue
		}
		j := i + 1
		for j < len(rs) && r.Condition.Holds(rs[j].State) {
			j++
		}
		start, end, open := rs[i].At, now, j == len(rs)
		if !open {
			end = rs[j].At
		}
		run := rs[i:j]
		for d := domain.DayOf(start, loc).Add(-1); !d.After(domain.DayOf(end, loc)); d = d.Add(1) {
			if seen[d] {
				continue
			}
			ws, we := r.windowOn(d, loc)
			is, ie := later(start, ws), earlier(end, we)
			if !is.Before(we) || ie.Sub(is) < r.For {
				continue
			}
			if r.For == 0 && !is.Before(ie) && !(open && is.Equal(now)) {
				continue // a state that held for no time at all
			}
			m := Match{Day: d, Start: is, End: is.Add(r.For)}
			m.At = m.End
			if !d.Contains(m.At, loc) {
				m.At = d.End(loc).Add(-time.Second)
			}
			m.Readings = inEffect(run, m.Start, m.End)
			m.State = m.Readings[len(m.Readings)-1].State
			seen[d] = true
			out = append(out, m)
		}
		i = j
	}
	return out
}

// windowOn is the window's span on day d: [start, end).
func (r Rule) windowOn(d domain.Day, loc *time.Location) (time.Time, time.Time) {
	if r.Window == nil {
		return d.Start(loc), d.End(loc)
	}
	start := clockOn(d, r.Window.Start, loc)
	if r.Window.End > r.Window.Start {
		return start, clockOn(d, r.Window.End, loc)
	}
	return start, clockOn(d.Add(1), r.Window.End, loc)
}

// clockOn is local clock time c on day d. A time that a spring-forward
// skips resolves the way time.Date does (an hour later); 24:00 is the next
// day's start.
func clockOn(d domain.Day, c domain.ClockTime, loc *time.Location) time.Time {
	if c >= domain.Clock(24, 0) {
		return d.End(loc)
	}
	if c == 0 {
		return d.Start(loc)
	}
	return time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, loc)
}

// inEffect picks the readings of run that held some time in [from, to]:
// the one in effect at from and every later one up to to.
func inEffect(run []Reading, from, to time.Time) []Reading {
	first := 0
	for k := range run {
		if !run[k].At.After(from) {
			first = k
		}
	}
	var out []Reading
	for k := first; k < len(run) && !run[k].At.After(to); k++ {
		out = append(out, run[k])
	}
	if len(out) > MaxMatchReadings {
		out = append(out[:MaxMatchReadings/2:MaxMatchReadings/2], out[len(out)-MaxMatchReadings/2:]...)
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// QuantityOf is the amount the rule's action records for m: 0 when the
// action has no quantity.
func (r Rule) QuantityOf(m Match) (float64, error) {
	q := r.Action.Quantity
	if q == nil {
		return 0, nil
	}
	switch q.Kind {
	case QuantityFixed:
		return q.Value, nil
	case QuantityDuration:
		return r.For.Minutes(), nil
	case QuantityState:
		f, ok := number(m.State)
		if !ok || f < 0 || f > MaxQuantity {
			return 0, domain.Invalid("action.quantity", m.State, "the sensor's state is not a number between 0 and 1000000")
		}
		return f, nil
	}
	return 0, domain.Invalid("action.quantity.kind", q.Kind, "must be one of fixed, duration_minutes, state")
}

// Merge adds readings to a sensor's history, keeping it in time order with
// one entry per instant (a later report of the same instant wins) and
// collapsing a reading that repeats the state before it (it changes
// nothing). It keeps only readings newer than since, plus the one in effect
// at since, and at most max of them (the newest). changed reports whether
// the history differs from before.
func Merge(history, readings []Reading, since time.Time, max int) (out []Reading, changed bool) {
	all := make([]Reading, 0, len(history)+len(readings))
	all = append(all, history...)
	all = append(all, readings...)
	slices.SortStableFunc(all, func(a, b Reading) int { return a.At.Compare(b.At) })
	for _, rd := range all {
		n := len(out)
		switch {
		case n > 0 && out[n-1].At.Equal(rd.At):
			out[n-1] = rd
		case n > 0 && out[n-1].State == rd.State:
		default:
			out = append(out, rd)
		}
	}
	// Collapse again: a replaced instant may now repeat its predecessor.
	out = slices.CompactFunc(out, func(a, b Reading) bool { return a.State == b.State })
	first := 0
	for k := range out {
		if !out[k].At.After(since) {
			first = k
		}
	}
	out = out[first:]
	if max > 0 && len(out) > max {
		out = out[len(out)-max:]
	}
	return out, !slices.EqualFunc(out, history, func(a, b Reading) bool { return a.At.Equal(b.At) && a.State == b.State })
}

// Key is a stable text for a match's window, e.g. "2026-03-29 21:00-02:00".
func (r Rule) Key(d domain.Day) string {
	if r.Window == nil {
		return d.String()
	}
	return fmt.Sprintf("%s %s-%s", d, r.Window.Start, r.Window.End)
}
