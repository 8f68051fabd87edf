package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/evidence"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/postgres"
)

// The model-based test drives the use cases with random sequences of every
// mutation (real PostgreSQL, a fake clock in Europe/Berlin that steps over
// the DST changes) and checks the fair-play invariants after every step:
//
//   - `verify` (the full recomputation) finds no difference;
//   - no XP is credited to a day after today;
//   - a step that records a fact earns new XP only for a day inside the XP
//     window (today and the domain.XPWindowDays before it): old days and
//     days before a habit existed earn nothing;
//   - the stored total is the sum over days of each day's XP, capped at
//     domain.DailyXPCeiling, plus achievements (outside the ceiling);
//   - a habit's day pays check-in XP once: a second check-in of the same
//     day, one outside the habit's time window, or one with quantity 0
//     earns nothing (quantity 0 is refused).
//   - an import (another tracker's history, a streak that reaches streak
//     achievements) pays no XP at all: achievements it alone makes hold
//     unlock from history with 0 XP;
//   - a limit habit's kept day pays only when the habit was, at that
//     time, an active limit habit (a limit at the day's close, not
//     archived): the model tracks this from the creates, redefinitions,
//     archives and unarchives it made, independently of the app.
//
// A failing sequence is shrunk (ops dropped one at a time while it still
// fails) and printed with its seed. LIFEOPS_MODEL_SEED replays one seed;
// LIFEOPS_MODEL_RUNS sets how many sequences run (open-ended runs go
// through FuzzLifeModel and `make fuzz`).

// modelOpKind names one mutation.
type modelOpKind int

const (
	opCheckIn modelOpKind = iota
	opUndoCheckIn
	opActivity
	opUndoActivity
	opMood
	opCreateHabit
	opRedefine
	opArchive
	opItem
	opAllocate
	opRespec
	opAdvance
	opOura
	opPause
	opChangePause
	opDeletePause
	opSetDay
	opClearDay
	opUnarchive
	opImport
	opNameType
	opPress
	opKinds
)

var opNames = [...]string{"check-in", "undo-check-in", "activity", "undo-activity", "mood", "create-habit",
	"redefine", "archive", "item", "allocate", "respec", "advance", "oura", "pause", "change-pause", "delete-pause",
	"set-day", "clear-day", "unarchive", "import", "name-type", "press"}

// modelOp is one step; A, B, C are its arguments (meaning per kind). An
// index into what exists (habit#N, the Nth check-in or activity to undo,
// a node to allocate) is taken modulo how many exist when the step runs,
// so every sequence stays runnable when the shrinker drops steps.
type modelOp struct {
	Kind    modelOpKind
	A, B, C int
}

func (o modelOp) String() string {
	switch o.Kind {
	case opCheckIn:
		return fmt.Sprintf("check-in habit#%d day%+d %02d:00 qty=%d", o.A, -o.B, o.C%24, o.C/24)
	case opActivity:
		return fmt.Sprintf("activity %s amount=%d day%+d", modelActivityTypes[o.A], o.B, -o.C)
	case opMood:
		return fmt.Sprintf("mood %d day%+d", o.A, -o.B)
	case opCreateHabit:
		return fmt.Sprintf("create-habit variant=%d start%+d", o.A, -o.B)
	case opRedefine:
		return fmt.Sprintf("redefine habit#%d variant=%d", o.A, o.B)
	case opItem:
		return fmt.Sprintf("item %s %s day%+d", []string{"Stretch", "Book"}[o.C%2], []routine.Status{routine.StatusDone, routine.StatusSkipped, routine.StatusPending}[o.A], o.B)
	case opAdvance:
		return fmt.Sprintf("advance %dh", o.A)
	case opOura:
		return fmt.Sprintf("oura day%+d sleep=%d readiness=%d", -o.A, o.B, o.C)
	case opPause:
		return fmt.Sprintf("pause habit#%d (every habit when %%5 == 4) from day%+d for %d days (0: open)", o.A, -o.B, o.C)
	case opChangePause:
		return fmt.Sprintf("change-pause pause#%d until day%+d (%d: open)", o.A, -o.B, modelReopen)
	case opSetDay:
		return fmt.Sprintf("set-day habit#%d day%+d qty=%d", o.A, -o.B, o.C)
	case opClearDay:
		return fmt.Sprintf("clear-day habit#%d day%+d", o.A, -o.B)
	case opImport:
		return fmt.Sprintf("import a Loop habit done %d days up to day%+d", o.A, -o.B)
	case opNameType:
		return fmt.Sprintf("name-type %s aliases=%q", modelNamedTypes[o.A], modelAliases[o.B])
	case opPress:
		return fmt.Sprintf("press habit#%d's button (its rule made on the first press)", o.A)
	}
	return fmt.Sprintf("%s %d", opNames[o.Kind], o.A)
}

