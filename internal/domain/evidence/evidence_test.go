package evidence

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, berlin)
}

func bedRule() Rule {
	return Rule{Name: "in bed by 23:00", Sensors: []string{"binary_sensor.bed_occupancy", "zigbee2mqtt/bed/occupancy"},
		Condition: Condition{Op: OpOn}, For: 5 * time.Minute, Window: &Window{Start: domain.Clock(18, 0), End: domain.Clock(23, 0)},
		Action: Action{Kind: ActionCheckIn, Habit: "in bed by 23:00"}, Enabled: true}
}

func deskRule() Rule {
	return Rule{Name: "deep work", Sensors: []string{"binary_sensor.desk_presence"},
		Condition: Condition{Op: OpOn}, For: 2 * time.Hour,
		Action: Action{Kind: ActionActivity, Activity: "deep_work", Quantity: &Quantity{Kind: QuantityDuration}}, Enabled: true}
}

func toothRule() Rule {
	return Rule{Name: "brush teeth", Sensors: []string{"sensor.toothbrush_power"},
		Condition: Condition{Op: OpGt, Value: "2"}, For: 90 * time.Second, Window: &Window{Start: domain.Clock(6, 0), End: domain.Clock(10, 0)},
		Action: Action{Kind: ActionRoutineItem, Item: "brush teeth"}, Enabled: true}
}

func TestValidate(t *testing.T) {
	spaced := bedRule()
	spaced.Sensors = []string{"zigbee2mqtt/hall motion/occupancy"} // a renamed Zigbee2MQTT device
	for _, r := range []Rule{bedRule(), deskRule(), toothRule(), spaced} {
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
	cases := []struct {
		name   string
		edit   func(*Rule)
		fields []string
	}{
		{"empty name", func(r *Rule) { r.Name = " " }, []string{"name"}},
		{"no sensors", func(r *Rule) { r.Sensors = nil }, []string{"sensors"}},
		{"duplicate sensor", func(r *Rule) { r.Sensors = []string{"a.b", "a.b"} }, []string{"sensors[1]"}},
		{"wildcard sensor", func(r *Rule) { r.Sensors = []string{"zigbee2mqtt/#"} }, []string{"sensors[0]"}},
		{"padded sensor", func(r *Rule) { r.Sensors = []string{" binary_sensor.bed"} }, []string{"sensors[0]"}},
		{"control character", func(r *Rule) { r.Sensors = []string{"zigbee2mqtt/bed\tx/occupancy"} }, []string{"sensors[0]"}},
		{"bad op", func(r *Rule) { r.Condition.Op = "between" }, []string{"condition.op"}},
		{"gt without number", func(r *Rule) { r.Condition = Condition{Op: OpGt, Value: "hot"} }, []string{"condition.value"}},
		{"on with value", func(r *Rule) { r.Condition.Value = "x" }, []string{"condition.value"}},
		{"eq unavailable", func(r *Rule) { r.Condition = Condition{Op: OpEq, Value: "unavailable"} }, []string{"condition.value"}},
		{"negative for", func(r *Rule) { r.For = -time.Second }, []string{"for_seconds"}},
		{"for longer than window", func(r *Rule) { r.For = 6 * time.Hour }, []string{"for_seconds"}},
		{"empty window", func(r *Rule) { r.Window = &Window{Start: 60, End: 60} }, []string{"window"}},
		{"window end past 24:00", func(r *Rule) { r.Window = &Window{Start: 60, End: 1500} }, []string{"window.end"}},
		{"no habit", func(r *Rule) { r.Action.Habit = "" }, []string{"action.habit"}},
		{"habit and item", func(r *Rule) { r.Action.Item = "x" }, []string{"action.item"}},
		{"bad kind", func(r *Rule) { r.Action.Kind = "notify" }, []string{"action.kind"}},
		{"duration without for", func(r *Rule) {
			r.For = 0
			r.Action.Quantity = &Quantity{Kind: QuantityDuration}
		}, []string{"action.quantity.kind"}},
		{"fixed zero", func(r *Rule) { r.Action.Quantity = &Quantity{Kind: QuantityFixed} }, []string{"action.quantity.value"}},
		{"several", func(r *Rule) { r.Name = ""; r.Condition.Op = "" }, []string{"name", "condition.op"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := bedRule()
			c.edit(&r)
			err := r.Validate()
			var v *domain.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("want a validation error, got %v", err)
			}
			var got []string
			for _, f := range v.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(c.fields, ",") {
				t.Fatalf("fields %v, want %v (%v)", got, c.fields, err)
			}
		})
	}
	r := deskRule()
	r.Action.Quantity = nil
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "action.quantity") {
		t.Fatalf("activity without quantity: %v", err)
	}
}

