package routine

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// fieldsOf lists the fields a validation error names, sorted (nil for nil).
func fieldsOf(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *domain.ValidationError, got %T: %v", err, err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

func d(y int, m time.Month, day int) domain.Day { return domain.NewDay(y, m, day) }

func TestOccursOn(t *testing.T) {
	t.Parallel()
	// 2026-06-01 is a Monday.
	mon, tue, sat, sun := d(2026, 6, 1), d(2026, 6, 2), d(2026, 6, 6), d(2026, 6, 7)
	tests := []struct {
		name string
		s    Schedule
		yes  []domain.Day
		no   []domain.Day
	}{
		{"daily", Schedule{Kind: ScheduleDaily}, []domain.Day{mon, sat, sun}, nil},
		{"weekdays", Schedule{Kind: ScheduleWeekdays}, []domain.Day{mon, tue, d(2026, 6, 5)}, []domain.Day{sat, sun}},
		{"chosen days", Schedule{Kind: ScheduleDays, Days: []time.Weekday{time.Tuesday, time.Sunday}}, []domain.Day{tue, sun}, []domain.Day{mon, sat}},
		{"every 3 days", Schedule{Kind: ScheduleEveryNDays, Every: 3, Anchor: mon},
			[]domain.Day{mon, d(2026, 6, 4), d(2026, 6, 7), d(2026, 7, 1)}, []domain.Day{tue, d(2026, 6, 3), d(2026, 5, 29)}},
		{"rrule daily", Schedule{Kind: ScheduleRRule, RRule: "FREQ=DAILY"}, []domain.Day{mon, sun}, nil},
		{"rrule every other day", Schedule{Kind: ScheduleRRule, RRule: "RRULE:FREQ=DAILY;INTERVAL=2", Anchor: mon},
			[]domain.Day{mon, d(2026, 6, 3), d(2026, 6, 5)}, []domain.Day{tue, d(2026, 5, 30)}},
		{"rrule daily limited by BYDAY", Schedule{Kind: ScheduleRRule, RRule: "freq=daily;byday=sa,su"}, []domain.Day{sat, sun}, []domain.Day{mon}},
		{"rrule fortnightly Monday and Thursday", Schedule{Kind: ScheduleRRule, RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", Anchor: d(2026, 6, 3)},
			// The anchor's week (from Monday 1 June) counts as week 0 even
			// for its Monday before the anchor: nothing occurs before the anchor.
			[]domain.Day{d(2026, 6, 4), d(2026, 6, 15), d(2026, 6, 18)}, []domain.Day{mon, d(2026, 6, 8), d(2026, 6, 11)}},
		{"rrule weekly on the anchor's weekday", Schedule{Kind: ScheduleRRule, RRule: "FREQ=WEEKLY", Anchor: tue},
			[]domain.Day{tue, d(2026, 6, 9)}, []domain.Day{mon, d(2026, 5, 26)}},
		{"rrule weekly across a year", Schedule{Kind: ScheduleRRule, RRule: "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE", Anchor: d(2025, 12, 31)},
			[]domain.Day{d(2025, 12, 31), d(2026, 1, 21)}, []domain.Day{d(2026, 1, 7), d(2026, 1, 14)}},
		{"rrule last day of the month", Schedule{Kind: ScheduleRRule, RRule: "FREQ=MONTHLY;BYMONTHDAY=-1"},
			[]domain.Day{d(2026, 2, 28), d(2028, 2, 29), d(2026, 4, 30)}, []domain.Day{d(2028, 2, 28), d(2026, 4, 29)}},
		{"rrule 31st skips short months", Schedule{Kind: ScheduleRRule, RRule: "FREQ=MONTHLY;BYMONTHDAY=31"},
			[]domain.Day{d(2026, 5, 31)}, []domain.Day{d(2026, 4, 30), d(2026, 5, 1)}},
		{"rrule quarterly on the 1st and 15th", Schedule{Kind: ScheduleRRule, RRule: "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1,15", Anchor: d(2026, 1, 1)},
			[]domain.Day{d(2026, 1, 1), d(2026, 1, 15), d(2026, 4, 15), d(2027, 1, 1)}, []domain.Day{d(2026, 2, 1), d(2026, 3, 15), d(2025, 10, 1)}},
		{"rrule monthly on the anchor's day", Schedule{Kind: ScheduleRRule, RRule: "FREQ=MONTHLY", Anchor: d(2026, 1, 20)},
			[]domain.Day{d(2026, 2, 20)}, []domain.Day{d(2026, 2, 21), d(2025, 12, 20)}},
		{"invalid rule occurs never", Schedule{Kind: ScheduleRRule, RRule: "FREQ=HOURLY"}, nil, []domain.Day{mon, sat}},
		{"unknown kind occurs never", Schedule{Kind: "sometimes"}, nil, []domain.Day{mon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, day := range tt.yes {
				if !tt.s.OccursOn(day) {
					t.Errorf("%s (%s): want it to occur", day, day.Weekday())
				}
			}
			for _, day := range tt.no {
				if tt.s.OccursOn(day) {
					t.Errorf("%s (%s): want it not to occur", day, day.Weekday())
				}
			}
		})
	}
}

func TestParseRRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		want    string // canonical form; empty when an error is expected
		wantErr string // a substring of the error
	}{
		{"FREQ=DAILY", "FREQ=DAILY", ""},
		{"RRULE:freq=weekly;byday=mo,we;interval=2", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE", ""},
		{"FREQ=MONTHLY;BYMONTHDAY=1,-1;WKST=MO", "FREQ=MONTHLY;BYMONTHDAY=1,-1", ""},
		{"", "", "is required"},
		{"INTERVAL=2", "", "FREQ is required"},
		{"FREQ=HOURLY", "", "FREQ must be DAILY, WEEKLY or MONTHLY"},
		{"FREQ=DAILY;INTERVAL=0", "", "INTERVAL must be a whole number"},
		{"FREQ=DAILY;INTERVAL=x", "", "INTERVAL must be a whole number"},
		{"FREQ=WEEKLY;BYDAY=1MO", "", "no ordinals"},
		{"FREQ=WEEKLY;BYDAY=MO,MO", "", "lists MO twice"},
		{"FREQ=MONTHLY;BYMONTHDAY=32", "", "BYMONTHDAY takes 1 to 31"},
		{"FREQ=MONTHLY;BYMONTHDAY=0", "", "BYMONTHDAY takes 1 to 31"},
		{"FREQ=MONTHLY;BYDAY=MO", "", "BYDAY is not supported with FREQ=MONTHLY"},
		{"FREQ=WEEKLY;BYMONTHDAY=3", "", "BYMONTHDAY needs FREQ=MONTHLY"},
		{"FREQ=DAILY;COUNT=3", "", "(COUNT): is not supported"},
		{"FREQ=DAILY;FREQ=WEEKLY", "", "is given twice"},
		{"FREQ=DAILY;WKST=SU", "", "only WKST=MO"},
		{"FREQ", "", "each part must be NAME=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRRule("schedule.rrule", tt.rule)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if got := fieldsOf(t, err); !slices.Contains(got, "schedule.rrule") {
					t.Errorf("fields = %v, want schedule.rrule", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if again, err := ParseRRule("rrule", r.String()); err != nil || again.String() != tt.want {
				t.Errorf("round trip: %v, %v", again, err)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	t.Parallel()
	anchor := d(2026, 6, 1)
	tests := []struct {
		name string
		s    Schedule
		want []string
	}{
		{"daily", Schedule{Kind: ScheduleDaily}, nil},
		{"weekdays", Schedule{Kind: ScheduleWeekdays}, nil},
		{"days", Schedule{Kind: ScheduleDays, Days: []time.Weekday{time.Monday}}, nil},
		{"no days", Schedule{Kind: ScheduleDays}, []string{"schedule.days"}},
		{"bad and repeated days", Schedule{Kind: ScheduleDays, Days: []time.Weekday{time.Monday, 9, time.Monday}}, []string{"schedule.days[1]", "schedule.days[2]"}},
		{"every n", Schedule{Kind: ScheduleEveryNDays, Every: 3, Anchor: anchor}, nil},
		{"every 1 without anchor", Schedule{Kind: ScheduleEveryNDays, Every: 1}, []string{"schedule.anchor", "schedule.every"}},
		{"rrule", Schedule{Kind: ScheduleRRule, RRule: "FREQ=WEEKLY;BYDAY=MO"}, nil},
		{"rrule interval without anchor", Schedule{Kind: ScheduleRRule, RRule: "FREQ=DAILY;INTERVAL=2"}, []string{"schedule.anchor"}},
		{"rrule weekly without day or anchor", Schedule{Kind: ScheduleRRule, RRule: "FREQ=WEEKLY"}, []string{"schedule.anchor"}},
		{"rrule monthly without day or anchor", Schedule{Kind: ScheduleRRule, RRule: "FREQ=MONTHLY"}, []string{"schedule.anchor"}},
		{"rrule broken", Schedule{Kind: ScheduleRRule, RRule: "FREQ=YEARLY;BYHOUR=3"}, []string{"schedule.rrule", "schedule.rrule"}},
		{"unknown", Schedule{Kind: "hourly"}, []string{"schedule.kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := fieldsOf(t, tt.s.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("fields = %v, want %v (%v)", got, tt.want, tt.s.Validate())
			}
		})
	}
}
