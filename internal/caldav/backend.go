package caldav

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// Collection kinds: the suffix of a collection id (<person id>-<kind>).
const (
	kindToday   = "today"
	kindTodos   = "todos"
	kindRoutine = "routine"
)

// RoutineDays is how many days ahead the Routine calendar shows, today
// included; it also shows the past week.
const RoutineDays = 15

const routinePastDays = 7

var kinds = []string{kindToday, kindTodos, kindRoutine}

type backend struct {
	svc          *app.Service
	log          zerolog.Logger
	refuseDelete bool
}

var _ caldav.Backend = (*backend)(nil)

// collection is a parsed collection path.
type collection struct {
	person domain.Person
	kind   string
}

func (c collection) path() string { return CollectionPath(c.person.ID, c.kind) }

// CollectionPath is the path of a person's collection of kind.
func CollectionPath(personID int64, kind string) string {
	return HomePath + strconv.FormatInt(personID, 10) + "-" + kind + "/"
}

func (c collection) calendar() caldav.Calendar {
	cal := caldav.Calendar{Path: c.path(), MaxResourceSize: 64 << 10}
	name := c.person.Name
	switch c.kind {
	case kindToday:
		cal.Name = name + "'s today"
		cal.Description = "The habits due and the routine items of today. Complete one to check it in; delete one to skip it today."
		cal.SupportedComponentSet = []string{ical.CompToDo}
	case kindTodos:
		cal.Name = name + "'s to-dos"
		cal.Description = "One-off tasks."
		cal.SupportedComponentSet = []string{ical.CompToDo}
	case kindRoutine:
		cal.Name = name + "'s routine"
		cal.Description = "The routine items of the coming days, planned by LifeOps."
		cal.SupportedComponentSet = []string{ical.CompEvent}
	}
	return cal
}

func notFound(format string, args ...any) error {
	return webdav.NewHTTPError(http.StatusNotFound, fmt.Errorf(format, args...))
}

func forbidden(format string, args ...any) error {
	return webdav.NewHTTPError(http.StatusForbidden, fmt.Errorf(format, args...))
}

// httpError translates an app error into the status a client understands.
func httpError(err error) error {
	var ve *domain.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return webdav.NewHTTPError(http.StatusUnprocessableEntity, err)
	case errors.Is(err, domain.ErrNotFound):
		return webdav.NewHTTPError(http.StatusNotFound, err)
	case errors.Is(err, domain.ErrPrecondition):
		return webdav.NewHTTPError(http.StatusPreconditionFailed, err)
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrInvalidTransition):
		return webdav.NewHTTPError(http.StatusConflict, err)
	}
	return err
}

// split cuts a path below the home set into collection id and resource
// name ("" for the collection itself).
func split(p string) (id, name string, ok bool) {
	rest, ok := strings.CutPrefix(p, HomePath)
	if !ok {
		return "", "", false
	}
	id, name, _ = strings.Cut(rest, "/")
	if strings.Contains(name, "/") || id == "" {
		return "", "", false
	}
	return id, name, true
}

// resolve finds the collection of a path, checking that the caller may see
// its person.
func (b *backend) resolve(ctx context.Context, p string) (collection, string, error) {
	id, name, ok := split(p)
	if !ok {
		return collection{}, "", notFound("no collection at %s", p)
	}
	pid, kind, ok := strings.Cut(id, "-")
	n, err := strconv.ParseInt(pid, 10, 64)
	if !ok || err != nil || n <= 0 || !slices.Contains(kinds, kind) {
		return collection{}, "", notFound("no collection at %s", p)
	}
	if !viewerFrom(ctx).sees(n) {
		return collection{}, "", notFound("no collection at %s", p)
	}
	person, err := b.svc.Person(ctx, pid)
	if err != nil {
		return collection{}, "", httpError(err)
	}
	return collection{person: person.Value, kind: kind}, name, nil
}

// CurrentUserPrincipal implements webdav.UserPrincipalBackend.
func (b *backend) CurrentUserPrincipal(context.Context) (string, error) { return PrincipalPath, nil }

// CalendarHomeSetPath implements caldav.Backend.
func (b *backend) CalendarHomeSetPath(context.Context) (string, error) { return HomePath, nil }

// CreateCalendar implements caldav.Backend: the collections are LifeOps'.
func (b *backend) CreateCalendar(context.Context, *caldav.Calendar) error {
	return forbidden("LifeOps makes its collections itself: three per person")
}

