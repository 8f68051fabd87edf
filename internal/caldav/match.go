package caldav

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// The calendar-query filter (RFC 4791 §9.7), read from the request body by
// this package: go-webdav's decoder drops negate-condition and collations,
// and its matcher never matches a VTODO by time range.

const nsCalDAV = "urn:ietf:params:xml:ns:caldav"

type queryKey struct{}

type compFilter struct {
	Name       string       `xml:"name,attr"`
	NotDefined *struct{}    `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange  *timeRange   `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	Props      []propFilter `xml:"urn:ietf:params:xml:ns:caldav prop-filter"`
	Comps      []compFilter `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
}

type propFilter struct {
	Name       string        `xml:"name,attr"`
	NotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange  *timeRange    `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	TextMatch  *textMatchXML `xml:"urn:ietf:params:xml:ns:caldav text-match"`
	Params     []paramFilter `xml:"urn:ietf:params:xml:ns:caldav param-filter"`
}

type paramFilter struct {
	Name       string        `xml:"name,attr"`
	NotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TextMatch  *textMatchXML `xml:"urn:ietf:params:xml:ns:caldav text-match"`
}

type textMatchXML struct {
	Text      string `xml:",chardata"`
	Collation string `xml:"collation,attr"`
	Negate    string `xml:"negate-condition,attr"`
}

type timeRange struct {
	Start string `xml:"start,attr"`
	End   string `xml:"end,attr"`
}

