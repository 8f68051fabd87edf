package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// MaxImportBytes bounds an uploaded export (and every file inside it).
const MaxImportBytes = 32 << 20

// ImportStore keeps the record of each import, so one can be undone: the
// habits an import created point at it and go with it.
type ImportStore interface {
	ImportInsert(ctx context.Context, personID int64, source string, first domain.Day, summary string) (int64, error)
	ImportHabitLink(ctx context.Context, importID, habitID int64) error
	// ImportGet answers the import's first and last imported day;
	// domain.ErrNotFound when the person has no such import.
	ImportGet(ctx context.Context, personID, id int64) (ImportRecord, error)
	// ImportDelete removes the import and everything it created.
	ImportDelete(ctx context.Context, id int64) error
	// ImportHabits lists the habits an import created.
	ImportHabits(ctx context.Context, id int64) ([]int64, error)
}

// ImportRecord is a stored import.
type ImportRecord struct {
	ID       int64
	PersonID int64
	Source   string
	First    domain.Day
	At       time.Time
}

// FormatError is a malformed file of an import: which file, where, why.
type FormatError struct {
	File   string
	Line   int // 1-based; 0 when the problem is the file as a whole
	Column int // 1-based; 0 when the problem is the whole line
	Reason string
}

func (e *FormatError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Reason)
}

// LoopEntry is one day of a Loop habit.
type LoopEntry struct {
	Day   domain.Day
	Value string  // YES_MANUAL, YES_AUTO, NO, SKIP, UNKNOWN; "" for a numerical habit
	Num   float64 // a numerical habit's amount
	Note  string
}

// LoopHabit is a habit of a Loop Habit Tracker export.
type LoopHabit struct {
	Position    int
	Name        string
	Numerical   bool
	Question    string
	Description string
	Num, Den    int
	Unit        string
	AtMost      bool
	TargetValue float64
	Archived    bool
	Entries     []LoopEntry
}

// LoopExport is a parsed Loop Habit Tracker CSV export.
type LoopExport struct {
	Habits []LoopHabit
	// Scores are Loop's own habit scores (Scores.csv) by habit name and
	// day, for comparison; empty when the export has none.
	Scores map[string]map[domain.Day]float64
}

var loopHabitColumns = []string{"Position", "Name", "Type", "Question", "Description", "FrequencyNumerator",
	"FrequencyDenominator", "Color", "Unit", "Target Type", "Target Value", "Archived?"}