// ListCalendars implements caldav.Backend.
func (b *backend) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	people, err := b.svc.People(ctx)
	if err != nil {
		return nil, err
	}
	v := viewerFrom(ctx)
	var out []caldav.Calendar
	for _, p := range people {
		if !v.sees(p.Value.ID) {
			continue
		}
		for _, k := range kinds {
			out = append(out, collection{person: p.Value, kind: k}.calendar())
		}
	}
	return out, nil
}

// GetCalendar implements caldav.Backend.
func (b *backend) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, notFound("%s is not a collection", p)
	}
	cal := c.calendar()
	return &cal, nil
}

// objects renders every object of a collection.
func (b *backend) objects(ctx context.Context, c collection) ([]object, error) {
	ref := strconv.FormatInt(c.person.ID, 10)
	var out []object
	add := func(o object, err error) error {
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	}
	switch c.kind {
	case kindToday:
		view, err := b.svc.Today(ctx, ref)
		if err != nil {
			return nil, err
		}
		for _, h := range view.Habits {
			if h.Habit.Avoids() || (h.Result.Status != domain.StatusPending && h.Result.Status != domain.StatusDone) {
				continue // not due today, paused, or a thing to avoid (nothing to complete)
			}
			if err := add(renderHabit(h, view.Day)); err != nil {
				return nil, err
			}
		}
		entries, err := b.svc.Timeline(ctx, ref, view.Day)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if err := add(renderItem(e.Entry)); err != nil {
				return nil, err
			}
		}
	case kindTodos:
		todos, err := b.svc.Todos(ctx, ref)
		if err != nil {
			return nil, err
		}
		for _, t := range todos {
			if err := add(renderTodo(t)); err != nil {
				return nil, err
			}
		}
	case kindRoutine:
		today := b.svc.CurrentDay()
		entries, err := b.svc.PlannedEntries(ctx, ref, today.Add(-routinePastDays), today.Add(RoutineDays-1))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if err := add(renderEvent(e)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (b *backend) calendarObject(c collection, o object) caldav.CalendarObject {
	return caldav.CalendarObject{Path: c.path() + o.name, ETag: o.etag, Data: o.cal}
}

// find renders a collection and picks the object called name.
func (b *backend) find(ctx context.Context, c collection, name string) (object, bool, error) {
	objs, err := b.objects(ctx, c)
	if err != nil {
		return object{}, false, err
	}
	for _, o := range objs {
		if o.name == name {
			return o, true, nil
		}
	}
	return object{}, false, nil
}

// GetCalendarObject implements caldav.Backend.
func (b *backend) GetCalendarObject(ctx context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	o, ok, err := b.find(ctx, c, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("no object at %s", p)
	}
	co := b.calendarObject(c, o)
	co.Path = p // the href is the path asked for
	return &co, nil
}

// ListCalendarObjects implements caldav.Backend.
func (b *backend) ListCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	c, _, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	objs, err := b.objects(ctx, c)
	if err != nil {
		return nil, err
	}
	out := make([]caldav.CalendarObject, len(objs))
	for i, o := range objs {
		out[i] = b.calendarObject(c, o)
	}
	return out, nil
}

// QueryCalendarObjects implements caldav.Backend with this package's own
// filter (see match.go), read from the request body.
func (b *backend) QueryCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, fmt.Errorf("calendar-query goes to a collection, not %s", p))
	}
	objs, err := b.objects(ctx, c)
	if err != nil {
		return nil, err
	}
	f, _ := ctx.Value(queryKey{}).(*compFilter)
	loc := b.svc.Location()
	var out []caldav.CalendarObject
	for _, o := range objs {
		if matchCalendar(o.cal, f, loc) {
			out = append(out, b.calendarObject(c, o))
		}
	}
	return out, nil
}

// firstComp is the calendar's one VTODO or VEVENT.
func firstComp(cal *ical.Calendar) (*ical.Component, error) {
	var found *ical.Component
	for _, ch := range cal.Children {
		switch ch.Name {
		case ical.CompToDo, ical.CompEvent:
			if found != nil {
				if uid, _ := ch.Props.Text(ical.PropUID); uid != "" {
					if fu, _ := found.Props.Text(ical.PropUID); fu != uid {
						return nil, webdav.NewHTTPError(http.StatusBadRequest, errors.New("one object holds one to-do (several UIDs sent)"))
					}
				}
				continue // an overridden instance of the same UID
			}
			found = ch
		}
	}
	if found == nil {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, errors.New("the object has no VTODO or VEVENT"))
	}
	return found, nil
}