// modelActivityTypes are keys and names as people say them ("Walking",
// "deep work"), which the catalogue resolves to keys.
var modelActivityTypes = []string{"workout", "walk", "run", "meditation", "journaling", "reading", "Walking", "deep work", "Spazieren", "stroll"}

// modelNamedTypes and modelAliases are what name-type sets.
var (
	modelNamedTypes = []string{"walk", "meditation"}
	modelAliases    = [][]string{{"Spazieren", "stroll"}, {"walking"}, {}, {"stroll"}}
)

// backdays are how far back (negative: ahead) a fact may be dated.
var backdays = []int{0, 0, 0, 1, 2, 3, 4, 9, -1, -400}

// modelReopen as change-pause's B opens the pause again.
const modelReopen = 99

func genOps(r *rand.Rand, n int) []modelOp {
	ops := make([]modelOp, n)
	for i := range ops {
		k := modelOpKind(r.IntN(int(opKinds)))
		if r.IntN(3) == 0 { // check-ins are the core: weight them up
			k = opCheckIn
		}
		op := modelOp{Kind: k}
		switch k {
		case opCheckIn:
			qty := []int{1, 1, 0, 3, 9}[r.IntN(5)]
			op.A, op.B, op.C = r.IntN(4), backdays[r.IntN(len(backdays))], qty*24+r.IntN(24)
		case opUndoCheckIn, opUndoActivity, opArchive, opDeletePause, opUnarchive:
			op.A = r.IntN(8)
		case opPause:
			op.A, op.B, op.C = r.IntN(5), []int{0, 0, 1, 2, 3, -2}[r.IntN(6)], []int{0, 1, 3, 10}[r.IntN(4)]
		case opChangePause:
			op.A, op.B = r.IntN(8), []int{0, 1, 2, -1, modelReopen}[r.IntN(5)]
		case opSetDay:
			op.A, op.B, op.C = r.IntN(4), []int{0, 1, 2, 3, 9, 30, -1}[r.IntN(7)], []int{1, 3, 9}[r.IntN(3)]
		case opClearDay:
			op.A, op.B = r.IntN(4), []int{0, 1, 2, 3, 9}[r.IntN(5)]
		case opImport:
			op.A, op.B = []int{3, 8, 35}[r.IntN(3)], []int{0, 1, 2, 5}[r.IntN(4)]
		case opNameType:
			op.A, op.B = r.IntN(len(modelNamedTypes)), r.IntN(len(modelAliases))
		case opPress:
			op.A = r.IntN(4)
		case opActivity:
			op.A, op.B, op.C = r.IntN(len(modelActivityTypes)), 1+r.IntN(400), backdays[r.IntN(len(backdays))]
		case opMood:
			op.A, op.B = 1+r.IntN(9), backdays[r.IntN(len(backdays))]
		case opCreateHabit:
			op.A, op.B = r.IntN(4), []int{0, 0, 3, 30, 400, -2}[r.IntN(6)]
		case opRedefine:
			op.A, op.B = r.IntN(4), r.IntN(4)
		case opItem:
			op.A, op.B, op.C = r.IntN(3), []int{0, 0, 0, -1, -3, 1, 1000}[r.IntN(7)], r.IntN(2)
		case opAdvance:
			op.A = []int{1, 3, 7, 13, 24, 30}[r.IntN(6)]
		case opOura:
			op.A, op.B, op.C = []int{0, 1, 1, 2, 5}[r.IntN(5)], 40+r.IntN(60), 40+r.IntN(60)
		}
		ops[i] = op
	}
	return ops
}