// ParseLoopExport reads the zip Loop Habit Tracker writes: Habits.csv, a
// folder "NNN <name>/" with Checkmarks.csv per habit (NNN its position),
// and root Scores.csv. Anything malformed is a *FormatError naming the
// file, line and column.
func ParseLoopExport(data []byte) (LoopExport, error) {
	var out LoopExport
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return out, &FormatError{File: "upload", Reason: "not a zip file: " + err.Error()}
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "./")] = f
	}
	read := func(name string) ([]byte, error) {
		f := files[name]
		if f.UncompressedSize64 > MaxImportBytes {
			return nil, &FormatError{File: name, Reason: "larger than the import limit"}
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &FormatError{File: name, Reason: err.Error()}
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, MaxImportBytes+1))
		if err != nil {
			return nil, &FormatError{File: name, Reason: err.Error()}
		}
		return b, nil
	}
	if files["Habits.csv"] == nil {
		return out, &FormatError{File: "Habits.csv", Reason: "missing: not a Loop Habit Tracker export"}
	}
	b, err := read("Habits.csv")
	if err != nil {
		return out, err
	}
	rows, err := readCSV("Habits.csv", b)
	if err != nil {
		return out, err
	}
	if len(rows) == 0 {
		return out, &FormatError{File: "Habits.csv", Line: 1, Reason: "empty: want a header line"}
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, want := range loopHabitColumns {
		if _, ok := col[want]; !ok {
			return out, &FormatError{File: "Habits.csv", Line: 1, Reason: fmt.Sprintf("no column %q", want)}
		}
	}
	byPos := map[int]int{}
	for i, r := range rows[1:] {
		line := i + 2
		field := func(name string) (string, int) {
			c := col[name]
			if c >= len(r) {
				return "", c + 1
			}
			return r[c], c + 1
		}
		bad := func(name, reason string) error {
			_, c := field(name)
			return &FormatError{File: "Habits.csv", Line: line, Column: c, Reason: name + ": " + reason}
		}
		atoi := func(name string) (int, error) {
			s, _ := field(name)
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return 0, bad(name, fmt.Sprintf("%q is not a whole number", s))
			}
			return n, nil
		}
		var h LoopHabit
		if h.Position, err = atoi("Position"); err != nil {
			return out, err
		}
		h.Name, _ = field("Name")
		h.Name = strings.TrimSpace(h.Name)
		if h.Name == "" {
			return out, bad("Name", "empty")
		}
		switch t, _ := field("Type"); t {
		case "YES_NO":
		case "NUMERICAL":
			h.Numerical = true
		default:
			return out, bad("Type", fmt.Sprintf("%q: want YES_NO or NUMERICAL", t))
		}
		h.Question, _ = field("Question")
		h.Description, _ = field("Description")
		if h.Num, err = atoi("FrequencyNumerator"); err != nil {
			return out, err
		}
		if h.Den, err = atoi("FrequencyDenominator"); err != nil {
			return out, err
		}
		if h.Num < 1 || h.Den < 1 || h.Num > h.Den {
			return out, bad("FrequencyNumerator", fmt.Sprintf("%d per %d days is not a frequency", h.Num, h.Den))
		}
		h.Unit, _ = field("Unit")
		if h.Numerical {
			switch t, _ := field("Target Type"); t {
			case "AT_LEAST":
			case "AT_MOST":
				h.AtMost = true
			default:
				return out, bad("Target Type", fmt.Sprintf("%q: want AT_LEAST or AT_MOST", t))
			}
			s, _ := field("Target Value")
			if h.TargetValue, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil || !(h.TargetValue > 0) {
				return out, bad("Target Value", fmt.Sprintf("%q is not a number above 0", s))
			}
		}
		switch a, _ := field("Archived?"); strings.ToLower(strings.TrimSpace(a)) {
		case "true":
			h.Archived = true
		case "false", "":
		default:
			return out, bad("Archived?", fmt.Sprintf("%q: want true or false", a))
		}
		if _, dup := byPos[h.Position]; dup {
			return out, bad("Position", fmt.Sprintf("%d appears twice", h.Position))
		}
		byPos[h.Position] = len(out.Habits)
		out.Habits = append(out.Habits, h)
	}

	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		dir, file := path.Split(name)
		if file != "Checkmarks.csv" || dir == "" {
			continue
		}
		folder := strings.TrimSuffix(dir, "/")
		num, _, _ := strings.Cut(folder, " ")
		pos, err := strconv.Atoi(num)
		idx, ok := byPos[pos]
		if err != nil || !ok {
			return out, &FormatError{File: name, Reason: "folder does not start with the position of a habit of Habits.csv"}
		}
		b, err := read(name)
		if err != nil {
			return out, err
		}
		entries, err := parseLoopCheckmarks(name, b, out.Habits[idx].Numerical)
		if err != nil {
			return out, err
		}
		out.Habits[idx].Entries = entries
	}
	if files["Scores.csv"] != nil {
		b, err := read("Scores.csv")
		if err != nil {
			return out, err
		}
		if out.Scores, err = parseLoopScores(b); err != nil {
			return out, err
		}
	}
	return out, nil
}

func readCSV(name string, b []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, &FormatError{File: name, Line: pe.Line, Column: pe.Column, Reason: pe.Err.Error()}
	}
	if err != nil {
		return nil, &FormatError{File: name, Reason: err.Error()}
	}
	return rows, nil
}

