package caldav

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// prodID names LifeOps in every object it renders.
const prodID = "-//LifeOps//CalDAV//EN"

// object is one rendered calendar object: its resource name, UID and the
// calendar, with the bytes its ETag hashes.
type object struct {
	name string
	uid  string
	cal  *ical.Calendar
	etag string
}

// newObject wraps a VTODO or VEVENT in a calendar and hashes its bytes, so
// the ETag changes exactly when what a client reads changes.
func newObject(name string, comp *ical.Component) (object, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Children = append(cal.Children, comp)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return object{}, fmt.Errorf("render %s: %w", name, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	uid, _ := comp.Props.Text(ical.PropUID)
	return object{name: name, uid: uid, cal: cal, etag: hex.EncodeToString(sum[:12])}, nil
}

func setUTC(c *ical.Component, name string, t time.Time) {
	p := ical.NewProp(name)
	p.SetDateTime(t.UTC())
	c.Props.Set(p)
}

func setDate(c *ical.Component, name string, d domain.Day) {
	p := ical.NewProp(name)
	p.SetValueType(ical.ValueDate)
	p.Value = fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
	c.Props.Set(p)
}

// dayStamp is a fixed DTSTAMP for objects LifeOps makes per day: a stamp
// that moved with the clock would change the ETag on every read.
func dayStamp(d domain.Day) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// Today items' UIDs (and resource names, with .ics) name the occurrence:
// the same habit or routine item on the same day always has the same UID.
func habitUID(habitID int64, d domain.Day) string {
	return fmt.Sprintf("lifeops-habit-%d-%04d%02d%02d", habitID, d.Year, int(d.Month), d.Day)
}

func itemUID(itemID int64, d domain.Day) string {
	return fmt.Sprintf("lifeops-item-%d-%04d%02d%02d", itemID, d.Year, int(d.Month), d.Day)
}

func eventUID(itemID int64, d domain.Day) string {
	return fmt.Sprintf("lifeops-event-%d-%04d%02d%02d", itemID, d.Year, int(d.Month), d.Day)
}

// todayRef is what a Today resource name stands for.
type todayRef struct {
	habit bool
	id    int64
	day   domain.Day
}

func parseTodayName(name string) (todayRef, bool) {
	var ref todayRef
	var kind string
	var ymd int
	base, ok := strings.CutSuffix(name, ".ics")
	if !ok {
		return ref, false
	}
	parts := strings.Split(base, "-")
	if len(parts) != 4 || parts[0] != "lifeops" {
		return ref, false
	}
	kind = parts[1]
	if _, err := fmt.Sscanf(parts[2]+" "+parts[3], "%d %d", &ref.id, &ymd); err != nil || ref.id <= 0 {
		return ref, false
	}
	ref.day = domain.NewDay(ymd/10000, time.Month(ymd/100%100), ymd%100)
	if ref.day.String() != fmt.Sprintf("%04d-%02d-%02d", ymd/10000, ymd/100%100, ymd%100) {
		return ref, false
	}
	switch kind {
	case "habit":
		ref.habit = true
	case "item":
	default:
		return ref, false
	}
	return ref, true
}

// renderHabit is a habit due today as a VTODO.
func renderHabit(h app.HabitToday, day domain.Day) (object, error) {
	uid := habitUID(h.Habit.ID, day)
	c := ical.NewComponent(ical.CompToDo)
	c.Props.SetText(ical.PropUID, uid)
	c.Props.SetText(ical.PropSummary, h.Habit.Name)
	setUTC(c, ical.PropDateTimeStamp, dayStamp(day))
	setDate(c, ical.PropDue, day)
	c.Props.SetText(ical.PropCategories, "habit")
	if h.Result.Status == domain.StatusDone {
		c.Props.SetText(ical.PropStatus, "COMPLETED")
	} else {
		c.Props.SetText(ical.PropStatus, "NEEDS-ACTION")
	}
	return newObject(uid+".ics", c)
}

// renderItem is a routine item of today's timeline as a VTODO.
func renderItem(e routine.Entry) (object, error) {
	uid := itemUID(e.ItemID, e.Day)
	c := ical.NewComponent(ical.CompToDo)
	c.Props.SetText(ical.PropUID, uid)
	c.Props.SetText(ical.PropSummary, e.Title)
	c.Props.SetText(ical.PropDescription, e.RoutineName)
	c.Props.SetText(ical.PropCategories, "routine")
	setUTC(c, ical.PropDateTimeStamp, dayStamp(e.Day))
	setUTC(c, ical.PropDue, e.Planned)
	switch e.Status {
	case routine.StatusDone:
		c.Props.SetText(ical.PropStatus, "COMPLETED")
		if !e.CompletedAt.IsZero() {
			setUTC(c, ical.PropCompleted, e.CompletedAt)
		}
	case routine.StatusSkipped:
		c.Props.SetText(ical.PropStatus, "CANCELLED")
	default:
		c.Props.SetText(ical.PropStatus, "NEEDS-ACTION")
	}
	return newObject(uid+".ics", c)
}

// renderEvent is a routine item on one day as a VEVENT with a start and an
// end (an item without a duration lasts a quarter of an hour).
func renderEvent(e routine.Entry) (object, error) {
	uid := eventUID(e.ItemID, e.Day)
	c := ical.NewComponent(ical.CompEvent)
	c.Props.SetText(ical.PropUID, uid)
	c.Props.SetText(ical.PropSummary, e.Title)
	c.Props.SetText(ical.PropDescription, e.RoutineName)
	setUTC(c, ical.PropDateTimeStamp, dayStamp(e.Day))
	setUTC(c, ical.PropDateTimeStart, e.Planned)
	dur := time.Duration(e.DurationMin) * time.Minute
	if dur <= 0 {
		dur = 15 * time.Minute
	}
	setUTC(c, ical.PropDateTimeEnd, e.Planned.Add(dur))
	return newObject(uid+".ics", c)
}

// renderTodo is a to-do as a VTODO.
func renderTodo(v app.Versioned[domain.Todo]) (object, error) {
	t := v.Value
	c := ical.NewComponent(ical.CompToDo)
	c.Props.SetText(ical.PropUID, t.UID)
	c.Props.SetText(ical.PropSummary, t.Title)
	if t.Notes != "" {
		c.Props.SetText(ical.PropDescription, t.Notes)
	}
	setUTC(c, ical.PropDateTimeStamp, t.Updated)
	setUTC(c, ical.PropCreated, t.Created)
	setUTC(c, ical.PropLastModified, t.Updated)
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = fmt.Sprint(v.Version - 1)
	c.Props.Set(seq)
	switch {
	case !t.Due.Day.IsZero():
		setDate(c, ical.PropDue, t.Due.Day)
	case !t.Due.At.IsZero():
		setUTC(c, ical.PropDue, t.Due.At)
	}
	if t.Done {
		c.Props.SetText(ical.PropStatus, "COMPLETED")
		if !t.CompletedAt.IsZero() {
			setUTC(c, ical.PropCompleted, t.CompletedAt)
		}
	} else {
		c.Props.SetText(ical.PropStatus, "NEEDS-ACTION")
	}
	return newObject(t.Name, c)
}

// doneOf reads a VTODO's STATUS the way Home Assistant does: COMPLETED
// and CANCELLED are done, anything else (or nothing) is not.
func doneOf(c *ical.Component) (done bool, cancelled bool) {
	s, _ := c.Props.Text(ical.PropStatus)
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "COMPLETED":
		return true, false
	case "CANCELLED":
		return true, true
	}
	return false, false
}

// dueOf reads a VTODO's DUE: a date, or an instant (a TZID without a
// VTIMEZONE is resolved from the time zone database; a floating time is
// the household's local time).
func dueOf(c *ical.Component, loc *time.Location) (domain.TodoDue, error) {
	p := c.Props.Get(ical.PropDue)
	if p == nil {
		return domain.TodoDue{}, nil
	}
	if p.ValueType() == ical.ValueDate || len(p.Value) == 8 {
		t, err := time.Parse("20060102", p.Value)
		if err != nil {
			return domain.TodoDue{}, domain.Invalid("DUE", p.Value, "is not a date YYYYMMDD")
		}
		return domain.TodoDue{Day: domain.NewDay(t.Year(), t.Month(), t.Day())}, nil
	}
	t, err := p.DateTime(loc)
	if err != nil {
		return domain.TodoDue{}, domain.Invalid("DUE", p.Value, "is not a date-time (or its TZID is not an IANA time zone)")
	}
	return domain.TodoDue{At: t, Zone: p.Params.Get(ical.PropTimezoneID)}, nil
}