// modelStarts are the sequences' first instants: each sequence's day
// rollovers step over a DST change of Europe/Berlin.
var modelStarts = []time.Time{
	at(2026, time.March, 28, 21, 30, 0),   // spring forward on Sunday 29 March, 02:00
	at(2026, time.October, 24, 22, 15, 0), // fall back on Sunday 25 October, 03:00
	at(2026, time.June, 10, 6, 50, 0),
}

// habitVariants are the definitions create and redefine choose from.
func habitVariant(i int, name string) app.HabitInput {
	// Every field is given: a redefinition replaces the whole definition
	// (without a target it would be refused, and the model would never
	// redefine a habit as a limit).
	in := app.HabitInput{Name: name, Kind: domain.HabitPositive, Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetCheck}}
	switch i {
	case 1:
		in.Kind = domain.HabitNegative
	case 2:
		in.Target = domain.Target{Kind: domain.TargetAtLeast, Value: 8, Unit: "glasses"}
		in.Window = domain.TimeWindow{From: domain.Clock(6, 0), Until: domain.Clock(12, 0)}
	case 3:
		in.Schedule = domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: 3}
	}
	return in
}

// modelRun is one sequence's world.
type modelRun struct {
	t      testing.TB
	ctx    context.Context
	svc    *app.Service
	oura   *app.Oura
	store  *postgres.Store
	clock  *clock
	person domain.Person
	habits []string // slugs, in creation order
	// variant of each habit, for the check-in rules
	variants []int
	checkIns []int64
	acts     []int64
	pauses   []int64
	// high is each ledger award's highest amount seen so far: a redo of
	// an award undone earlier is not new XP.
	high map[string]int
	// ids and archived are each habit's id and whether it is archived, in
	// creation order; limitDays are the closed days on which each habit
	// (by id) was an active limit habit: a limit, not archived.
	ids       []int64
	archived  []bool
	limitDays map[int64]map[domain.Day]bool
	// buttons are the habits (by slug) with an evidence rule on a button.
	buttons map[string]bool
}

// activeLimit reports whether habit i is an active limit habit now.
func (m *modelRun) activeLimit(i int) bool { return m.variants[i] == 1 && !m.archived[i] }

// addHabit notes a created habit.
func (m *modelRun) addHabit(h app.StoredHabit, variant int) {
	m.habits, m.variants = append(m.habits, h.Slug), append(m.variants, variant)
	m.ids, m.archived = append(m.ids, h.ID), append(m.archived, false)
	m.limitDays[h.ID] = map[domain.Day]bool{}
}

// closeDays notes, for the days from from up to before to, which habits
// were active limit habits as those days closed.
func (m *modelRun) closeDays(from, to domain.Day) {
	for d := from; d.Before(to); d = d.Add(1) {
		for i, id := range m.ids {
			if m.activeLimit(i) {
				m.limitDays[id][d] = true
			}
		}
	}
}

// expected errors are refusals the rules make; anything else fails the run.
func refused(err error) bool {
	var ve *domain.ValidationError
	return errors.As(err, &ve) || errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict) ||
		errors.Is(err, domain.ErrInvalidTransition) || errors.Is(err, domain.ErrPrecondition)
}