// checkConditions enforces If-Match and If-None-Match against the current
// ETag ("" when there is no object).
func checkConditions(opts *caldav.PutCalendarObjectOptions, current string) error {
	if opts == nil {
		return nil
	}
	if opts.IfNoneMatch.IsSet() {
		if opts.IfNoneMatch.IsWildcard() && current != "" {
			return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the object exists (If-None-Match: *)"))
		}
		if ok, err := opts.IfNoneMatch.MatchETag(current); err == nil && ok && current != "" {
			return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the object is unchanged (If-None-Match)"))
		}
	}
	if opts.IfMatch.IsSet() {
		if current == "" {
			return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("there is no object to match (If-Match)"))
		}
		if ok, err := opts.IfMatch.MatchETag(current); err != nil || !ok {
			return webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the object changed since it was read (If-Match)"))
		}
	}
	return nil
}

func notePut(ctx context.Context, existed bool) {
	if st, ok := ctx.Value(putKey{}).(*putState); ok {
		st.existed = existed
	}
}

// PutCalendarObject implements caldav.Backend.
func (b *backend) PutCalendarObject(ctx context.Context, p string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, forbidden("PUT goes to an object, not a collection")
	}
	comp, err := firstComp(cal)
	if err != nil {
		return nil, err
	}
	cur, exists, err := b.find(ctx, c, name)
	if err != nil {
		return nil, err
	}
	if err := checkConditions(opts, cur.etag); err != nil {
		return nil, err
	}
	notePut(ctx, exists)
	switch c.kind {
	case kindRoutine:
		return nil, forbidden("%s is planned in LifeOps: change routines there (events made here are refused)", c.calendar().Name)
	case kindToday:
		if !exists && b.recentToday(name) {
			// An item of a day that just ended, completed by a client that
			// has not re-read the list since midnight: it still counts.
			exists = true
			notePut(ctx, true)
		}
		if !exists {
			return nil, forbidden("%s lists what LifeOps plans for today; add to-dos to %s instead", c.calendar().Name,
				collection{person: c.person, kind: kindTodos}.calendar().Name)
		}
		if comp.Name != ical.CompToDo {
			return nil, forbidden("%s holds VTODOs only", c.calendar().Name)
		}
		err = b.putToday(ctx, c, name, comp)
	case kindTodos:
		if comp.Name != ical.CompToDo {
			return nil, forbidden("%s holds VTODOs only", c.calendar().Name)
		}
		err = b.putTodo(ctx, c, name, comp, exists)
	}
	if err != nil {
		return nil, httpError(err)
	}
	// No ETag: what is stored may differ from what was sent (a status
	// change on a server-owned item), and a client reads it back.
	return &caldav.CalendarObject{Path: p}, nil
}

// staleDays is how many days back a Today item still takes a status
// change: the list shows only today's items, but a client may complete
// yesterday's after midnight before it reads the list again.
const staleDays = 2

// recentToday reports whether name is a Today item of one of the last
// staleDays days before today.
func (b *backend) recentToday(name string) bool {
	ref, ok := parseTodayName(name)
	if !ok {
		return false
	}
	today := b.svc.CurrentDay()
	return ref.day.Before(today) && !ref.day.Before(today.Add(-staleDays))
}

// putToday applies a PUT on a Today item: only its STATUS counts, as a
// status change of an item LifeOps owns. Home Assistant drops DUE and
// DESCRIPTION when it completes an item; none of that changes anything.
func (b *backend) putToday(ctx context.Context, c collection, name string, comp *ical.Component) error {
	ref, ok := parseTodayName(name)
	if !ok {
		return notFound("no item %s", name)
	}
	done, cancelled := doneOf(comp)
	person := strconv.FormatInt(c.person.ID, 10)
	if ref.habit {
		_, err := b.svc.SetHabitDone(ctx, person, ref.id, ref.day, done, domain.SourceHA)
		return err
	}
	status := routine.StatusPending
	switch {
	case cancelled:
		status = routine.StatusSkipped
	case done:
		status = routine.StatusDone
	}
	_, err := b.svc.SetTimelineItemDone(ctx, person, ref.id, ref.day, status, domain.SourceHA)
	return err
}