type calendarQuery struct {
	XMLName xml.Name `xml:"urn:ietf:params:xml:ns:caldav calendar-query"`
	Filter  struct {
		Comp compFilter `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
	} `xml:"urn:ietf:params:xml:ns:caldav filter"`
}

// parseQuery reads a REPORT body: the filter of a calendar-query, nil for
// other reports (calendar-multiget).
func parseQuery(body []byte) (*compFilter, error) {
	var root struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal(body, &root); err != nil {
		return nil, fmt.Errorf("report body is not XML: %v", err)
	}
	if root.XMLName.Space != nsCalDAV || root.XMLName.Local != "calendar-query" {
		return nil, nil
	}
	var q calendarQuery
	if err := xml.Unmarshal(body, &q); err != nil {
		return nil, fmt.Errorf("calendar-query: %v", err)
	}
	if err := checkFilter(&q.Filter.Comp); err != nil {
		return nil, err
	}
	return &q.Filter.Comp, nil
}

// checkFilter refuses what a client cannot mean: a bad time or collation.
func checkFilter(f *compFilter) error {
	if f.TimeRange != nil {
		if _, _, err := f.TimeRange.bounds(); err != nil {
			return err
		}
	}
	for i := range f.Props {
		p := &f.Props[i]
		if p.TimeRange != nil {
			if _, _, err := p.TimeRange.bounds(); err != nil {
				return err
			}
		}
		if p.TextMatch != nil {
			if err := p.TextMatch.check(); err != nil {
				return err
			}
		}
		for _, pf := range p.Params {
			if pf.TextMatch != nil {
				if err := pf.TextMatch.check(); err != nil {
					return err
				}
			}
		}
	}
	for i := range f.Comps {
		if err := checkFilter(&f.Comps[i]); err != nil {
			return err
		}
	}
	return nil
}

const icalUTC = "20060102T150405Z"

// bounds are the range's instants; a missing one is open.
func (tr timeRange) bounds() (start, end time.Time, err error) {
	if tr.Start != "" {
		if start, err = time.Parse(icalUTC, tr.Start); err != nil {
			return start, end, fmt.Errorf("time-range start %q is not a UTC date-time like 20260302T000000Z", tr.Start)
		}
	}
	if tr.End != "" {
		if end, err = time.Parse(icalUTC, tr.End); err != nil {
			return start, end, fmt.Errorf("time-range end %q is not a UTC date-time like 20260302T000000Z", tr.End)
		}
	}
	return start, end, nil
}

func (tm textMatchXML) check() error {
	switch tm.Collation {
	case "", "i;ascii-casemap", "i;octet", "i;unicode-casemap":
	default:
		return fmt.Errorf("text-match collation %q is not supported", tm.Collation)
	}
	switch tm.Negate {
	case "", "yes", "no":
	default:
		return fmt.Errorf("text-match negate-condition %q must be yes or no", tm.Negate)
	}
	return nil
}

// matches applies a text-match: a substring test, case-insensitive unless
// the collation is i;octet.
func (tm textMatchXML) matches(value string) bool {
	var ok bool
	if tm.Collation == "i;octet" {
		ok = strings.Contains(value, tm.Text)
	} else {
		ok = strings.Contains(strings.ToLower(value), strings.ToLower(tm.Text))
	}
	return ok != (tm.Negate == "yes")
}

// matchCalendar reports whether a calendar object passes the filter (whose
// outermost comp-filter names VCALENDAR).
func matchCalendar(cal *ical.Calendar, f *compFilter, loc *time.Location) bool {
	if f == nil {
		return true
	}
	if !strings.EqualFold(f.Name, ical.CompCalendar) {
		return f.NotDefined != nil
	}
	if f.NotDefined != nil {
		return false
	}
	return matchComp(cal.Component, f, loc)
}

// matchComp tests one component against a comp-filter that names it.
func matchComp(c *ical.Component, f *compFilter, loc *time.Location) bool {
	if f.TimeRange != nil {
		start, end, _ := f.TimeRange.bounds()
		if !overlaps(c, start, end, loc) {
			return false
		}
	}
	for i := range f.Props {
		if !matchProp(c, &f.Props[i], loc) {
			return false
		}
	}
	for i := range f.Comps {
		sub := &f.Comps[i]
		found := false
		for _, child := range c.Children {
			if strings.EqualFold(child.Name, sub.Name) && (sub.NotDefined != nil || matchComp(child, sub, loc)) {
				found = true
				break
			}
		}
		if found == (sub.NotDefined != nil) {
			return false
		}
	}
	return true
}

// matchProp passes when any instance of the property passes.
func matchProp(c *ical.Component, f *propFilter, loc *time.Location) bool {
	props := c.Props.Values(strings.ToUpper(f.Name))
	if f.NotDefined != nil {
		return len(props) == 0
	}
	if len(props) == 0 {
		// RFC 4791 §9.7.2: an undefined property matches nothing, except
		// a negated text-match, which it passes.
		return f.TextMatch != nil && f.TextMatch.Negate == "yes" && f.TimeRange == nil && len(f.Params) == 0
	}
	for _, p := range props {
		if propPasses(p, f, loc) {
			return true
		}
	}
	return false
}

func propPasses(p ical.Prop, f *propFilter, loc *time.Location) bool {
	if f.TimeRange != nil {
		t, err := p.DateTime(loc)
		if err != nil {
			return false
		}
		start, end, _ := f.TimeRange.bounds()
		if (!start.IsZero() && t.Before(start)) || (!end.IsZero() && !t.Before(end)) {
			return false
		}
	}
	if f.TextMatch != nil {
		text := p.Value
		if v, err := p.Text(); err == nil {
			text = v
		}
		if !f.TextMatch.matches(text) {
			return false
		}
	}
	for _, pf := range f.Params {
		values := p.Params.Values(strings.ToUpper(pf.Name))
		switch {
		case pf.NotDefined != nil:
			if len(values) > 0 {
				return false
			}
		case len(values) == 0:
			return false
		case pf.TextMatch != nil:
			ok := false
			for _, v := range values {
				if pf.TextMatch.matches(v) {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// overlaps applies RFC 4791 §9.9 to a VEVENT or VTODO (other components
// have no time here and pass). start or end may be zero: open.
func overlaps(c *ical.Component, start, end time.Time, loc *time.Location) bool {
	if start.IsZero() {
		start = time.Unix(0, 0).AddDate(-100, 0, 0)
	}
	if end.IsZero() {
		end = time.Unix(0, 0).AddDate(1000, 0, 0)
	}
	get := func(name string) (time.Time, bool, bool) {
		p := c.Props.Get(name)
		if p == nil {
			return time.Time{}, false, false
		}
		t, err := p.DateTime(loc)
		return t, err == nil, p.ValueType() == ical.ValueDate || len(p.Value) == 8
	}
	dur := func() (time.Duration, bool) {
		p := c.Props.Get(ical.PropDuration)
		if p == nil {
			return 0, false
		}
		d, err := p.Duration()
		return d, err == nil
	}
	switch strings.ToUpper(c.Name) {
	case ical.CompEvent:
		s, ok, isDate := get(ical.PropDateTimeStart)
		if !ok {
			return false
		}
		var e time.Time
		if t, ok, _ := get(ical.PropDateTimeEnd); ok {
			e = t
		} else if d, ok := dur(); ok {
			e = s.Add(d)
		} else if isDate {
			e = s.AddDate(0, 0, 1)
		} else {
			// A zero-length event: it is in the range when it starts in it.
			return !start.After(s) && s.Before(end)
		}
		if !e.After(s) {
			return !start.After(s) && s.Before(end)
		}
		return start.Before(e) && end.After(s)
	case ical.CompToDo:
		s, hasStart, _ := get(ical.PropDateTimeStart)
		due, hasDue, _ := get(ical.PropDue)
		d, hasDur := dur()
		switch {
		case hasStart && hasDur:
			e := s.Add(d)
			return (!start.After(s) || start.Before(e)) && (end.After(s) || !end.Before(e))
		case hasStart && hasDue:
			return (!start.After(s) || start.Before(due)) && (end.After(s) || !end.Before(due))
		case hasStart:
			return !start.After(s) && end.After(s)
		case hasDue:
			return start.Before(due) && !end.Before(due)
		}
		completed, hasCompleted, _ := get(ical.PropCompleted)
		created, hasCreated, _ := get(ical.PropCreated)
		switch {
		case hasCompleted && hasCreated:
			return (!start.After(created) || !start.After(completed)) && (!end.Before(created) || !end.Before(completed))
		case hasCompleted:
			return !start.After(completed) && !end.Before(completed)
		case hasCreated:
			return end.After(created)
		}
		return true
	}
	return true
}