func newModelRun(t testing.TB, start time.Time) (*modelRun, error) {
	tree, err := character.Default()
	if err != nil {
		return nil, err
	}
	pool := dbtest.New(t)
	m := &modelRun{t: t, ctx: context.Background(), store: postgres.NewStore(pool), clock: &clock{t: start}, high: map[string]int{},
		limitDays: map[int64]map[domain.Day]bool{}, buttons: map[string]bool{}}
	m.svc = app.New(app.Options{Store: m.store, Logger: zerolog.Nop(), Now: m.clock.Now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	m.oura = app.NewOura(m.svc, app.OuraOptions{})
	p, err := m.svc.CreatePerson(m.ctx, app.PersonInput{Name: "Kid"})
	if err != nil {
		return nil, err
	}
	m.person = p.Value
	h, err := m.svc.CreateHabit(m.ctx, "kid", habitVariant(0, "Read"))
	if err != nil {
		return nil, err
	}
	m.addHabit(h.Value, 0)
	habitID := h.Value.ID
	_, err = m.svc.CreateRoutine(m.ctx, "kid", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{
			{Title: "Stretch", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(7, 0)}, XP: 30, GraceMin: routine.GraceOf(60)},
			{Title: "Book", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(20, 0)}, XP: 5, GraceMin: routine.GraceOf(60), HabitID: &habitID},
		}})
	if err != nil {
		return nil, err
	}
	return m, m.noteLedger()
}

func (m *modelRun) today() domain.Day { return domain.DayOf(m.clock.Now(), berlin) }

func (m *modelRun) ledger() ([]app.XPEntry, error) { return m.store.XPLedger(m.ctx, m.person.ID) }

func (m *modelRun) noteLedger() error {
	l, err := m.ledger()
	for _, e := range l {
		k := e.Kind + " " + e.Source
		m.high[k] = max(m.high[k], e.Amount)
	}
	return err
}

func pick[T any](xs []T, i int) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[i%len(xs)], true
}

// kindXP sums the ledger's awards of one kind.
func kindXP(l []app.XPEntry, kind string) int {
	n := 0
	for _, e := range l {
		if e.Kind == kind {
			n += e.Amount
		}
	}
	return n
}

