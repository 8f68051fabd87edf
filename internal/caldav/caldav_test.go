package caldav_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/caldav"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/postgres"
)

// The requests below are written from the protocol as Home Assistant's
// caldav integration (python-caldav) sends it: discovery PROPFINDs at depth
// 0 and 1, calendar-query REPORTs with and without a UID prop-filter, PUT
// without If-Match, DELETE, and time-ranged REPORTs on events.

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type rig struct {
	t         testing.TB
	svc       *app.Service
	srv       *httptest.Server
	household string // a household write token
	alexID    int64
	samID     int64
	habitID   int64
	itemID    int64
	clock     *clock
	tokens    *app.Tokens
}

func newRig(t testing.TB) *rig { return newRigWith(t, caldav.Options{}) }

// newRigWith is newRig with server options (Service, Tokens and Logger are
// filled in).
func newRigWith(t testing.TB, o caldav.Options) *rig {
	t.Helper()
	ctx := context.Background()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(dbtest.New(t))
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)}
	svc := app.New(app.Options{Store: store, Logger: zerolog.Nop(), Now: c.Now, Location: func() *time.Location { return berlin }, Tree: tree})
	tokens := app.NewTokens(store, store, c.Now)
	r := &rig{t: t, svc: svc, clock: c, tokens: tokens}
	alex, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	sam, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	r.alexID, r.samID = alex.Value.ID, sam.Value.ID
	h, err := svc.CreateHabit(ctx, "alex", app.HabitInput{Name: "Stretch", Schedule: domain.Schedule{Kind: domain.ScheduleDaily}})
	if err != nil {
		t.Fatal(err)
	}
	r.habitID = h.Value.ID
	rt, err := svc.CreateRoutine(ctx, "alex", app.RoutineInput{Name: "Evening", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{{Title: "Tidy desk", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(20, 0)}, DurationMin: 10, XP: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	r.itemID = rt.Value.Items[0].ID
	tok, err := tokens.Create(ctx, app.TokenInput{Name: "ha caldav", Scope: app.ScopeWrite})
	if err != nil {
		t.Fatal(err)
	}
	r.household = tok.Secret
	o.Service, o.Tokens, o.Logger = svc, tokens, zerolog.Nop()
	r.srv = httptest.NewServer(caldav.New(o).Handler())
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rig) token(person string, scope app.Scope) string {
	r.t.Helper()
	tok, err := r.tokens.Create(context.Background(), app.TokenInput{Name: "test " + person, Scope: scope, Person: person})
	if err != nil {
		r.t.Fatal(err)
	}
	return tok.Secret
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (r *rig) do(method, path, token, depth, contentType, body string, hdr ...string) answer {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if token != "" {
		req.SetBasicAuth("homeassistant", token)
	}
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: string(b)}
}

const xmlType = "application/xml; charset=utf-8"

// multistatus is the part of a 207 answer the tests read.
type multistatus struct {
	Responses []struct {
		Href     string `xml:"DAV: href"`
		Propstat []struct {
			Status string `xml:"DAV: status"`
			Prop   struct {
				Principal string `xml:"DAV: current-user-principal>href"`
				HomeSet   struct {
					Href string `xml:"DAV: href"`
				} `xml:"urn:ietf:params:xml:ns:caldav calendar-home-set"`
				DisplayName string `xml:"DAV: displayname"`
				Type        struct {
					Calendar *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
				} `xml:"DAV: resourcetype"`
				Comps []struct {
					Name string `xml:"name,attr"`
				} `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set>comp"`
				ETag string `xml:"DAV: getetag"`
				Data string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
			} `xml:"DAV: prop"`
		} `xml:"DAV: propstat"`
	} `xml:"DAV: response"`
}

type resp struct {
	href, principal, home, name, etag, data string
	calendar                                bool
	comps                                   []string
}

func (a answer) multistatus(t *testing.T) []resp {
	t.Helper()
	if a.status != http.StatusMultiStatus {
		t.Fatalf("status %d, want 207: %s", a.status, a.body)
	}
	var ms multistatus
	if err := xml.Unmarshal([]byte(a.body), &ms); err != nil {
		t.Fatalf("multistatus: %v\n%s", err, a.body)
	}
	var out []resp
	for _, r := range ms.Responses {
		x := resp{href: r.Href}
		for _, ps := range r.Propstat {
			if !strings.Contains(ps.Status, "200") {
				continue
			}
			p := ps.Prop
			x.principal = orS(x.principal, p.Principal)
			x.home = orS(x.home, p.HomeSet.Href)
			x.name = orS(x.name, p.DisplayName)
			x.etag = orS(x.etag, p.ETag)
			x.data = orS(x.data, p.Data)
			x.calendar = x.calendar || p.Type.Calendar != nil
			for _, c := range p.Comps {
				x.comps = append(x.comps, c.Name)
			}
		}
		out = append(out, x)
	}
	return out
}

func orS(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

const propfindPrincipal = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>`

const propfindHome = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-home-set/></D:prop></D:propfind>`

const propfindCalendars = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/" xmlns:CS="http://calendarserver.org/ns/">
<D:prop><D:resourcetype/><D:displayname/><C:supported-calendar-component-set/><A:calendar-color/><CS:getctag/></D:prop></D:propfind>`

const propfindComps = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:supported-calendar-component-set/></D:prop></D:propfind>`

// reportTodos is search(todo=True, include_completed=True): every VTODO.
const reportTodos = `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"/></C:comp-filter></C:filter></C:calendar-query>`

// reportPending is python-caldav's "pending only" search: STATUS is not
// COMPLETED (negate-condition), nor CANCELLED.
const reportPending = `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">
<C:prop-filter name="STATUS"><C:text-match negate-condition="yes">COMPLETED</C:text-match></C:prop-filter>
<C:prop-filter name="STATUS"><C:text-match negate-condition="yes">CANCELLED</C:text-match></C:prop-filter>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`

// reportUID is todo_by_uid.
func reportUID(uid string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO">
<C:prop-filter name="UID"><C:text-match collation="i;octet">` + uid + `</C:text-match></C:prop-filter>
</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`
}

// reportEvents is a calendar's time-ranged search with expansion (which a
// server may ignore but must not refuse).
func reportEvents(start, end string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data><C:expand start="` + start + `" end="` + end + `"/></C:calendar-data></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
<C:time-range start="` + start + `" end="` + end + `"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`
}

func crlf(s string) string { return strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n") }

func TestHomeAssistantDiscovery(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	tok := r.household
	// The configured URL, with and without its slash, and the root.
	for _, p := range []string{"/dav/lifeops/", "/dav/lifeops", "/"} {
		got := r.do("PROPFIND", p, tok, "0", xmlType, propfindPrincipal).multistatus(t)
		want := p
		if p == "/dav/lifeops" {
			want = "/dav/lifeops/"
		}
		if len(got) != 1 || got[0].href != want || got[0].principal != caldav.PrincipalPath {
			t.Fatalf("PROPFIND %s: %+v", p, got)
		}
	}
	home := r.do("PROPFIND", caldav.PrincipalPath, tok, "0", xmlType, propfindHome).multistatus(t)
	if len(home) != 1 || home[0].home != caldav.HomePath {
		t.Fatalf("home set: %+v", home)
	}
	cals := r.do("PROPFIND", caldav.HomePath, tok, "1", xmlType, propfindCalendars).multistatus(t)
	byHref := map[string]resp{}
	for _, c := range cals {
		byHref[c.href] = c
	}
	want := map[string][2]string{
		caldav.CollectionPath(r.alexID, "today"):   {"Alex's today", "VTODO"},
		caldav.CollectionPath(r.alexID, "todos"):   {"Alex's to-dos", "VTODO"},
		caldav.CollectionPath(r.alexID, "routine"): {"Alex's routine", "VEVENT"},
		caldav.CollectionPath(r.samID, "todos"):    {"Sam's to-dos", "VTODO"},
	}
	if _, ok := byHref[caldav.HomePath]; !ok || len(cals) != 7 {
		t.Fatalf("depth 1 on the home set: %d responses: %+v", len(cals), cals)
	}
	for href, w := range want {
		c, ok := byHref[href]
		if !ok || !c.calendar || c.name != w[0] || !slices.Equal(c.comps, []string{w[1]}) {
			t.Errorf("%s: %+v, want %v", href, c, w)
		}
		one := r.do("PROPFIND", href, tok, "0", xmlType, propfindComps).multistatus(t)
		if len(one) != 1 || one[0].href != href || !slices.Equal(one[0].comps, []string{w[1]}) {
			t.Errorf("PROPFIND depth 0 on %s: %+v", href, one)
		}
	}
	// A collection typed without its slash.
	noSlash := strings.TrimSuffix(caldav.CollectionPath(r.alexID, "todos"), "/")
	if got := r.do("PROPFIND", noSlash, tok, "0", xmlType, propfindComps).multistatus(t); len(got) != 1 {
		t.Fatalf("collection without slash: %+v", got)
	}
	if a := r.do("GET", "/.well-known/caldav", tok, "", "", ""); a.status != http.StatusPermanentRedirect || a.header.Get("Location") != caldav.PrincipalPath {
		t.Fatalf("well-known: %d %v", a.status, a.header)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	limited := newRig(t) // this test exhausts r's failed-login budget below
	if a := r.do("PROPFIND", caldav.PrincipalPath, "", "0", xmlType, propfindPrincipal); a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no credentials: %d", a.status)
	}
	if a := r.do("PROPFIND", caldav.PrincipalPath, "not-a-token", "0", xmlType, propfindPrincipal); a.status != 401 {
		t.Fatalf("wrong token: %d", a.status)
	}
	// Guessing is throttled per address: ten failures, then 429 (even
	// for a good token, until the budget refills).
	for i := range 9 {
		if a := r.do("PROPFIND", caldav.PrincipalPath, "guess", "0", xmlType, propfindPrincipal); a.status != 401 {
			t.Fatalf("guess %d: %d", i, a.status)
		}
	}
	if a := r.do("PROPFIND", caldav.PrincipalPath, "guess", "0", xmlType, propfindPrincipal); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Fatalf("the eleventh failure: %d", a.status)
	}
	r = limited
	// A person's token sees that person's three collections only.
	sam := r.token("sam", app.ScopeWrite)
	cals := r.do("PROPFIND", caldav.HomePath, sam, "1", xmlType, propfindCalendars).multistatus(t)
	if len(cals) != 4 {
		t.Fatalf("sam's token sees %d responses, want home + 3: %+v", len(cals), cals)
	}
	for _, c := range cals[1:] {
		if !strings.HasPrefix(c.href, caldav.HomePath+itoa(r.samID)+"-") {
			t.Errorf("sam's token sees %s", c.href)
		}
	}
	alexTodos := caldav.CollectionPath(r.alexID, "todos")
	if a := r.do("REPORT", alexTodos, sam, "1", xmlType, reportTodos); a.status != http.StatusNotFound {
		t.Fatalf("sam's token on alex's list: %d", a.status)
	}
	// A read token may read but not write.
	reader := r.token("alex", app.ScopeRead)
	if a := r.do("REPORT", alexTodos, reader, "1", xmlType, reportTodos); a.status != http.StatusMultiStatus {
		t.Fatalf("read token REPORT: %d", a.status)
	}
	if a := r.do("PUT", alexTodos+"x.ics", reader, "", "text/calendar", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"); a.status != http.StatusForbidden {
		t.Fatalf("read token PUT: %d", a.status)
	}
}

func TestTodoListAsHomeAssistantUsesIt(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	tok := r.household
	todos := caldav.CollectionPath(r.alexID, "todos")
	if got := r.do("REPORT", todos, tok, "1", xmlType, reportTodos).multistatus(t); len(got) != 0 {
		t.Fatalf("empty list: %+v", got)
	}
	// save_todo: PUT without If-Match, the body python-caldav builds, with
	// an IANA TZID and no VTIMEZONE.
	href := todos + "5c0ffee0-0000-4000-8000-000000000001.ics"
	create := crlf(`
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav//caldav//en_DK
BEGIN:VTODO
DTSTAMP:20260302T080000Z
DUE;TZID=Europe/Amsterdam:20260303T180000
STATUS:NEEDS-ACTION
SUMMARY:Buy shoes
DESCRIPTION:size 43
UID:5c0ffee0-0000-4000-8000-000000000001
END:VTODO
END:VCALENDAR
`)
	if a := r.do("PUT", href, tok, "", "text/calendar; charset=utf-8", create); a.status != http.StatusCreated {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	list, err := r.svc.Todos(ctx, "alex")
	if err != nil || len(list) != 1 {
		t.Fatalf("to-dos after create: %+v %v", list, err)
	}
	td := list[0].Value
	wantDue := time.Date(2026, 3, 3, 18, 0, 0, 0, time.FixedZone("CET", 3600))
	if td.Title != "Buy shoes" || td.Notes != "size 43" || !td.Due.At.Equal(wantDue) || td.Due.Zone != "Europe/Amsterdam" || td.Source != domain.SourceHA {
		t.Fatalf("stored to-do: %+v", td)
	}
	// todo_by_uid: exactly one answer, its href the resource's path.
	got := r.do("REPORT", todos, tok, "1", xmlType, reportUID(td.UID)).multistatus(t)
	if len(got) != 1 || got[0].href != href || got[0].etag == "" || !strings.Contains(got[0].data, "SUMMARY:Buy shoes") {
		t.Fatalf("by UID: %+v", got)
	}
	if other := r.do("REPORT", todos, tok, "1", xmlType, reportUID("nobody")).multistatus(t); len(other) != 0 {
		t.Fatalf("unknown UID: %+v", other)
	}
	// Completion as Home Assistant sends it: STATUS COMPLETED, DUE and
	// DESCRIPTION dropped. It completes the to-do and changes nothing else.
	complete := crlf(`
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav//caldav//en_DK
BEGIN:VTODO
DTSTAMP:20260302T080000Z
SEQUENCE:1
STATUS:COMPLETED
SUMMARY:Buy shoes
UID:5c0ffee0-0000-4000-8000-000000000001
END:VTODO
END:VCALENDAR
`)
	xp0 := todayXP(t, r.svc)
	if a := r.do("PUT", href, tok, "", "text/calendar", complete); a.status != http.StatusNoContent {
		t.Fatalf("complete: %d %s", a.status, a.body)
	}
	done, _ := r.svc.Todo(ctx, "alex", td.ID)
	if !done.Value.Done || done.Value.Notes != "size 43" || !done.Value.Due.At.Equal(wantDue) {
		t.Fatalf("after completion: %+v", done.Value)
	}
	if xp := todayXP(t, r.svc); xp != xp0+domain.TodoXP {
		t.Fatalf("XP %d after completion, want %d", xp, xp0+domain.TodoXP)
	}
	// The same PUT again: nothing changes (no XP, no new version).
	if a := r.do("PUT", href, tok, "", "text/calendar", complete); a.status != http.StatusNoContent {
		t.Fatalf("repeat: %d %s", a.status, a.body)
	}
	again, _ := r.svc.Todo(ctx, "alex", td.ID)
	if again.Version != done.Version || todayXP(t, r.svc) != xp0+domain.TodoXP {
		t.Fatalf("repeated completion changed something: v%d→v%d", done.Version, again.Version)
	}
	// Pending-only search leaves it out (negate-condition), the full one has it.
	if p := r.do("REPORT", todos, tok, "1", xmlType, reportPending).multistatus(t); len(p) != 0 {
		t.Fatalf("pending search returned a completed to-do: %+v", p)
	}
	// Re-open, then set a due date (VALUE=DATE) in an edit.
	reopen := strings.Replace(complete, "STATUS:COMPLETED", "STATUS:NEEDS-ACTION", 1)
	if a := r.do("PUT", href, tok, "", "text/calendar", reopen); a.status != http.StatusNoContent {
		t.Fatalf("reopen: %d %s", a.status, a.body)
	}
	if o, _ := r.svc.Todo(ctx, "alex", td.ID); o.Value.Done || todayXP(t, r.svc) != xp0 {
		t.Fatalf("after reopening: %+v", o.Value)
	}
	edit := strings.Replace(reopen, "SUMMARY:Buy shoes", "SUMMARY:Buy boots\r\nDUE;VALUE=DATE:20260305", 1)
	if a := r.do("PUT", href, tok, "", "text/calendar", edit); a.status != http.StatusNoContent {
		t.Fatalf("edit: %d %s", a.status, a.body)
	}
	e, _ := r.svc.Todo(ctx, "alex", td.ID)
	if e.Value.Title != "Buy boots" || e.Value.Due.Day != domain.NewDay(2026, 3, 5) || e.Value.Notes != "" {
		t.Fatalf("after edit: %+v", e.Value)
	}
	// A stale If-Match is refused (other clients send one).
	if a := r.do("PUT", href, tok, "", "text/calendar", edit, "If-Match", `"stale"`); a.status != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d", a.status)
	}
	// A due time in a zone that does not exist is refused, naming DUE.
	bad := strings.Replace(edit, "DUE;VALUE=DATE:20260305", "DUE;TZID=Mars/Olympus:20260305T100000", 1)
	if a := r.do("PUT", href, tok, "", "text/calendar", bad); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "DUE") {
		t.Fatalf("bad TZID: %d %s", a.status, a.body)
	}
	if a := r.do("DELETE", href, tok, "", "", ""); a.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	if a := r.do("DELETE", href, tok, "", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("second delete: %d", a.status)
	}
	if l, _ := r.svc.Todos(ctx, "alex"); len(l) != 0 {
		t.Fatalf("to-dos after delete: %d", len(l))
	}
}

func todayXP(t *testing.T, svc *app.Service) int64 {
	t.Helper()
	v, err := svc.Today(context.Background(), "alex")
	if err != nil {
		t.Fatal(err)
	}
	return v.TotalXP
}

func TestTodayListCompletesHabitsAndItemsOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	tok := r.household
	today := caldav.CollectionPath(r.alexID, "today")
	got := r.do("REPORT", today, tok, "1", xmlType, reportTodos).multistatus(t)
	habitHref := today + "lifeops-habit-" + itoa(r.habitID) + "-20260302.ics"
	itemHref := today + "lifeops-item-" + itoa(r.itemID) + "-20260302.ics"
	hrefs := []string{}
	for _, g := range got {
		hrefs = append(hrefs, g.href)
	}
	if !slices.Contains(hrefs, habitHref) || !slices.Contains(hrefs, itemHref) || len(got) != 2 {
		t.Fatalf("today: %v", hrefs)
	}
	// Completing the habit as HA does: DUE and DESCRIPTION dropped.
	habitDone := crlf(`
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav//caldav//en_DK
BEGIN:VTODO
DTSTAMP:20260302T081500Z
STATUS:COMPLETED
SUMMARY:Stretch
UID:lifeops-habit-` + itoa(r.habitID) + `-20260302
END:VTODO
END:VCALENDAR
`)
	xp0 := todayXP(t, r.svc)
	for i := range 2 { // the second PUT must change nothing
		if a := r.do("PUT", habitHref, tok, "", "text/calendar", habitDone); a.status != http.StatusNoContent {
			t.Fatalf("habit completion %d: %d %s", i, a.status, a.body)
		}
		v, _ := r.svc.Today(ctx, "alex")
		if v.Habits[0].Result.Status != domain.StatusDone || v.Habits[0].Result.CheckIns != 1 {
			t.Fatalf("after completion %d: %+v", i, v.Habits[0].Result)
		}
	}
	xp1 := todayXP(t, r.svc)
	if xp1 <= xp0 {
		t.Fatalf("no XP for the check-in: %d → %d", xp0, xp1)
	}
	if a := r.do("PUT", habitHref, tok, "", "text/calendar", strings.Replace(habitDone, "COMPLETED", "NEEDS-ACTION", 1)); a.status != http.StatusNoContent {
		t.Fatalf("habit undo: %d %s", a.status, a.body)
	}
	if v, _ := r.svc.Today(ctx, "alex"); v.Habits[0].Result.CheckIns != 0 || v.TotalXP >= xp1 {
		t.Fatalf("after undo: %+v xp %d", v.Habits[0].Result, v.TotalXP)
	}
	// The routine item: done twice is done once.
	itemDone := strings.NewReplacer("SUMMARY:Stretch", "SUMMARY:Tidy desk",
		"lifeops-habit-"+itoa(r.habitID), "lifeops-item-"+itoa(r.itemID)).Replace(habitDone)
	for range 2 {
		if a := r.do("PUT", itemHref, tok, "", "text/calendar", itemDone); a.status != http.StatusNoContent {
			t.Fatalf("item completion: %d %s", a.status, a.body)
		}
	}
	tl, _ := r.svc.Timeline(ctx, "alex", domain.Day{})
	if tl[0].Status != routine.StatusDone || tl[0].Source != domain.SourceHA {
		t.Fatalf("item after completion: %+v", tl[0])
	}
	after := todayXP(t, r.svc)
	if after-xp0 <= 0 {
		t.Fatalf("no XP for the item")
	}
	// A new item cannot be added to Today.
	if a := r.do("PUT", today+"new.ics", tok, "", "text/calendar", itemDone); a.status != http.StatusForbidden {
		t.Fatalf("create in Today: %d", a.status)
	}
	// Deleting the item skips it today; deleting the habit is refused.
	if a := r.do("PUT", itemHref, tok, "", "text/calendar", strings.Replace(itemDone, "COMPLETED", "NEEDS-ACTION", 1)); a.status != http.StatusNoContent {
		t.Fatalf("item undo: %d", a.status)
	}
	if a := r.do("DELETE", itemHref, tok, "", "", ""); a.status != http.StatusNoContent {
		t.Fatalf("delete item: %d %s", a.status, a.body)
	}
	if tl, _ := r.svc.Timeline(ctx, "alex", domain.Day{}); tl[0].Status != routine.StatusSkipped {
		t.Fatalf("deleted item is %s, want skipped", tl[0].Status)
	}
	if a := r.do("DELETE", habitHref, tok, "", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("delete habit: %d", a.status)
	}
	if a := r.do("DELETE", today+"lifeops-item-999-20260302.ics", tok, "", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("delete unknown: %d", a.status)
	}
	rep, err := r.svc.Verify(ctx)
	if err != nil || len(rep.Differences) > 0 {
		t.Fatalf("verify: %v %v", rep.Differences, err)
	}
}

func TestRoutineCalendarTimeRange(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	tok := r.household
	cal := caldav.CollectionPath(r.alexID, "routine")
	// The week HA's calendar asks for: seven evenings.
	got := r.do("REPORT", cal, tok, "1", xmlType, reportEvents("20260302T000000Z", "20260309T000000Z")).multistatus(t)
	if len(got) != 7 {
		t.Fatalf("%d events in a week, want 7", len(got))
	}
	first := got[0]
	if !strings.Contains(first.data, "DTSTART:20260302T190000Z") || !strings.Contains(first.data, "DTEND:20260302T191000Z") {
		t.Fatalf("event: %s", first.data)
	}
	// An hour that holds no item, and an item's exact end (the range is
	// half-open).
	if got := r.do("REPORT", cal, tok, "1", xmlType, reportEvents("20260302T100000Z", "20260302T110000Z")).multistatus(t); len(got) != 0 {
		t.Fatalf("events in an empty hour: %d", len(got))
	}
	if got := r.do("REPORT", cal, tok, "1", xmlType, reportEvents("20260302T191000Z", "20260302T200000Z")).multistatus(t); len(got) != 0 {
		t.Fatalf("an event ending at the range start matched")
	}
	// 14 days ahead at least.
	if got := r.do("REPORT", cal, tok, "1", xmlType, reportEvents("20260315T000000Z", "20260316T000000Z")).multistatus(t); len(got) != 1 {
		t.Fatalf("day 14 ahead: %d events", len(got))
	}
	// HA's "create event" is refused with a reason.
	ev := crlf(`
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav//caldav//en_DK
BEGIN:VEVENT
DTSTAMP:20260302T080000Z
DTSTART:20260303T100000Z
DTEND:20260303T110000Z
SUMMARY:Dentist
UID:ev-1
END:VEVENT
END:VCALENDAR
`)
	if a := r.do("PUT", cal+"ev-1.ics", tok, "", "text/calendar", ev); a.status != http.StatusForbidden || !strings.Contains(a.body, "planned in LifeOps") {
		t.Fatalf("create event: %d %s", a.status, a.body)
	}
	// GET of one event: ETag is stable across reads.
	a1 := r.do("GET", got0href(t, r, cal), tok, "", "", "")
	a2 := r.do("GET", got0href(t, r, cal), tok, "", "", "")
	if a1.status != 200 || a1.header.Get("ETag") == "" || a1.header.Get("ETag") != a2.header.Get("ETag") || a1.body != a2.body {
		t.Fatalf("GET: %d %q %q", a1.status, a1.header.Get("ETag"), a2.header.Get("ETag"))
	}
}

func got0href(t *testing.T, r *rig, cal string) string {
	t.Helper()
	got := r.do("REPORT", cal, r.household, "1", xmlType, reportEvents("20260302T000000Z", "20260303T000000Z")).multistatus(t)
	if len(got) == 0 {
		t.Fatal("no event")
	}
	return got[0].href
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// After midnight HA may complete yesterday's item before it re-reads the
// list: the completion counts for yesterday.
func TestTodayItemOfYesterday(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	today := caldav.CollectionPath(r.alexID, "today")
	href := today + "lifeops-habit-" + itoa(r.habitID) + "-20260302.ics"
	r.clock.Set(time.Date(2026, 3, 3, 0, 5, 0, 0, berlin))
	body := crlf(`
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav//caldav//en_DK
BEGIN:VTODO
DTSTAMP:20260302T230500Z
STATUS:COMPLETED
SUMMARY:Stretch
UID:lifeops-habit-` + itoa(r.habitID) + `-20260302
END:VTODO
END:VCALENDAR
`)
	if a := r.do("PUT", href, r.household, "", "text/calendar", body); a.status != http.StatusNoContent {
		t.Fatalf("yesterday's completion: %d %s", a.status, a.body)
	}
	if a := r.do("PUT", today+"lifeops-habit-"+itoa(r.habitID)+"-20260220.ics", r.household, "", "text/calendar", body); a.status != http.StatusForbidden {
		t.Fatalf("an old day's item: %d", a.status)
	}
	list := r.do("REPORT", today, r.household, "1", xmlType, reportTodos).multistatus(t)
	for _, o := range list {
		if strings.Contains(o.href, "20260302") {
			t.Fatalf("yesterday's item is still listed: %s", o.href)
		}
	}
	v, err := r.svc.Today(ctx, "alex")
	if err != nil || v.Habits[0].Streak.Current != 1 {
		t.Fatalf("yesterday's check-in did not count: %+v %v", v.Habits[0].Streak, err)
	}
}

func TestTodayDeleteRefusedByOption(t *testing.T) {
	t.Parallel()
	r := newRigWith(t, caldav.Options{RefuseDelete: true})
	href := caldav.CollectionPath(r.alexID, "today") + "lifeops-item-" + itoa(r.itemID) + "-20260302.ics"
	if a := r.do("DELETE", href, r.household, "", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	tl, err := r.svc.Timeline(context.Background(), "alex", domain.Day{})
	if err != nil || tl[0].Status != routine.StatusPending {
		t.Fatalf("a refused delete changed the item: %+v %v", tl, err)
	}
}

// BenchmarkHAPoll is one poll of Home Assistant's: the calendar-query
// REPORT of a person's Today list, rendered from the database.
func BenchmarkHAPoll(b *testing.B) {
	r := newRig(b)
	today := caldav.CollectionPath(r.alexID, "today")
	for b.Loop() {
		if a := r.do("REPORT", today, r.household, "1", xmlType, reportTodos); a.status != http.StatusMultiStatus {
			b.Fatalf("status %d", a.status)
		}
	}
}
