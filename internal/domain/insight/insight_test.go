package insight

import (
	"math"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
)

func TestBuildLaysFactsOutByDay(t *testing.T) {
	t.Parallel()
	from := domain.NewDay(2026, 3, 1)
	sleep := 80.0
	f := Facts{
		From: from, To: from.Add(4),
		Scores:     []ScoreDay{{Day: from.Add(1), Score: 71, Components: map[domain.Component]float64{domain.ComponentSleep: 64}}},
		Biometrics: []BiometricDay{{Day: from, Sleep: &sleep}},
		Activities: []ActivityDay{{Type: "walk", Name: "Walk", Unit: "km", Day: from.Add(2), Amount: 2}, {Type: "walk", Name: "Walk", Unit: "km", Day: from.Add(2), Amount: 1.5}},
		Habits:     []HabitDay{{HabitID: 7, Name: "Read", Day: from.Add(3), Completion: 0.5}},
		Routine:    []RoutineDay{{Day: from, Due: 4, OnTime: 3}, {Day: from.Add(1)}},
		Moods:      []MoodDay{{Day: from.Add(4), Mean: 6.5}},
		Sensors: []SensorNight{{Sensor: "sensor.bedroom_temperature", Name: "bedroom temperature", Unit: "°C", Day: from.Add(1), Mean: 19, Min: 18, Max: 20},
			{Sensor: "binary_sensor.window", Name: "window", Binary: true, Day: from.Add(1), OnMinutes: 90}},
	}
	tab := Build(f)
	if tab.Days != 5 {
		t.Fatalf("days = %d", tab.Days)
	}
	want := map[string][]float64{
		"score.life":                            {nan, 71, nan, nan, nan},
		"score.sleep":                           {nan, 64, nan, nan, nan},
		"ring.sleep":                            {80, nan, nan, nan, nan},
		"activity.walk":                         {nan, nan, 3.5, 0, 0},
		"habit.7":                               {nan, nan, nan, 50, nan},
		"routine.on_time":                       {75, nan, nan, nan, nan},
		"mood":                                  {nan, nan, nan, nan, 6.5},
		"sensor.sensor.bedroom_temperature.min": {nan, 18, nan, nan, nan},
		"sensor.binary_sensor.window.on":        {nan, 90, nan, nan, nan},
	}
	got := map[string][]float64{}
	for _, s := range tab.Series {
		got[s.Key] = s.Values
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("no variable %s (have %v)", key, keys(got))
			continue
		}
		for i := range w {
			if !(math.IsNaN(w[i]) && math.IsNaN(g[i])) && w[i] != g[i] {
				t.Errorf("%s day %d = %v, want %v", key, i, g[i], w[i])
			}
		}
	}
}

var nan = math.NaN()

func keys(m map[string][]float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSentenceHasNumbersAndNoCausalWords(t *testing.T) {
	t.Parallel()
	in := Insight{
		A:   Variable{Key: "sensor.t.mean", Name: "bedroom temperature at night (average)", Unit: "°C", Night: true},
		B:   Variable{Key: "ring.sleep", Name: "sleep score", Unit: "points"},
		Rho: -0.62, Strength: StrengthOf(-0.62), Low: 18.04, High: 19.96, LowDays: 41, HighDays: 37, Difference: -6.04,
	}
	s := in.Sentence()
	want := "On nights with bedroom temperature at night (average) of 20 °C or more, sleep score was 6 points lower than on nights with 18 °C or less (37 nights against 41; strong)."
	if s != want {
		t.Errorf("sentence\n got %q\nwant %q", s, want)
	}
	in.Lag = 1
	in.A.Night = false
	s = in.Sentence()
	if !strings.Contains(s, "The day after days") || !strings.Contains(s, "lag 1 day") {
		t.Errorf("lagged sentence %q", s)
	}
	for _, w := range []string{"cause", "because", "leads to", "makes", "improves"} {
		if strings.Contains(strings.ToLower(s), w) {
			t.Errorf("causal word %q in %q", w, s)
		}
	}
}

func TestStrengthThresholds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rho  float64
		want Strength
	}{{0.05, ""}, {0.1, StrengthWeak}, {-0.29, StrengthWeak}, {0.3, StrengthModerate}, {-0.5, StrengthStrong}, {0.9, StrengthStrong}} {
		if got := StrengthOf(c.rho); got != c.want {
			t.Errorf("StrengthOf(%v) = %q, want %q", c.rho, got, c.want)
		}
	}
	if (VariableStatus{Days: 12, Needed: 21}).Label() != "collecting (12 of 21 days)" {
		t.Error("collecting label")
	}
}

func TestSentencesOfHabitsAndActivities(t *testing.T) {
	t.Parallel()
	habit := Insight{A: Variable{Key: "habit.3", Name: "No phone in bed (habit done)", Unit: "%", Group: GroupHabit},
		B: Variable{Key: "ring.sleep", Name: "sleep score", Unit: "points"}, Lag: 1, Strength: StrengthStrong,
		Low: 0, High: 100, LowDays: 7, HighDays: 22, Difference: 17.2}
	if got, want := habit.Sentence(), "The day after days you did No phone in bed, sleep score was 17.2 points higher than the day after days you did not (22 days against 7; strong, lag 1 day)."; got != want {
		t.Errorf("habit sentence\n got %q\nwant %q", got, want)
	}
	act := Insight{A: Variable{Key: "activity.meditation", Name: "Meditation", Unit: "minutes", Group: GroupActivity},
		B: Variable{Key: "mood", Name: "mood", Unit: "points"}, Strength: StrengthStrong, Low: 0, High: 15, LowDays: 20, HighDays: 10, Difference: 2.5}
	if got, want := act.Sentence(), "On days with Meditation (15 minutes or more), mood was 2.5 points higher than on days without (10 days against 20; strong)."; got != want {
		t.Errorf("activity sentence\n got %q\nwant %q", got, want)
	}
}