// apply runs one op and returns a broken invariant, or "".
func (m *modelRun) apply(op modelOp) (string, error) {
	ctx, today := m.ctx, m.today()
	before, err := m.ledger()
	if err != nil {
		return "", err
	}
	recordsFact := true
	var checkIn *app.CheckInResult
	var dayHadCheckIn, outsideWindow bool
	var qty int
	switch op.Kind {
	case opCheckIn:
		slug, _ := pick(m.habits, op.A)
		variant, _ := pick(m.variants, op.A)
		day := today.Add(-op.B)
		hour := op.C % 24
		qty = op.C / 24
		atTime := time.Date(day.Year, day.Month, day.Day, hour, 0, 0, 0, berlin)
		if op.B == 0 && atTime.After(m.clock.Now()) {
			atTime = m.clock.Now()
		}
		cs, _ := m.checkInsOf(slug, day)
		dayHadCheckIn = cs > 0
		outsideWindow = variant == 2 && (atTime.In(berlin).Hour() < 6 || atTime.In(berlin).Hour() >= 12)
		res, err := m.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: slug, At: atTime, Quantity: float64(qty)})
		if archived, _ := pick(m.archived, op.A); variant == 2 && qty == 0 && !archived {
			// A quantity habit's check-in without an amount is refused,
			// saying the unit and the target.
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || !slices.ContainsFunc(ve.Fields, func(f domain.FieldError) bool {
				return f.Field == "quantity" && strings.Contains(f.Reason, "counted in glasses (target at least 8 glasses)")
			}) {
				return "", fmt.Errorf("check-in of a quantity habit without an amount answered %v, want a refusal naming the unit", err)
			}
		}
		if err == nil {
			checkIn = &res
			m.checkIns = append(m.checkIns, res.CheckIn.ID)
		} else if !refused(err) {
			return "", err
		}
	case opPress:
		// A button whose rule checks the habit in: the sensor's state, the
		// match and the check-in in one transaction, or, when the check-in
		// is refused (archived, a quantity habit without an amount), the
		// refusal recorded with the match.
		slug, ok := pick(m.habits, op.A)
		if !ok {
			break
		}
		sensor := "zigbee2mqtt/button_" + slug + "/action"
		if !m.buttons[slug] {
			_, err := m.svc.CreateRule(ctx, "kid", app.RuleInput{Name: "button " + slug, Sensors: []string{sensor},
				Condition: evidence.Condition{Op: evidence.OpEq, Value: "single"},
				Action:    evidence.Action{Kind: evidence.ActionCheckIn, Habit: slug}, Enabled: true})
			if err != nil && !refused(err) {
				return "", err
			}
			m.buttons[slug] = err == nil
		}
		now := m.clock.Now()
		if err := m.svc.Observe(ctx, []app.Reading{
			{Source: "zigbee2mqtt", Sensor: sensor, State: "single", At: now.Add(-time.Second)},
			{Source: "zigbee2mqtt", Sensor: sensor, State: "", At: now},
		}); err != nil {
			return "", fmt.Errorf("press %s: %w", slug, err)
		}
	case opUndoCheckIn:
		if id, ok := pick(m.checkIns, op.A); ok {
			if err := m.svc.UndoCheckIn(ctx, "kid", id); err != nil && !refused(err) {
				return "", err
			}
		}
	case opActivity:
		res, err := m.svc.LogActivity(ctx, app.ActivityInput{Person: "kid", Type: modelActivityTypes[op.A], Amount: float64(op.B),
			At: m.clock.Now().AddDate(0, 0, -op.C)})
		if err == nil {
			if _, key := (domain.Catalogue{}).Lookup(res.Activity.Type); !key {
				return "", fmt.Errorf("activity %q stored as %q, not a key", modelActivityTypes[op.A], res.Activity.Type)
			}
			m.acts = append(m.acts, res.Activity.ID)
		} else if !refused(err) {
			return "", err
		}
	case opUndoActivity:
		if id, ok := pick(m.acts, op.A); ok {
			if err := m.svc.UndoActivity(ctx, "kid", id); err != nil && !refused(err) {
				return "", err
			}
		}
	case opMood:
		if _, _, err := m.svc.LogMood(ctx, app.MoodInput{Person: "kid", Value: op.A, At: m.clock.Now().AddDate(0, 0, -op.B)}); err != nil && !refused(err) {
			return "", err
		}
	case opCreateHabit:
		in := habitVariant(op.A, fmt.Sprintf("Habit %d", len(m.habits)))
		in.Start = today.Add(-op.B)
		h, err := m.svc.CreateHabit(ctx, "kid", in)
		if err == nil {
			m.addHabit(h.Value, op.A)
		} else if !refused(err) {
			return "", err
		}
	case opRedefine:
		recordsFact = false // a new definition re-judges past days on purpose
		if slug, ok := pick(m.habits, op.A); ok {
			h, err := m.svc.Habit(ctx, "kid", slug)
			if err != nil {
				return "", err
			}
			in := habitVariant(op.B, h.Value.Name)
			if _, err := m.svc.UpdateHabit(ctx, "kid", slug, in, 0); err == nil {
				m.variants[op.A%len(m.habits)] = op.B
			} else if !refused(err) {
				return "", err
			}
		}
	case opArchive:
		if slug, ok := pick(m.habits, op.A); ok && op.A%3 == 0 {
			if err := m.svc.ArchiveHabit(ctx, "kid", slug); err == nil {
				m.archived[op.A%len(m.habits)] = true
			} else if !refused(err) {
				return "", err
			}
		}
	case opItem:
		status := []routine.Status{routine.StatusDone, routine.StatusSkipped, routine.StatusPending}[op.A]
		item := []string{"Stretch", "Book"}[op.C%2] // Book checks in habit #0
		if _, err := m.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "kid", Item: item, Day: today.Add(op.B), Status: status}); err != nil && !refused(err) {
			return "", err
		}
	case opAllocate:
		c, err := m.svc.Character(ctx, "kid")
		if err != nil {
			return "", err
		}
		if node, ok := pick(c.Allocatable, op.A); ok {
			if _, err := m.svc.Allocate(ctx, "kid", string(node)); err != nil && !refused(err) {
				return "", err
			}
		}
	case opRespec:
		if _, err := m.svc.Respec(ctx, "kid"); err != nil && !refused(err) {
			return "", err
		}
	case opAdvance:
		m.clock.Add(time.Duration(op.A) * time.Hour)
		m.closeDays(today, m.today())
		if err := m.svc.Rollover(ctx); err != nil {
			return "", err
		}
	case opPause:
		in := app.PauseInput{Person: "kid", Reason: domain.PauseRest, From: today.Add(-op.B)}
		if op.A%5 != 4 {
			in.Habit, _ = pick(m.habits, op.A)
		}
		if op.C > 0 {
			in.Until = in.From.Add(op.C - 1)
		}
		p, err := m.svc.Pause(ctx, in)
		if err == nil {
			m.pauses = append(m.pauses, p.Value.ID)
		} else if !refused(err) {
			return "", err
		}
	case opChangePause:
		if id, ok := pick(m.pauses, op.A); ok {
			until := today.Add(-op.B)
			if op.B == modelReopen {
				until = domain.Day{}
			}
			if _, err := m.svc.UpdatePause(ctx, "kid", id, app.PauseChange{Until: &until}, 0); err != nil && !refused(err) {
				return "", err
			}
		}
	case opDeletePause:
		if id, ok := pick(m.pauses, op.A); ok {
			if err := m.svc.DeletePause(ctx, "kid", id, 0); err != nil && !refused(err) {
				return "", err
			}
		}
	case opSetDay:
		if slug, ok := pick(m.habits, op.A); ok {
			if _, err := m.svc.SetHabitDay(ctx, app.SetDayInput{Person: "kid", Habit: slug, Day: today.Add(-op.B), Quantity: float64(op.C)}); err != nil && !refused(err) {
				return "", err
			}
		}
	case opClearDay:
		if slug, ok := pick(m.habits, op.A); ok {
			if _, err := m.svc.ClearHabitDay(ctx, "kid", slug, today.Add(-op.B)); err != nil && !refused(err) {
				return "", err
			}
		}
	case opNameType:
		recordsFact = false
		if _, err := m.svc.SetActivityTypeNames(ctx, modelNamedTypes[op.A], "", modelAliases[op.B]); err != nil && !refused(err) {
			return "", err
		}
	case opUnarchive:
		if slug, ok := pick(m.habits, op.A); ok {
			if _, err := m.svc.UnarchiveHabit(ctx, "kid", slug); err == nil {
				m.archived[op.A%len(m.habits)] = false
			} else if !refused(err) {
				return "", err
			}
		}
	case opImport:
		before, err := m.store.ProgressGet(ctx, m.person.ID)
		if err != nil {
			return "", err
		}
		rep, err := m.svc.ImportLoop(ctx, "kid", loopExport(fmt.Sprintf("Imported %d", len(m.habits)), today.Add(-op.B), op.A), false)
		if err != nil && !refused(err) {
			return "", err
		}
		for _, h := range rep.Habits {
			m.addHabit(app.StoredHabit{Habit: domain.Habit{ID: h.HabitID}, Slug: fmt.Sprint(h.HabitID)}, 0)
		}
		after, err := m.store.ProgressGet(ctx, m.person.ID)
		if err != nil {
			return "", err
		}
		if after.TotalXP != before.TotalXP {
			return fmt.Sprintf("the import paid %d XP", after.TotalXP-before.TotalXP), nil
		}
		l, err := m.ledger()
		if err != nil {
			return "", err
		}
		for _, e := range l {
			if k := e.Kind + " " + e.Source; e.Amount > m.high[k] {
				return fmt.Sprintf("the import paid XP award %s of %d for %s", k, e.Amount, e.Day), nil
			}
		}
	case opOura:
		day := today.Add(-op.A)
		sleep, ready := float64(op.B), float64(op.C)
		raw := func(v float64) []byte { return fmt.Appendf(nil, `{"day":%q,"score":%g}`, day, v) }
		err := m.oura.OuraIngest(ctx, m.person.ID, app.OuraWindow{From: day, To: day,
			Documents: []app.OuraDocument{
				{Collection: "daily_sleep", ID: "s" + day.String(), Day: day.String(), Raw: raw(sleep)},
				{Collection: "daily_readiness", ID: "r" + day.String(), Day: day.String(), Raw: raw(ready)},
			},
			Days: []app.OuraDay{{Day: day, Sleep: &sleep, Readiness: &ready}}})
		if err != nil && !refused(err) {
			return "", err
		}
	}
	after, err := m.ledger()
	if err != nil {
		return "", err
	}
	today = m.today()
	for _, e := range after {
		k := e.Kind + " " + e.Source
		if e.Amount > 0 && e.Day.After(today) {
			return fmt.Sprintf("XP award %s of %d credited to %s, after today %s", k, e.Amount, e.Day, today), nil
		}
		if recordsFact && e.Amount > m.high[k] && (e.Day.Before(today.Add(-domain.XPWindowDays)) || e.Day.After(today)) {
			return fmt.Sprintf("XP award %s of %d for %s, outside the XP window of %s", k, e.Amount, e.Day, today), nil
		}
		if e.Kind == "habit_day" && e.Amount > 0 {
			habit, _, _ := strings.Cut(e.Source, ":")
			id, _ := strconv.ParseInt(habit, 10, 64)
			if !m.limitDays[id][e.Day] {
				return fmt.Sprintf("kept-day XP award %s of %d for %s, a day habit %d was not an active limit habit", k, e.Amount, e.Day, id), nil
			}
		}
	}
	if err := m.noteLedger(); err != nil {
		return "", err
	}
	if checkIn != nil {
		gained := kindXP(after, "check_in") + kindXP(after, "check_in_day") - kindXP(before, "check_in") - kindXP(before, "check_in_day")
		switch {
		case qty == 0 && m.variants[op.A%len(m.variants)] == 2:
			return "check-in with quantity 0 was accepted", nil
		case dayHadCheckIn && gained > 0:
			return fmt.Sprintf("a second check-in of the day earned %d XP", gained), nil
		case outsideWindow && gained > 0:
			return fmt.Sprintf("a check-in outside the habit's window earned %d XP", gained), nil
		}
	}
	return m.invariants()
}