// putTodo creates or updates a to-do from a VTODO. A PUT that completes
// the to-do (or repeats its completion) or reopens it is a status change:
// the DUE and DESCRIPTION it leaves out stay (Home Assistant drops them
// when it completes an item). Otherwise the VTODO is the to-do as the
// client wants it: a missing DUE or DESCRIPTION clears it.
func (b *backend) putTodo(ctx context.Context, c collection, name string, comp *ical.Component, exists bool) error {
	person := strconv.FormatInt(c.person.ID, 10)
	uid, _ := comp.Props.Text(ical.PropUID)
	summary, _ := comp.Props.Text(ical.PropSummary)
	notes, _ := comp.Props.Text(ical.PropDescription)
	due, err := dueOf(comp, b.svc.Location())
	if err != nil {
		return err
	}
	done, _ := doneOf(comp)
	if !exists {
		if uid == "" {
			return domain.Invalid("UID", nil, "is required")
		}
		_, err := b.svc.CreateTodo(ctx, person, app.TodoInput{Title: summary, Notes: notes, Due: due, Done: done,
			UID: uid, Name: name, Source: domain.SourceHA})
		return err
	}
	cur, err := b.svc.TodoByName(ctx, person, name)
	if err != nil {
		return err
	}
	if uid != "" && uid != cur.Value.UID {
		return webdav.NewHTTPError(http.StatusConflict, fmt.Errorf("%s holds the to-do with UID %s, not %s", name, cur.Value.UID, uid))
	}
	patch := app.TodoPatch{Title: &summary, Done: &done, Source: domain.SourceHA}
	// A completion (or a repeated one) and a reopening only set the
	// status: what they leave out stays.
	statusOnly := done || done != cur.Value.Done
	if comp.Props.Get(ical.PropDescription) != nil || !statusOnly {
		patch.Notes = &notes
	}
	if comp.Props.Get(ical.PropDue) != nil || !statusOnly {
		patch.Due = &due
	}
	if summary == "" && statusOnly {
		patch.Title = nil
	}
	_, err = b.svc.UpdateTodo(ctx, person, cur.Value.ID, patch, 0)
	return err
}

// DeleteCalendarObject implements caldav.Backend: deleting a Today item
// skips it today (a habit has no skip: refused), deleting a to-do deletes
// it, routine events cannot be deleted.
func (b *backend) DeleteCalendarObject(ctx context.Context, p string) error {
	c, name, err := b.resolve(ctx, p)
	if err != nil {
		return err
	}
	if name == "" {
		return forbidden("the collections are LifeOps' own")
	}
	person := strconv.FormatInt(c.person.ID, 10)
	switch c.kind {
	case kindRoutine:
		return forbidden("%s is planned in LifeOps: change routines there", c.calendar().Name)
	case kindTodos:
		cur, err := b.svc.TodoByName(ctx, person, name)
		if err != nil {
			return httpError(err)
		}
		return httpError(b.svc.DeleteTodo(ctx, person, cur.Value.ID, 0))
	}
	ref, ok := parseTodayName(name)
	if !ok {
		return notFound("no item %s", name)
	}
	if _, exists, err := b.find(ctx, c, name); err != nil {
		return err
	} else if !exists && !b.recentToday(name) {
		return notFound("no item %s", name)
	}
	if ref.habit {
		return forbidden("a habit cannot be skipped for a day; pause it in LifeOps instead")
	}
	if b.refuseDelete {
		return forbidden("deleting Today items is turned off; mark the item done in LifeOps or skip it there")
	}
	_, err = b.svc.SetTimelineItemDone(ctx, person, ref.id, ref.day, routine.StatusSkipped, domain.SourceHA)
	return httpError(err)
}

// CollectionIDs are the ids (last path segments) of a person's
// collections; Home Assistant's caldav integration ends its entities'
// unique ids with them.
func CollectionIDs(personID int64) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = strconv.FormatInt(personID, 10) + "-" + k
	}
	return out
}

// CollectionInfo describes one collection for setup screens and `lifeops
// entities`.
type CollectionInfo struct {
	Person    string `json:"person"`    // the person's slug
	ID        string `json:"id"`        // the collection id (never changes)
	Name      string `json:"name"`      // the displayname Home Assistant names its entity after
	Component string `json:"component"` // VTODO (a to-do list) or VEVENT (a calendar)
	Path      string `json:"path"`
}

// Collections lists a person's collections.
func Collections(p domain.Person) []CollectionInfo {
	out := make([]CollectionInfo, len(kinds))
	for i, k := range kinds {
		c := collection{person: p, kind: k}
		cal := c.calendar()
		out[i] = CollectionInfo{Person: p.Slug, ID: CollectionIDs(p.ID)[i], Name: cal.Name, Component: cal.SupportedComponentSet[0], Path: cal.Path}
	}
	return out
}
