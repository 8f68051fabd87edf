package insight

import (
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

func TestNightOnMinutes(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, loc) }
	changes := []StateChange{
		{at(1, 12, 0), "off"},
		{at(1, 23, 0), "on"},  // night ending on the 2nd: on 23:00–06:30
		{at(2, 6, 30), "off"}, //
		{at(2, 21, 0), "on"},  // night ending on the 3rd: on from 22:00 …
		{at(3, 1, 0), "off"},  // … to 01:00 = 180 min
	}
	got := NightOnMinutes(changes, domain.NewDay(2026, 3, 1), domain.NewDay(2026, 3, 4), loc, at(3, 12, 0))
	want := map[domain.Day]float64{domain.NewDay(2026, 3, 2): 450, domain.NewDay(2026, 3, 3): 180}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v (the 1st starts before the first reading, the 4th after the last known time)", got, want)
	}
	for d, w := range want {
		if got[d] != w {
			t.Errorf("%s: %v min, want %v", d, got[d], w)
		}
	}
}

func TestValidateSensorLinkNamesFields(t *testing.T) {
	t.Parallel()
	if err := ValidateSensorLink(SensorLink{Sensor: "zigbee2mqtt/bedroom/temperature", Name: "bedroom temperature", Unit: "°C", Kind: SensorNumeric}); err != nil {
		t.Fatal(err)
	}
	err := ValidateSensorLink(SensorLink{Sensor: "Bedroom Temp", Name: "", Kind: "analog"})
	ve, ok := err.(*domain.ValidationError)
	if !ok || len(ve.Fields) != 3 {
		t.Fatalf("err = %v; want sensor, name and kind named", err)
	}
}

func TestNightOf(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want domain.Day
		ok   bool
	}{
		{time.Date(2026, 3, 28, 21, 59, 0, 0, loc), domain.Day{}, false},
		{time.Date(2026, 3, 28, 22, 0, 0, 0, loc), domain.NewDay(2026, 3, 29), true},
		{time.Date(2026, 3, 29, 3, 0, 0, 0, loc), domain.NewDay(2026, 3, 29), true}, // after the spring-forward gap
		{time.Date(2026, 3, 29, 6, 59, 0, 0, loc), domain.NewDay(2026, 3, 29), true},
		{time.Date(2026, 3, 29, 7, 0, 0, 0, loc), domain.Day{}, false},
	} {
		got, ok := NightOf(c.at, loc)
		if got != c.want || ok != c.ok {
			t.Errorf("NightOf(%s) = %s %v, want %s %v", c.at, got, ok, c.want, c.ok)
		}
	}
}