func parseLoopCheckmarks(name string, b []byte, numerical bool) ([]LoopEntry, error) {
	rows, err := readCSV(name, b)
	if err != nil {
		return nil, err
	}
	var out []LoopEntry
	seen := map[domain.Day]bool{}
	for i, r := range rows {
		line := i + 1
		if i == 0 && len(r) > 0 && r[0] == "Date" {
			continue
		}
		if len(r) < 2 {
			return nil, &FormatError{File: name, Line: line, Reason: "want Date,Value[,Notes]"}
		}
		d, err := domain.ParseDay(strings.TrimSpace(r[0]))
		if err != nil {
			return nil, &FormatError{File: name, Line: line, Column: 1, Reason: fmt.Sprintf("Date %q: want YYYY-MM-DD", r[0])}
		}
		if seen[d] {
			return nil, &FormatError{File: name, Line: line, Column: 1, Reason: "Date " + d.String() + " appears twice"}
		}
		seen[d] = true
		e := LoopEntry{Day: d}
		if len(r) > 2 {
			e.Note = r[2]
		}
		v := strings.TrimSpace(r[1])
		switch v {
		case "YES_MANUAL", "YES_AUTO", "NO", "SKIP", "UNKNOWN":
			e.Value = v
		default:
			if !numerical {
				return nil, &FormatError{File: name, Line: line, Column: 2, Reason: fmt.Sprintf("Value %q: want YES_MANUAL, YES_AUTO, NO, SKIP or UNKNOWN", v)}
			}
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
				return nil, &FormatError{File: name, Line: line, Column: 2, Reason: fmt.Sprintf("Value %q: want a number of at least 0", v)}
			}
			e.Num = n
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, nil
}

func parseLoopScores(b []byte) (map[string]map[domain.Day]float64, error) {
	const name = "Scores.csv"
	rows, err := readCSV(name, b)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	out := map[string]map[domain.Day]float64{}
	header := rows[0]
	for _, h := range header[1:] {
		out[h] = map[domain.Day]float64{}
	}
	for i, r := range rows[1:] {
		d, err := domain.ParseDay(strings.TrimSpace(r[0]))
		if err != nil {
			return nil, &FormatError{File: name, Line: i + 2, Column: 1, Reason: fmt.Sprintf("Date %q: want YYYY-MM-DD", r[0])}
		}
		for c := 1; c < len(r) && c < len(header); c++ {
			if strings.TrimSpace(r[c]) == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(r[c]), 64)
			if err != nil {
				return nil, &FormatError{File: name, Line: i + 2, Column: c + 1, Reason: fmt.Sprintf("%q is not a number", r[c])}
			}
			out[header[c]][d] = v
		}
	}
	return out, nil
}

// LoopSchedule maps Loop's "num times per den days" to a LifeOps schedule;
// exact is false when LifeOps has no schedule of that frequency and the
// nearest weekly quota stands in.
func LoopSchedule(num, den int) (s domain.Schedule, exact bool) {
	switch {
	case num == den:
		return domain.Schedule{Kind: domain.ScheduleDaily}, true
	case den == 7:
		return domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: num}, true
	case num == 1:
		return domain.Schedule{Kind: domain.ScheduleEveryNDays, Every: den}, true
	case den == 30 || den == 31:
		return domain.Schedule{Kind: domain.ScheduleTimesPerMonth, Times: num}, true
	}
	times := int(math.Round(float64(num) * 7 / float64(den)))
	return domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: max(1, min(7, times))}, false
}

// ImportReport says what an import created (or, in a dry run, would).
type ImportReport struct {
	ImportID int64          `json:"import_id,omitempty"`
	DryRun   bool           `json:"dry_run"`
	Habits   []ImportedItem `json:"habits"`
	CheckIns int            `json:"check_ins"`
	Skipped  []string       `json:"skipped"`
	// Notes are approximations made: schedules without an exact match.
	Notes []string `json:"notes"`
}