func TestHolds(t *testing.T) {
	cases := []struct {
		c     Condition
		state string
		want  bool
	}{
		{Condition{Op: OpOn}, "on", true},
		{Condition{Op: OpOn}, "ON", true},
		{Condition{Op: OpOn}, "true", true},
		{Condition{Op: OpOn}, "off", false},
		{Condition{Op: OpOn}, "unavailable", false},
		{Condition{Op: OpOff}, "false", true},
		{Condition{Op: OpOff}, "unknown", false},
		{Condition{Op: OpNe}, "unavailable", false},
		{Condition{Op: OpNe, Value: "home"}, "away", true},
		{Condition{Op: OpEq, Value: "Home"}, "home", true},
		{Condition{Op: OpEq, Value: "5"}, "5.0", true},
		{Condition{Op: OpGt, Value: "2"}, "2.5", true},
		{Condition{Op: OpGt, Value: "2"}, "2", false},
		{Condition{Op: OpGe, Value: "2"}, "2", true},
		{Condition{Op: OpLt, Value: "2"}, "-1", true},
		{Condition{Op: OpLe, Value: "2"}, "NaN", false},
		{Condition{Op: OpGt, Value: "2"}, "on", false},
		{Condition{Op: OpGt, Value: "2"}, "", false},
	}
	for _, c := range cases {
		if got := c.c.Holds(c.state); got != c.want {
			t.Errorf("%s %q holds for %q = %v, want %v", c.c.Op, c.c.Value, c.state, got, c.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	type want struct {
		day        domain.Day
		start, end time.Time
		state      string
	}
	cases := []struct {
		name    string
		rule    Rule
		history []Reading
		now     time.Time
		want    []want
	}{
		{
			name:    "bed before 23:00",
			rule:    bedRule(),
			history: []Reading{{at(2026, 3, 10, 8, 0, 0), "off"}, {at(2026, 3, 10, 22, 40, 0), "on"}},
			now:     at(2026, 3, 10, 22, 46, 0),
			want:    []want{{domain.NewDay(2026, 3, 10), at(2026, 3, 10, 22, 40, 0), at(2026, 3, 10, 22, 45, 0), "on"}},
		},
		{
			name:    "bed not yet for long enough",
			rule:    bedRule(),
			history: []Reading{{at(2026, 3, 10, 22, 40, 0), "on"}},
			now:     at(2026, 3, 10, 22, 44, 59),
		},
		{
			name:    "bed after 23:00",
			rule:    bedRule(),
			history: []Reading{{at(2026, 3, 10, 22, 58, 0), "on"}},
			now:     at(2026, 3, 11, 1, 0, 0),
		},
		{
			name:    "bed reading arrives late, run already long",
			rule:    bedRule(),
			history: []Reading{{at(2026, 3, 10, 21, 0, 0), "on"}, {at(2026, 3, 11, 7, 0, 0), "off"}},
			now:     at(2026, 3, 11, 7, 0, 1),
			want:    []want{{domain.NewDay(2026, 3, 10), at(2026, 3, 10, 21, 0, 0), at(2026, 3, 10, 21, 5, 0), "on"}},
		},
		{
			name: "unavailable breaks the run",
			rule: bedRule(),
			history: []Reading{{at(2026, 3, 10, 22, 40, 0), "on"}, {at(2026, 3, 10, 22, 42, 0), "unavailable"},
				{at(2026, 3, 10, 22, 43, 0), "on"}},
			now:  at(2026, 3, 10, 22, 47, 59),
			want: nil,
		},
		{
			name: "desk two hours",
			rule: deskRule(),
			history: []Reading{{at(2026, 3, 10, 9, 0, 0), "on"}, {at(2026, 3, 10, 10, 0, 0), "off"},
				{at(2026, 3, 10, 10, 10, 0), "on"}},
			now:  at(2026, 3, 10, 12, 30, 0),
			want: []want{{domain.NewDay(2026, 3, 10), at(2026, 3, 10, 10, 10, 0), at(2026, 3, 10, 12, 10, 0), "on"}},
		},
		{
			name:    "desk run across midnight counts per day",
			rule:    deskRule(),
			history: []Reading{{at(2026, 3, 10, 23, 0, 0), "on"}},
			now:     at(2026, 3, 11, 1, 59, 0),
		},
		{
			name: "toothbrush 90 s in the morning",
			rule: toothRule(),
			history: []Reading{{at(2026, 3, 10, 7, 0, 0), "0.1"}, {at(2026, 3, 10, 7, 1, 0), "3.2"},
				{at(2026, 3, 10, 7, 1, 30), "3.9"}, {at(2026, 3, 10, 7, 2, 0), "2.8"}, {at(2026, 3, 10, 7, 3, 0), "0.0"}},
			now:  at(2026, 3, 10, 7, 5, 0),
			want: []want{{domain.NewDay(2026, 3, 10), at(2026, 3, 10, 7, 1, 0), at(2026, 3, 10, 7, 2, 30), "2.8"}},
		},
		{
			name: "toothbrush too short",
			rule: toothRule(),
			history: []Reading{{at(2026, 3, 10, 7, 1, 0), "3.2"}, {at(2026, 3, 10, 7, 2, 29), "0"},
				{at(2026, 3, 10, 20, 0, 0), "3"}},
			now: at(2026, 3, 10, 20, 5, 0),
		},
		{
			name:    "toothbrush starts before the window",
			rule:    toothRule(),
			history: []Reading{{at(2026, 3, 10, 5, 59, 0), "4"}, {at(2026, 3, 10, 6, 1, 0), "0"}},
			now:     at(2026, 3, 10, 7, 0, 0),
		},
		{
			name: "two days, one match each",
			rule: toothRule(),
			history: []Reading{{at(2026, 3, 10, 7, 0, 0), "5"}, {at(2026, 3, 10, 7, 5, 0), "0"}, {at(2026, 3, 10, 8, 0, 0), "5"},
				{at(2026, 3, 10, 8, 5, 0), "0"}, {at(2026, 3, 11, 7, 0, 0), "5"}, {at(2026, 3, 11, 7, 5, 0), "0"}},
			now: at(2026, 3, 11, 9, 0, 0),
			want: []want{
				{domain.NewDay(2026, 3, 10), at(2026, 3, 10, 7, 0, 0), at(2026, 3, 10, 7, 1, 30), "5"},
				{domain.NewDay(2026, 3, 11), at(2026, 3, 11, 7, 0, 0), at(2026, 3, 11, 7, 1, 30), "5"},
			},
		},
		{
			name: "window across midnight belongs to its first day",
			rule: func() Rule {
				r := bedRule()
				r.Window = &Window{Start: domain.Clock(22, 0), End: domain.Clock(2, 0)}
				return r
			}(),
			history: []Reading{{at(2026, 3, 11, 0, 30, 0), "on"}},
			now:     at(2026, 3, 11, 0, 40, 0),
			want:    []want{{domain.NewDay(2026, 3, 10), at(2026, 3, 11, 0, 30, 0), at(2026, 3, 11, 0, 35, 0), "on"}},
		},
		{
			name: "spring forward: 02:00-03:00 does not exist",
			rule: func() Rule {
				r := deskRule()
				r.Window = &Window{Start: domain.Clock(1, 0), End: domain.Clock(5, 0)}
				return r
			}(),
			history: []Reading{{at(2026, 3, 29, 1, 0, 0), "on"}},
			now:     at(2026, 3, 29, 4, 0, 0), // 01:00 CET to 04:00 CEST is two hours
			want:    []want{{domain.NewDay(2026, 3, 29), at(2026, 3, 29, 1, 0, 0), at(2026, 3, 29, 4, 0, 0), "on"}},
		},
		{
			name:    "fall back: the day has 25 hours",
			rule:    func() Rule { r := deskRule(); r.For = 3 * time.Hour; return r }(),
			history: []Reading{{at(2026, 10, 25, 0, 30, 0), "on"}},
			now:     at(2026, 10, 25, 0, 30, 0).Add(3 * time.Hour), // the second 02:30 on the clock
			want:    []want{{domain.NewDay(2026, 10, 25), at(2026, 10, 25, 0, 30, 0), at(2026, 10, 25, 0, 30, 0).Add(3 * time.Hour), "on"}},
		},
		{
			name:    "readings after now are ignored",
			rule:    bedRule(),
			history: []Reading{{at(2026, 3, 10, 22, 0, 0), "on"}},
			now:     at(2026, 3, 10, 21, 0, 0),
		},
		{
			name:    "for zero fires on the reading",
			rule:    func() Rule { r := bedRule(); r.For = 0; return r }(),
			history: []Reading{{at(2026, 3, 10, 22, 0, 0), "on"}},
			now:     at(2026, 3, 10, 22, 0, 0),
			want:    []want{{domain.NewDay(2026, 3, 10), at(2026, 3, 10, 22, 0, 0), at(2026, 3, 10, 22, 0, 0), "on"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.rule.Validate(); err != nil {
				t.Fatal(err)
			}
			got := c.rule.Evaluate(c.history, c.now, berlin)
			if len(got) != len(c.want) {
				t.Fatalf("got %d matches %+v, want %d", len(got), got, len(c.want))
			}
			for i, w := range c.want {
				g := got[i]
				if g.Day != w.day || !g.Start.Equal(w.start) || !g.End.Equal(w.end) || g.State != w.state {
					t.Errorf("match %d = %s %s..%s %q, want %s %s..%s %q", i, g.Day, g.Start, g.End, g.State, w.day, w.start, w.end, w.state)
				}
				if g.Day != domain.DayOf(g.At, berlin) {
					t.Errorf("match %d counts at %s, not on %s", i, g.At, g.Day)
				}
			}
		})
	}
}

func TestQuantityOf(t *testing.T) {
	r := deskRule()
	m := Match{State: "42"}
	if q, err := r.QuantityOf(m); err != nil || q != 120 {
		t.Fatalf("duration quantity = %v, %v; want 120", q, err)
	}
	r.Action.Quantity = &Quantity{Kind: QuantityState}
	if q, err := r.QuantityOf(m); err != nil || q != 42 {
		t.Fatalf("state quantity = %v, %v; want 42", q, err)
	}
	if _, err := r.QuantityOf(Match{State: "on"}); err == nil {
		t.Fatal("a non-numeric state gave a quantity")
	}
	r.Action.Quantity = &Quantity{Kind: QuantityFixed, Value: 3}
	if q, _ := r.QuantityOf(m); q != 3 {
		t.Fatalf("fixed quantity = %v, want 3", q)
	}
}

func TestMerge(t *testing.T) {
	t0 := at(2026, 3, 10, 8, 0, 0)
	h, changed := Merge(nil, []Reading{{t0.Add(2 * time.Minute), "off"}, {t0, "on"}, {t0.Add(time.Minute), "on"}}, time.Time{}, 0)
	if !changed || len(h) != 2 || h[0].State != "on" || h[1].State != "off" {
		t.Fatalf("merge = %+v, %v", h, changed)
	}
	// A replay changes nothing.
	h2, changed := Merge(h, []Reading{{t0, "on"}, {t0.Add(2 * time.Minute), "off"}}, time.Time{}, 0)
	if changed || len(h2) != 2 {
		t.Fatalf("replay changed the history: %+v", h2)
	}
	// Trimming keeps the reading in effect at since.
	h3, _ := Merge(h, []Reading{{t0.Add(time.Hour), "on"}}, t0.Add(3*time.Minute), 0)
	if len(h3) != 2 || !h3[0].At.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("trim = %+v", h3)
	}
	h4, _ := Merge(h3, []Reading{{t0.Add(2 * time.Hour), "off"}}, time.Time{}, 2)
	if len(h4) != 2 || h4[1].State != "off" || !h4[0].At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("cap = %+v", h4)
	}
}
