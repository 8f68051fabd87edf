package routine

import (
	"fmt"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// BenchmarkGenerate is the pure part of a timeline for a person with 10
// routines and 60 items, every schedule kind represented.
func BenchmarkGenerate(b *testing.B) {
	berlin := mustLoc(b, "Europe/Berlin")
	schedules := []Schedule{
		{Kind: ScheduleDaily},
		{Kind: ScheduleWeekdays},
		{Kind: ScheduleDays, Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday}},
		{Kind: ScheduleEveryNDays, Every: 2, Anchor: d(2026, 6, 1)},
		{Kind: ScheduleRRule, RRule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", Anchor: d(2026, 1, 5)},
	}
	var routines []Routine
	id := int64(0)
	for r := range 10 {
		rt := Routine{ID: int64(r + 1), PersonID: 1, Name: fmt.Sprint("R", r), Schedule: schedules[r%len(schedules)]}
		for i := range 6 {
			id++
			a := Anchor{Kind: AnchorClock, At: domain.Clock(6+r, i*5)}
			if i%2 == 1 {
				a = Anchor{Kind: AnchorWake, OffsetMin: 10 * i}
			}
			rt.Items = append(rt.Items, Item{ID: id, Title: fmt.Sprint("item ", id), Anchor: a, XP: 10})
		}
		routines = append(routines, rt)
	}
	day := d(2026, 6, 3) // a Wednesday: every routine occurs
	if n := len(Generate(routines, day, berlin, nil, DefaultWake)); n != 60 {
		b.Fatalf("%d entries, want 60", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		Generate(routines, day, berlin, nil, DefaultWake)
	}
}