// ImportedItem is one habit an import created.
type ImportedItem struct {
	Name     string  `json:"name"`
	Slug     string  `json:"slug"`
	HabitID  int64   `json:"habit_id,omitempty"`
	Days     int     `json:"days"`
	Streak   int     `json:"streak"`
	Strength float64 `json:"strength"`
	Archived bool    `json:"archived,omitempty"`
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// importHabit is a habit of another app, ready to be created: its days are
// check-ins (Qty for an amount) or skipped days.
type importHabit struct {
	Habit    domain.Habit // without ID and PersonID
	Archived bool
	Days     []importDay // ascending
}

type importDay struct {
	Day  domain.Day
	Qty  float64
	Note string
	Skip bool
}

// ImportLoop imports a Loop Habit Tracker export into a person, in one
// transaction: every Loop habit becomes a new habit, each YES_MANUAL day (or
// numerical amount) a check-in marked as imported (domain.SourceImport: it
// builds streaks and strength and pays no XP), each run of SKIP days a
// pause of that habit, notes kept. dryRun does all of it and rolls it back.
func (s *Service) ImportLoop(ctx context.Context, personRef string, data []byte, dryRun bool) (ImportReport, error) {
	exp, err := ParseLoopExport(data)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{DryRun: dryRun, Habits: []ImportedItem{}, Skipped: []string{}, Notes: []string{}}
	var habits []importHabit
	for _, lh := range exp.Habits {
		if lh.AtMost {
			rep.Skipped = append(rep.Skipped, lh.Name+": an at-most (limit) habit; LifeOps pays XP for every kept day of a limit, so its history is not imported")
			continue
		}
		if len(lh.Entries) == 0 {
			rep.Skipped = append(rep.Skipped, lh.Name+": no days recorded")
			continue
		}
		sched, exact := LoopSchedule(lh.Num, lh.Den)
		if !exact {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d times per %d days has no exact LifeOps schedule; imported as %d times a week",
				lh.Name, lh.Num, lh.Den, sched.Times))
		}
		ih := importHabit{Archived: lh.Archived, Habit: domain.Habit{Name: truncate(lh.Name, 80), Kind: domain.HabitPositive, Schedule: sched,
			Target: domain.Target{Kind: domain.TargetCheck}, Start: lh.Entries[0].Day}}
		if lh.Numerical {
			ih.Habit.Target = domain.Target{Kind: domain.TargetAtLeast, Value: lh.TargetValue, Unit: truncate(lh.Unit, 20)}
		}
		for _, e := range lh.Entries {
			switch {
			case e.Value == "SKIP":
				ih.Days = append(ih.Days, importDay{Day: e.Day, Skip: true})
			case lh.Numerical && e.Num > 0:
				ih.Days = append(ih.Days, importDay{Day: e.Day, Qty: e.Num, Note: e.Note})
			case !lh.Numerical && e.Value == "YES_MANUAL":
				ih.Days = append(ih.Days, importDay{Day: e.Day, Note: e.Note})
			}
		}
		habits = append(habits, ih)
	}
	return s.importHabits(ctx, personRef, "loop", habits, rep)
}

// importHabits creates habits of another app with their days in one
// transaction, recorded as one import of source (rep.DryRun: rolled back).
func (s *Service) importHabits(ctx context.Context, personRef, source string, habits []importHabit, rep ImportReport) (ImportReport, error) {
	base := rep
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		rep = base
		rep.Habits = []ImportedItem{}
		rep.Skipped = append([]string{}, base.Skipped...)
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		today := s.today()
		first := today
		for _, ih := range habits {
			if ih.Habit.Start.Before(first) {
				first = ih.Habit.Start
			}
		}
		if rep.ImportID, err = tx.ImportInsert(ctx, p.ID, source, first, fmt.Sprintf("%d habits", len(habits))); err != nil {
			return err
		}
		slugs, err := s.takenSlugs(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		for _, ih := range habits {
			h := ih.Habit
			h.PersonID = p.ID
			if h.Start.After(today) {
				rep.Skipped = append(rep.Skipped, h.Name+": starts in the future")
				continue
			}
			if err := domain.ValidateHabit(h); err != nil {
				return fmt.Errorf("habit %q: %w", h.Name, err)
			}
			slug := uniqueSlug(domain.Slugify(h.Name), slugs)
			created, err := tx.HabitInsert(ctx, h, slug)
			if err != nil {
				return err
			}
			if err := tx.ImportHabitLink(ctx, rep.ImportID, created.ID); err != nil {
				return err
			}
			n := 0
			var skipFrom, skipTo domain.Day
			flushSkip := func() error {
				if skipFrom.IsZero() {
					return nil
				}
				_, err := tx.PauseInsert(ctx, p.ID, domain.Pause{HabitID: created.ID, Reason: domain.PauseRest, From: skipFrom, Until: skipTo})
				skipFrom = domain.Day{}
				return err
			}
			for _, d := range ih.Days {
				if d.Day.After(today) || d.Day.Before(h.Start) {
					continue
				}
				if d.Skip {
					if !skipFrom.IsZero() && skipTo.Add(1) == d.Day {
						skipTo = d.Day
						continue
					}
					if err := flushSkip(); err != nil {
						return err
					}
					skipFrom, skipTo = d.Day, d.Day
					continue
				}
				if err := flushSkip(); err != nil {
					return err
				}
				at := d.Day.Start(s.loc()).Add(12 * time.Hour)
				if err := tx.CheckInInsert(ctx, &domain.CheckIn{HabitID: created.ID, PersonID: p.ID, At: at, Quantity: d.Qty,
					Source: domain.SourceImport, Note: truncate(d.Note, 500)}, d.Day, ""); err != nil {
					return err
				}
				n++
			}
			if err := flushSkip(); err != nil {
				return err
			}
			got, err := tx.HabitGet(ctx, p.ID, sourceID(created.ID), true)
			if err != nil {
				return err
			}
			if err := s.refoldHabit(ctx, tx, got.Value.Habit, created.Start, ev); err != nil {
				return err
			}
			item := ImportedItem{Name: h.Name, Slug: slug, HabitID: created.ID, Days: n, Archived: ih.Archived}
			if last, ok, err := tx.HabitDayBefore(ctx, created.ID, today); err != nil {
				return err
			} else if ok {
				item.Streak, item.Strength = last.Streak.Current, math.Round(last.Strength.Score*1e6)/1e6
			}
			if ih.Archived {
				if err := tx.HabitArchive(ctx, created.ID, today); err != nil {
					return err
				}
			}
			rep.Habits = append(rep.Habits, item)
			rep.CheckIns += n
		}
		// Imported check-ins stay out of the check-in counter, so count
		// achievements are not unlocked by another app's history; history
		// being imported raises no streak events.
		*ev = (*ev)[:0]
		s.changed(ev, p.ID)
		if err := s.rescoreFrom(ctx, tx, p.ID, first, ev); err != nil {
			return err
		}
		if rep.DryRun {
			rep.ImportID = 0
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, err
}

// UndoImport removes one import and everything it created (its habits with
// their check-ins, pauses and days), and nothing else; the scores of the
// days it touched are computed again.
func (s *Service) UndoImport(ctx context.Context, personRef string, id int64) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		rec, err := tx.ImportGet(ctx, p.ID, id)
		if err != nil {
			return err
		}
		// Goals reading a habit of the import go with it, and so does the
		// XP their milestones paid.
		habits, err := tx.ImportHabits(ctx, id)
		if err != nil {
			return err
		}
		goals, err := tx.GoalList(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, g := range goals {
			for _, hid := range habits {
				if g.Value.HabitID == hid {
					if err := s.revokeGoalXP(ctx, tx, p.ID, g.Value.ID, ev); err != nil {
						return err
					}
				}
			}
		}
		if err := tx.ImportDelete(ctx, id); err != nil {
			return err
		}
		s.changed(ev, p.ID)
		from := rec.First
		if from.IsZero() {
			from = s.today()
		}
		return s.rescoreFrom(ctx, tx, p.ID, from, ev)
	})
}

