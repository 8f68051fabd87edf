package caldav

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func parseCal(t *testing.T, body string) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(strings.ReplaceAll(strings.TrimLeft(body, "\n"), "\n", "\r\n"))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func query(t *testing.T, inner string) *compFilter {
	t.Helper()
	f, err := parseQuery([]byte(`<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>
<C:comp-filter name="VCALENDAR">` + inner + `</C:comp-filter></C:filter></C:calendar-query>`))
	if err != nil || f == nil {
		t.Fatalf("parse: %v", err)
	}
	return f
}

// RFC 4791 §9.9 on VTODOs, which go-webdav's matcher never matches by time.
func TestMatchTodoTimeRanges(t *testing.T) {
	t.Parallel()
	dueOnly := parseCal(t, `
BEGIN:VCALENDAR
VERSION:2.0
PRODID:x
BEGIN:VTODO
UID:a
DTSTAMP:20260301T000000Z
DUE:20260302T180000Z
STATUS:NEEDS-ACTION
END:VTODO
END:VCALENDAR
`)
	startDue := parseCal(t, `
BEGIN:VCALENDAR
VERSION:2.0
PRODID:x
BEGIN:VTODO
UID:b
DTSTAMP:20260301T000000Z
DTSTART:20260302T080000Z
DUE:20260302T180000Z
END:VTODO
END:VCALENDAR
`)
	none := parseCal(t, `
BEGIN:VCALENDAR
VERSION:2.0
PRODID:x
BEGIN:VTODO
UID:c
DTSTAMP:20260301T000000Z
SUMMARY:Someday
END:VTODO
END:VCALENDAR
`)
	tr := func(start, end string) *compFilter {
		return query(t, `<C:comp-filter name="VTODO"><C:time-range start="`+start+`" end="`+end+`"/></C:comp-filter>`)
	}
	cases := []struct {
		name string
		cal  *ical.Calendar
		f    *compFilter
		want bool
	}{
		{"due inside", dueOnly, tr("20260302T000000Z", "20260303T000000Z"), true},
		{"due at the range end", dueOnly, tr("20260302T000000Z", "20260302T180000Z"), true},
		{"due before the range", dueOnly, tr("20260303T000000Z", "20260304T000000Z"), false},
		{"start and due overlap", startDue, tr("20260302T120000Z", "20260302T130000Z"), true},
		{"start and due after", startDue, tr("20260302T190000Z", "20260302T200000Z"), false},
		{"no dates: always", none, tr("20200101T000000Z", "20200102T000000Z"), true},
	}
	for _, c := range cases {
		if got := matchCalendar(c.cal, c.f, time.UTC); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMatchTextAndNegation(t *testing.T) {
	t.Parallel()
	cal := parseCal(t, `
BEGIN:VCALENDAR
VERSION:2.0
PRODID:x
BEGIN:VTODO
UID:Abc-1
DTSTAMP:20260301T000000Z
SUMMARY:Buy Shoes
END:VTODO
END:VCALENDAR
`)
	prop := func(name, tm string) *compFilter {
		return query(t, `<C:comp-filter name="VTODO"><C:prop-filter name="`+name+`">`+tm+`</C:prop-filter></C:comp-filter>`)
	}
	cases := []struct {
		name string
		f    *compFilter
		want bool
	}{
		{"case-insensitive by default", prop("SUMMARY", `<C:text-match>buy shoes</C:text-match>`), true},
		{"octet is case-sensitive", prop("UID", `<C:text-match collation="i;octet">abc-1</C:text-match>`), false},
		{"octet exact", prop("UID", `<C:text-match collation="i;octet">Abc-1</C:text-match>`), true},
		{"negated match", prop("SUMMARY", `<C:text-match negate-condition="yes">shoes</C:text-match>`), false},
		{"negated miss", prop("SUMMARY", `<C:text-match negate-condition="yes">milk</C:text-match>`), true},
		{"negated on a missing property passes", prop("STATUS", `<C:text-match negate-condition="yes">COMPLETED</C:text-match>`), true},
		{"missing property fails a match", prop("STATUS", `<C:text-match>NEEDS-ACTION</C:text-match>`), false},
		{"is-not-defined", prop("STATUS", `<C:is-not-defined/>`), true},
		{"no VEVENT in a to-do", query(t, `<C:comp-filter name="VEVENT"/>`), false},
		{"VEVENT not defined", query(t, `<C:comp-filter name="VEVENT"><C:is-not-defined/></C:comp-filter>`), true},
	}
	for _, c := range cases {
		if got := matchCalendar(cal, c.f, time.UTC); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := parseQuery([]byte(`<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:time-range start="yesterday"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`)); err == nil {
		t.Error("a bad time-range was accepted")
	}
}
