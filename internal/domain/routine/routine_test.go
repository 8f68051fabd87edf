package routine

import (
	"slices"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
)

func morning() Routine {
	habit := int64(4)
	return Routine{
		ID: 1, PersonID: 7, Name: "Morning",
		Schedule: Schedule{Kind: ScheduleDaily},
		Items: []Item{
			{ID: 10, Title: "Water", Anchor: Anchor{Kind: AnchorWake, OffsetMin: 5}, DurationMin: 1, XP: 5, HabitID: &habit},
			{ID: 11, Title: "Stretch", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(7, 0)}, DurationMin: 10, XP: 15, Checklist: []string{"neck", "back"}},
			{ID: 12, Title: "Vitamins", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(7, 30)}, XP: 5, GraceMin: GraceOf(120)},
		},
	}
}

func TestRoutineValidate(t *testing.T) {
	t.Parallel()
	bad := int64(-1)
	tests := []struct {
		name   string
		change func(r *Routine)
		want   []string
	}{
		{"valid", func(*Routine) {}, nil},
		{"no person, no name", func(r *Routine) { r.PersonID = 0; r.Name = "  " }, []string{"name", "person_id"}},
		{"long name", func(r *Routine) { r.Name = strings.Repeat("é", MaxNameLen+1) }, []string{"name"}},
		{"no items", func(r *Routine) { r.Items = nil }, []string{"items"}},
		{"bad schedule", func(r *Routine) { r.Schedule = Schedule{Kind: ScheduleEveryNDays} }, []string{"schedule.anchor", "schedule.every"}},
		{"duplicate title ignoring case", func(r *Routine) { r.Items[2].Title = " water" }, []string{"items[2].title"}},
		{"clock out of range, offset on a clock anchor", func(r *Routine) { r.Items[1].Anchor = Anchor{Kind: AnchorClock, At: domain.Clock(24, 0), OffsetMin: 3} },
			[]string{"items[1].anchor.at", "items[1].anchor.offset_min"}},
		{"wake offset too far", func(r *Routine) { r.Items[0].Anchor.OffsetMin = -721 }, []string{"items[0].anchor.offset_min"}},
		{"unknown anchor", func(r *Routine) { r.Items[0].Anchor.Kind = "sunrise" }, []string{"items[0].anchor.kind"}},
		{"numbers out of range", func(r *Routine) {
			r.Items[1].DurationMin, r.Items[1].XP, r.Items[1].GraceMin, r.Items[1].HabitID = -1, MaxItemXP+1, GraceOf(1441), &bad
		}, []string{"items[1].duration_min", "items[1].grace_min", "items[1].habit_id", "items[1].xp"}},
		{"empty checklist entry", func(r *Routine) { r.Items[1].Checklist = []string{"neck", ""} }, []string{"items[1].checklist[1]"}},
		{"empty title", func(r *Routine) { r.Items[0].Title = "" }, []string{"items[0].title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := morning()
			tt.change(&r)
			if got := fieldsOf(t, r.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.want, r.Validate())
			}
		})
	}
}

func TestItemGraceDefault(t *testing.T) {
	t.Parallel()
	if g := (Item{}).Grace(); g != 60 {
		t.Errorf("default grace = %d, want 60", g)
	}
	if g := (Item{GraceMin: GraceOf(15)}).Grace(); g != 15 {
		t.Errorf("grace = %d, want 15", g)
	}
	// 0 is a grace like any other: missed right at the planned time.
	if g := (Item{GraceMin: GraceOf(0)}).Grace(); g != 0 {
		t.Errorf("grace 0 = %d, want 0", g)
	}
	if err := (Routine{PersonID: 1, Name: "Pills", Schedule: Schedule{Kind: ScheduleDaily},
		Items: []Item{{Title: "Pill", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(8, 0)}, GraceMin: GraceOf(0)}}}).Validate(); err != nil {
		t.Errorf("grace 0 refused: %v", err)
	}
}