// rescoreFrom computes again every stored score and the day's stat growth
// (streak milestones grow LCK) of the person from day from on, and today's.
func (s *Service) rescoreFrom(ctx context.Context, tx Store, personID int64, from domain.Day, ev *[]domain.Event) error {
	today := s.today()
	scores, err := tx.ScoreHistory(ctx, personID, from, today.Add(-1))
	if err != nil {
		return err
	}
	for _, sc := range scores {
		if err := s.recomputeScore(ctx, tx, personID, sc.Day, ev); err != nil {
			return err
		}
		// A closed day is closed again, as any correction does: the
		// perfect-day mark follows the day's new verdicts.
		if err := s.closeDay(ctx, tx, personID, sc.Day, ev); err != nil {
			return err
		}
	}
	cat, err := s.catalogue(ctx, tx)
	if err != nil {
		return err
	}
	for d := from; !d.After(today); d = d.Add(1) {
		if err := s.regrow(ctx, tx, personID, d, cat); err != nil {
			return err
		}
	}
	return s.afterChange(ctx, tx, personID, today, ev)
}

func (s *Service) takenSlugs(ctx context.Context, tx Store, personID int64) (map[string]bool, error) {
	out := map[string]bool{}
	active, err := tx.HabitList(ctx, personID)
	if err != nil {
		return nil, err
	}
	archived, err := tx.HabitsArchived(ctx, personID)
	if err != nil {
		return nil, err
	}
	for _, h := range append(active, archived...) {
		out[h.Value.Slug] = true
	}
	return out, nil
}

func uniqueSlug(base string, taken map[string]bool) string {
	if !domain.ValidSlug(base) {
		base = "habit"
	}
	slug := base
	for i := 2; taken[slug]; i++ {
		suffix := "_" + strconv.Itoa(i)
		slug = base[:min(len(base), domain.MaxSlugLen-len(suffix))] + suffix
	}
	taken[slug] = true
	return slug
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
