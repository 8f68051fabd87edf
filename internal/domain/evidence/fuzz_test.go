package evidence

import (
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// FuzzEvaluate: whatever the readings and rule, matches end by now, last
// exactly the rule's duration, start inside their day's window while the
// condition held, and come at most once per day in time order. The seed
// corpus is in testdata/fuzz/FuzzEvaluate.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint16(18*60), uint16(23*60), uint32(300), uint8(0), "", []byte{0, 1, 10, 0, 5, 1})
	f.Add(uint16(22*60), uint16(2*60), uint32(0), uint8(6), "2", []byte{3, 200, 1, 50, 2, 90, 0})
	f.Add(uint16(0), uint16(0), uint32(7200), uint8(0), "", []byte{1, 255, 0, 255, 1, 255, 1})
	f.Fuzz(func(t *testing.T, ws, we uint16, forSec uint32, op uint8, value string, steps []byte) {
		ops := []Op{OpOn, OpOff, OpEq, OpNe, OpGt, OpGe, OpLt, OpLe}
		r := Rule{Name: "fuzz", Sensors: []string{"sensor.x"}, Condition: Condition{Op: ops[int(op)%len(ops)], Value: value},
			For: time.Duration(forSec%86401) * time.Second, Action: Action{Kind: ActionCheckIn, Habit: "h"}}
		if ws%1441 != we%1441 {
			r.Window = &Window{Start: domain.ClockTime(ws % 1440), End: domain.ClockTime(we % 1441)}
		}
		if r.Validate() != nil {
			return
		}
		states := []string{"on", "off", "unavailable", "unknown", "0", "1.5", "2", "3", "true", "", "NaN"}
		t0 := time.Date(2026, 3, 28, 20, 0, 0, 0, berlin) // spans the spring-forward night
		var history []Reading
		cur := t0
		for i := 0; i+1 < len(steps); i += 2 {
			cur = cur.Add(time.Duration(steps[i]) * 7 * time.Minute)
			history = append(history, Reading{At: cur, State: states[int(steps[i+1])%len(states)]})
		}
		now := cur.Add(time.Hour)
		matches := r.Evaluate(history, now, berlin)
		seen := map[domain.Day]bool{}
		var prev time.Time
		for _, m := range matches {
			if m.End.After(now) {
				t.Fatalf("match ends %s after now %s", m.End, now)
			}
			if m.End.Sub(m.Start) != r.For {
				t.Fatalf("match lasts %s, want %s", m.End.Sub(m.Start), r.For)
			}
			wsT, weT := r.windowOn(m.Day, berlin)
			if m.Start.Before(wsT) || m.End.After(weT) {
				t.Fatalf("match %s..%s outside the window %s..%s", m.Start, m.End, wsT, weT)
			}
			if seen[m.Day] || m.Start.Before(prev) {
				t.Fatalf("matches out of order or twice on %s", m.Day)
			}
			seen[m.Day], prev = true, m.Start
			if domain.DayOf(m.At, berlin) != m.Day {
				t.Fatalf("match of %s counts at %s", m.Day, m.At)
			}
			if len(m.Readings) == 0 || len(m.Readings) > MaxMatchReadings {
				t.Fatalf("match keeps %d readings", len(m.Readings))
			}
			for _, rd := range m.Readings {
				if !r.Condition.Holds(rd.State) {
					t.Fatalf("evidence reading %q does not meet the condition", rd.State)
				}
			}
		}
	})
}

// FuzzMerge: a merged history is in time order, one reading per instant,
// never repeats a state, and merging the same readings again changes
// nothing (replays are harmless).
func FuzzMerge(f *testing.F) {
	f.Add([]byte{1, 0, 2, 1, 0, 0, 5, 1}, []byte{2, 1, 0, 0}, uint8(0))
	f.Add([]byte{0, 0, 0, 1, 0, 0}, []byte{}, uint8(2))
	f.Fuzz(func(t *testing.T, a, b []byte, max uint8) {
		t0 := time.Date(2026, 3, 28, 20, 0, 0, 0, time.UTC)
		states := []string{"on", "off", "unavailable", "1.5"}
		toReadings := func(p []byte) []Reading {
			var rs []Reading
			for i := 0; i+1 < len(p); i += 2 {
				rs = append(rs, Reading{At: t0.Add(time.Duration(p[i]) * time.Minute), State: states[int(p[i+1])%len(states)]})
			}
			return rs
		}
		h, _ := Merge(nil, toReadings(a), time.Time{}, int(max))
		h, _ = Merge(h, toReadings(b), time.Time{}, int(max))
		for i := 1; i < len(h); i++ {
			if !h[i-1].At.Before(h[i].At) || h[i-1].State == h[i].State {
				t.Fatalf("history out of order or repeating at %d: %+v", i, h)
			}
		}
		if max > 0 && len(h) > int(max) {
			t.Fatalf("history of %d readings, cap %d", len(h), max)
		}
		if again, changed := Merge(h, toReadings(b), time.Time{}, int(max)); changed && max == 0 {
			t.Fatalf("replaying changed the history: %+v -> %+v", h, again)
		}
	})
}