// checkInsOf counts a habit's stored own check-ins of day that count
// (inside its window, with a quantity where it needs one).
func (m *modelRun) checkInsOf(slug string, day domain.Day) (int, error) {
	h, err := m.svc.Habit(m.ctx, "kid", slug)
	if err != nil {
		return 0, err
	}
	cs, err := m.store.CheckIns(m.ctx, h.Value.ID, day, day)
	n := 0
	for _, c := range cs {
		// An imported check-in paid nothing: the day may still pay once.
		if h.Value.Counts(c, berlin) && c.Source != domain.SourceImport {
			n++
		}
	}
	return n, err
}

// invariants checks what must hold after every step.
func (m *modelRun) invariants() (string, error) {
	rep, err := m.svc.Verify(m.ctx)
	if err != nil {
		return "", err
	}
	if len(rep.Differences) > 0 {
		var b strings.Builder
		for _, d := range rep.Differences {
			fmt.Fprintf(&b, "\n\t%s", d)
		}
		return "verify found differences:" + b.String(), nil
	}
	l, err := m.ledger()
	if err != nil {
		return "", err
	}
	perDay := map[domain.Day]int{}
	var credited int64
	for _, e := range l {
		if e.Kind == "achievement" {
			credited += int64(e.Amount) // outside the ceiling (docs/rules.md)
			continue
		}
		perDay[e.Day] += e.Amount
	}
	for _, xp := range perDay {
		credited += int64(min(xp, domain.DailyXPCeiling))
	}
	p, err := m.store.ProgressGet(m.ctx, m.person.ID)
	if err != nil {
		return "", err
	}
	if p.TotalXP != credited {
		return fmt.Sprintf("total XP %d, but the days credit %d with at most %d XP a day", p.TotalXP, credited, domain.DailyXPCeiling), nil
	}
	return "", nil
}

// runModel runs ops on a fresh database and returns the first broken
// invariant with the index of the op that broke it.
func runModel(t testing.TB, start time.Time, ops []modelOp) (int, string) {
	m, err := newModelRun(t, start)
	if err != nil {
		t.Fatalf("model setup: %v", err)
	}
	for i, op := range ops {
		msg, err := m.apply(op)
		if err != nil {
			return i, fmt.Sprintf("%s: unexpected error: %v", op, err)
		}
		if msg != "" {
			return i, msg
		}
	}
	return -1, ""
}

// shrink drops ops one at a time while the sequence still fails.
func shrink(t testing.TB, start time.Time, ops []modelOp) ([]modelOp, string) {
	i, msg := runModel(t, start, ops)
	ops = ops[:i+1]
	for changed := true; changed; {
		changed = false
		for j := len(ops) - 1; j >= 0 && len(ops) > 1; j-- {
			cand := append(append([]modelOp{}, ops[:j]...), ops[j+1:]...)
			if k, m := runModel(t, start, cand); k >= 0 {
				ops, msg, changed = cand[:k+1], m, true
				if j > len(ops) {
					j = len(ops)
				}
			}
		}
	}
	return ops, msg
}

func checkSeed(t *testing.T, seed uint64, n int) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	start := modelStarts[seed%uint64(len(modelStarts))]
	ops := genOps(r, n)
	if i, _ := runModel(t, start, ops); i < 0 {
		return
	}
	small, msg := shrink(t, start, ops)
	var b strings.Builder
	for _, op := range small {
		fmt.Fprintf(&b, "\n\t%s", op)
	}
	t.Fatalf("seed %d (LIFEOPS_MODEL_SEED=%d) starting %s: %s\nminimal sequence (%d of %d ops):%s",
		seed, seed, start.Format(time.RFC3339), msg, len(small), len(ops), b.String())
}

// TestLifeModelFound replays minimal sequences the model test found, so
// each stays fixed whatever the random sequences come to walk.
func TestLifeModelFound(t *testing.T) {
	t.Parallel()
	for name, ops := range map[string][]modelOp{
		// A habit redefined while archived kept the days judged by its
		// old definition; they are judged again by the new one now.
		"redefined while archived": {{Kind: opImport, A: 3, B: 5}, {Kind: opArchive, A: 3}, {Kind: opRedefine, A: 3, B: 2}, {Kind: opUnarchive, A: 5}},
	} {
		if i, msg := runModel(t, modelStarts[0], ops); i >= 0 {
			t.Errorf("%s: step %d (%s): %s", name, i, ops[i], msg)
		}
	}
}

// TestLifeModel runs a fixed budget of random sequences (make test).
func TestLifeModel(t *testing.T) {
	runs, length := 12, 40
	if s := os.Getenv("LIFEOPS_MODEL_RUNS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			runs = n
		}
	}
	if s := os.Getenv("LIFEOPS_MODEL_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LIFEOPS_MODEL_SEED: %v", err)
		}
		checkSeed(t, seed, length)
		return
	}
	for seed := range uint64(runs) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			checkSeed(t, seed+1, length)
		})
	}
}

// FuzzLifeModel is the open-ended form: `make fuzz` feeds it new seeds.
func FuzzLifeModel(f *testing.F) {
	f.Add(uint64(1001)) // TestLifeModel covers seeds 1 to 12 already
	f.Fuzz(func(t *testing.T, seed uint64) { checkSeed(t, seed, 40) })
}

// loopExport is a Loop Habit Tracker export of one daily yes/no habit done
// on the days days up to last.
func loopExport(name string, last domain.Day, days int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	write := func(file, body string) {
		w, err := zw.Create(file)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			panic(err)
		}
	}
	write("Habits.csv", "Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,Color,Unit,Target Type,Target Value,Archived?\n"+
		"1,"+name+",YES_NO,,,1,1,#ff0000,,,,false\n")
	var marks strings.Builder
	marks.WriteString("Date,Value,Notes\n")
	for d := last; !d.Before(last.Add(1 - days)); d = d.Add(-1) {
		fmt.Fprintf(&marks, "%s,YES_MANUAL,\n", d)
	}
	write("001 "+name+"/Checkmarks.csv", marks.String())
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
