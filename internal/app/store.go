package app

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// ErrUnavailable wraps a storage error that is not the request's fault and
// may pass: the database stayed unreachable through the store's retries, or
// the connection was lost while a commit was on its way, so whether it
// happened is unknown. Adapters answer it as "try again" (HTTP 503 with
// Retry-After); a write retried with its idempotency key is applied once.
var ErrUnavailable = errors.New("storage temporarily unavailable")

// Store is the storage the use cases need. Every method of the Store handed
// to InTx's function runs inside that one transaction; retrying a
// serialization failure, a deadlock or a lost connection is the
// implementation's job, so fn may run more than once and must not have side
// effects outside tx.
type Store interface {
	InTx(ctx context.Context, fn func(tx Store) error) error
	PersonStore
	HabitStore
	CheckInStore
	ActivityStore
	ProgressStore
	MoodStore
	ScoreStore
	AchievementStore
	CharacterStore
	RoutineStore
	TodoStore
	EvidenceStore
	CatalogStore
	OuraStore
	AuditStore
	ActionResultStore
	GoalStore
	ImportStore
	ExportStore
	ChangeStore
}

// ChangeStore reads, in one round trip, what re-deriving a person's day
// after a change of it reads (afterChange): the day's score sources and
// the score stored for it, the achievement sources and the person's goals.
// A check-in or a button press pays one round trip for them instead of four.
type ChangeStore interface {
	ChangeSources(ctx context.Context, personID int64, q ChangeQuery) (ChangeSources, error)
}

// ChangeQuery says which days ChangeSources reads.
type ChangeQuery struct {
	Day        domain.Day // the changed day: its score, habit rows and timeline
	ScoreFrom  domain.Day // the score's history from here to Day
	ScoresFrom domain.Day // the achievements' recent scores, ScoresFrom … ScoresTo
	ScoresTo   domain.Day
	// Progress asks for the person's totals too, locked (FOR UPDATE) before
	// anything else of the batch is read.
	Progress bool
}

// ChangeSources are what ChangeSources read. The score and the
// achievements share one read of the day's habit rows.
type ChangeSources struct {
	Score        ScoreSources
	Stored       PriorScore // the day's score before this change
	Achievements AchievementSources
	Goals        []Versioned[domain.Goal]
	Progress     Progress // when asked (ChangeQuery.Progress)
}

// PriorScore is the score a day had before it is stored again.
type PriorScore struct {
	Score StoredScore
	Had   bool // false: the day had none
}

// PersonStore keeps the household's people.
type PersonStore interface {
	PersonInsert(ctx context.Context, p domain.Person) (domain.Person, error)
	// PersonGet finds a person by id or slug; domain.ErrNotFound when none.
	PersonGet(ctx context.Context, ref string) (Versioned[domain.Person], error)
	PersonList(ctx context.Context) ([]Versioned[domain.Person], error)
	// PersonUpdate writes p when its stored version is still version, and
	// returns the new version; domain.ErrPrecondition when it changed.
	PersonUpdate(ctx context.Context, p domain.Person, version int) (int, error)
	PersonDelete(ctx context.Context, id int64) error
	// PersonMarkDemo flags a person as part of the demo household;
	// PersonDeleteDemo removes every flagged person and returns how many.
	PersonMarkDemo(ctx context.Context, id int64) error
	PersonDeleteDemo(ctx context.Context) (int, error)
}

// Versioned is a stored value with its optimistic-concurrency version (the
// API's ETag).
type Versioned[T any] struct {
	Value   T
	Version int
}

// HabitStore keeps habit definitions, pauses and each habit's day rows.
type HabitStore interface {
	HabitInsert(ctx context.Context, h domain.Habit, slug string) (domain.Habit, error)
	// HabitGet finds a person's habit by id, slug or name. lock takes a
	// row lock, which serialises everything that changes the habit's days.
	HabitGet(ctx context.Context, personID int64, ref string, lock bool) (Versioned[StoredHabit], error)
	HabitList(ctx context.Context, personID int64) ([]Versioned[StoredHabit], error)
	HabitUpdate(ctx context.Context, h StoredHabit, version int) (int, error)
	// HabitArchive retires a habit and removes its day rows from day from
	// on; the days before stay as they were (HabitUnarchive folds on from
	// them).
	HabitArchive(ctx context.Context, id int64, from domain.Day) error
	HabitUnarchive(ctx context.Context, id int64) error
	// HabitLimitSpansPut stores the runs of days on which a habit was an
	// active limit habit (domain.Habit.LimitSpans).
	HabitLimitSpansPut(ctx context.Context, id int64, spans []domain.LimitSpan) error
	// HabitsArchived lists a person's archived habits (without pauses).
	HabitsArchived(ctx context.Context, personID int64) ([]Versioned[StoredHabit], error)
	PauseInsert(ctx context.Context, personID int64, p domain.Pause) (Versioned[domain.Pause], error)
	// PauseGet finds one of a person's pauses; domain.ErrNotFound when none.
	PauseGet(ctx context.Context, personID, id int64) (Versioned[domain.Pause], error)
	// PauseList lists a person's pauses (person-wide and per habit), newest
	// start first.
	PauseList(ctx context.Context, personID int64) ([]Versioned[domain.Pause], error)
	// PauseUpdate writes p when its stored version is still version and
	// returns the new version; domain.ErrPrecondition when it changed.
	PauseUpdate(ctx context.Context, p domain.Pause, version int) (int, error)
	PauseDelete(ctx context.Context, id int64) error
	// PausesEnd ends a person's household-wide pauses of reason from day on
	// (the day itself counts again).
	PausesEnd(ctx context.Context, personID int64, reason domain.PauseReason, day domain.Day) error
	// PauseActive reports whether a person-wide pause of reason covers day.
	PauseActive(ctx context.Context, personID int64, reason domain.PauseReason, day domain.Day) (bool, error)
	// HabitDayBefore is the latest stored day row before day; ok is false when
	// there is none.
	HabitDayBefore(ctx context.Context, habitID int64, day domain.Day) (row HabitDay, ok bool, err error)
	HabitDaysUpsert(ctx context.Context, habitID int64, rows []HabitDay) error
	HabitDays(ctx context.Context, habitID int64, from, to domain.Day) ([]HabitDay, error)
	// HabitDaysOfPerson lists the day rows of all a person's habits on one
	// day, keyed by habit id. An archived habit has closed rows up to the day
	// before it was archived and none after, so it counts on the days it was
	// kept and on no later one.
	HabitDaysOfPerson(ctx context.Context, personID int64, day domain.Day) (map[int64]HabitDay, error)
}

// StoredHabit is a habit with the fields that only storage and the API know.
type StoredHabit struct {
	domain.Habit
	Slug     string
	Archived bool
}

// HabitDay is one day of a habit: its verdict and the streak and strength
// after it (for today, before it: today is still open).
type HabitDay struct {
	Day      domain.Day
	Result   domain.DayResult
	Streak   domain.StreakState
	Strength domain.StrengthState
	Final    bool
}

// CheckInStore keeps check-ins.
// CheckInTarget is what CheckInTarget reads.
type CheckInTarget struct {
	Person Versioned[domain.Person]
	Habit  Versioned[StoredHabit]
	// Prior is the check-in stored with the key, when Replay.
	Prior  domain.CheckIn
	Replay bool
	// The person's totals (locked, as ProgressGet in a transaction) and
	// allocated nodes (as Allocations).
	Progress Progress
	Nodes    []string
}

type CheckInStore interface {
	// CheckInInsert records c. The insert may wait for the transaction's
	// next statement: c's ID and Recorded are filled in once that was sent,
	// and not read before (a conflict on key fails that statement).
	CheckInInsert(ctx context.Context, c *domain.CheckIn, day domain.Day, key string) error
	CheckInByKey(ctx context.Context, personID int64, key string) (domain.CheckIn, bool, error)
	// CheckInTarget reads what a check-in starts from: the person (as
	// PersonGet), their habit habitRef locked (as HabitGet with lock),
	// when key is not empty the check-in stored with that idempotency key,
	// and the person's totals and nodes.
	CheckInTarget(ctx context.Context, personRef, habitRef, key string) (CheckInTarget, error)
	CheckInGet(ctx context.Context, personID, id int64) (domain.CheckIn, error)
	CheckInDelete(ctx context.Context, id int64) error
	CheckIns(ctx context.Context, habitID int64, from, to domain.Day) ([]domain.CheckIn, error)
	// FoldSources reads, in one round trip, what folding a habit's days
	// from … to reads besides the day rows: its check-ins from checkInsFrom
	// on (CheckIns), the days paid per check-in (CheckInDaysPaidPerCheckIn),
	// the person's current awards of the given sources of kinds, and what
	// each day from … to earned (XPDayTotal).
	FoldSources(ctx context.Context, personID, habitID int64, checkInsFrom, from, to domain.Day, kinds, sources []string) (FoldSources, error)
	// HabitFold reads, in one round trip, the latest day row before
	// rowsFrom (HabitDayBefore), the rows from rowsFrom to to (HabitDays)
	// and what FoldSources reads.
	HabitFold(ctx context.Context, personID, habitID int64, rowsFrom, checkInsFrom, from, to domain.Day, kinds, sources []string) (HabitFold, error)
	// CheckInPage lists a person's check-ins newest recorded first (by id),
	// filtered by q.
	CheckInPage(ctx context.Context, personID int64, q CheckInQuery) ([]domain.CheckIn, error)
}

// CheckInQuery selects a page of check-ins: of one habit (0: every habit),
// on days from From to To (zero: unbounded), recorded before the check-in
// Before (0: from the newest), at most Limit.
type CheckInQuery struct {
	HabitID  int64
	From, To domain.Day
	Before   int64
	Limit    int
}

// ActivityStore keeps logged activities and custom activity types.
type ActivityStore interface {
	ActivityInsert(ctx context.Context, a domain.Activity, day domain.Day, key, externalID string) (domain.Activity, error)
	ActivityByKey(ctx context.Context, personID int64, key string) (domain.Activity, bool, error)
	ActivityGet(ctx context.Context, personID, id int64) (domain.Activity, error)
	ActivityDelete(ctx context.Context, id int64) error
	// ActivitiesOfDay lists a person's activities of one type (every type
	// when typ is empty) on one day, in the order they happened.
	ActivitiesOfDay(ctx context.Context, personID int64, day domain.Day, typ string) ([]domain.Activity, error)
	ActivitySetXP(ctx context.Context, id int64, xp int) error
	// ActivityPage lists activities newest first, after the cursor id.
	ActivityPage(ctx context.Context, personID int64, before int64, limit int) ([]domain.Activity, error)
	ActivityTypesCustom(ctx context.Context) ([]domain.ActivityType, error)
	ActivityTypeInsert(ctx context.Context, t domain.ActivityType) error
	// ActivityTypeNames lists the household's own names for activity types.
	ActivityTypeNames(ctx context.Context) ([]domain.TypeNames, error)
	// ActivityTypeNamesPut stores (replaces) the names of one type.
	ActivityTypeNamesPut(ctx context.Context, n domain.TypeNames) error
}

// ProgressStore keeps the XP ledger and the running totals derived from it.
type ProgressStore interface {
	// XPAward records an award once per (kind, source); it returns false
	// when that award was already there.
	// earned is what the day's awards earned before this one, achievements
	// left out (XPDayTotal as it was), read in the same statement.
	XPAward(ctx context.Context, personID int64, day domain.Day, kind, source string, amount int) (added bool, earned int, err error)
	// XPAdd records an award the caller knows is new, without an answer:
	// in a transaction it goes with the next statement, and an award that
	// was there already fails the transaction.
	XPAdd(ctx context.Context, personID int64, day domain.Day, kind, source string, amount int) error
	// XPRevoke deletes an award and returns its amount (0 when absent) and
	// day.
	XPRevoke(ctx context.Context, personID int64, kind, source string) (int, domain.Day, error)
	// XPDayTotal is what a person's awards of one day earned, before the
	// daily ceiling, achievements left out (they stand outside it).
	XPDayTotal(ctx context.Context, personID int64, day domain.Day) (int, error)
	// ProgressGet locks and reads a person's totals.
	ProgressGet(ctx context.Context, personID int64) (Progress, error)
	ProgressPut(ctx context.Context, personID int64, p Progress) error
}

// Progress is a person's running totals; everything in it can be
// recomputed from the facts (lifeops verify does).
type Progress struct {
	TotalXP         int64
	CheckIns        int64
	Activities      int64
	MoodLogs        int64
	PerfectDays     int64
	ActivityCounts  map[string]int64
	ActivityAmounts map[string]float64
	LongestStreak   int
	// Growth is passive stat growth summed over all days (character order:
	// STR INT WIS STA CHA LCK).
	Growth character.StatValues
}

// Clone returns a copy of p that shares no maps with it.
func (p Progress) Clone() Progress {
	p.ActivityCounts = maps.Clone(p.ActivityCounts)
	p.ActivityAmounts = maps.Clone(p.ActivityAmounts)
	return p
}

// MoodStore keeps mood check-ins.
type MoodStore interface {
	MoodInsert(ctx context.Context, m domain.Mood, day domain.Day, key string) (domain.Mood, bool, error)
	MoodLatest(ctx context.Context, personID int64, day domain.Day) (domain.Mood, bool, error)
	// MoodPage lists a person's moods on days from from to to (zero:
	// unbounded), newest recorded first, before the mood id before (0: from
	// the newest), at most limit.
	MoodPage(ctx context.Context, personID int64, from, to domain.Day, before int64, limit int) ([]domain.Mood, error)
}

// ScoreStore keeps daily scores and the daily biometrics they read.
type ScoreStore interface {
	ScoreGet(ctx context.Context, personID int64, day domain.Day) (StoredScore, bool, error)
	// ScorePut stores a day's score and answers the one it replaced (had
	// false when the day had none), in one statement.
	ScorePut(ctx context.Context, personID int64, s StoredScore) (prev StoredScore, had bool, err error)
	// ScoreSet stores a day's score when the one it replaces was read
	// before (ChangeSources): nothing is answered, so the write may wait for
	// the transaction's next statement.
	ScoreSet(ctx context.Context, personID int64, s StoredScore) error
	ScoreHistory(ctx context.Context, personID int64, from, to domain.Day) ([]StoredScore, error)
	// ScoreLastFinal is the latest day whose score is final for everyone
	// (the earliest of each person's latest final day); zero when none.
	ScoreLastFinal(ctx context.Context) (domain.Day, error)
	Biometrics(ctx context.Context, personID int64, from, to domain.Day) ([]Biometrics, error)
	BiometricsPut(ctx context.Context, personID int64, b Biometrics) error
	HouseholdWeights(ctx context.Context) (domain.ScoreWeights, error)
	HouseholdWeightsPut(ctx context.Context, w domain.ScoreWeights) error
	// ScoreSources reads everything a person's score of day is computed
	// from, with the history from from on, in one round trip.
	ScoreSources(ctx context.Context, personID int64, from, day domain.Day) (ScoreSources, error)
}

// ScoreSources are the facts one day's score is computed from.
type ScoreSources struct {
	Biometrics  []Biometrics                      // from … day, oldest first
	CustomTypes []domain.ActivityType             // the household's own activity types
	Amounts     map[domain.Day]map[string]float64 // activity amounts by day and type, from … day
	HabitDays   map[int64]HabitDay                // the day's row of each live habit, by habit id
	Timeline    []TimelineEntry                   // the day's timeline
	Mood        *domain.Mood                      // the day's latest mood; nil when none
	Weights     domain.ScoreWeights
}

// StoredScore is one person-day's Daily Life Score.
type StoredScore struct {
	Day   domain.Day
	Score domain.DayScore
	Final bool
}

// Biometrics are one day's numbers from a ring or typed in.
type Biometrics struct {
	Day       domain.Day
	Sleep     *float64
	Readiness *float64
	Activity  *float64
	SleepEnd  *time.Time
	// UpdatedAt is when the numbers last changed (zero on write: now); numbers
	// that arrive or change too long after their day pay no XP (PaysXP).
	UpdatedAt time.Time
}

// AchievementStore keeps unlocks and household-defined achievements.
type AchievementStore interface {
	AchievementsUnlocked(ctx context.Context, personID int64) (map[string]time.Time, error)
	// AchievementUnlock records an unlock once; fromHistory marks one that
	// only imported history made hold (it paid no XP).
	AchievementUnlock(ctx context.Context, personID int64, key string, at time.Time, fromHistory bool) (bool, error)
	// AchievementsFromHistory lists the keys a person unlocked from history.
	AchievementsFromHistory(ctx context.Context, personID int64) (map[string]bool, error)
	AchievementsCustom(ctx context.Context) ([]domain.Achievement, error)
	// AchievementSources reads what achievement conditions read besides
	// the running totals, in one round trip: the scores are those of
	// scoresFrom … scoresTo, the habit rows those of today.
	AchievementSources(ctx context.Context, personID int64, today, scoresFrom, scoresTo domain.Day) (AchievementSources, error)
	// OwnHistory reads, in one round trip, what an unlock folds again
	// without imported check-ins: the person's archived habits with the
	// last day each has a row for before before, every check-in of the
	// person on days up to to, and the XP ledger.
	OwnHistory(ctx context.Context, personID int64, before, to domain.Day) (OwnHistory, error)
}

// OwnHistory is what OwnHistory reads.
type OwnHistory struct {
	Archived []Versioned[StoredHabit]
	LastDay  map[int64]domain.Day // an archived habit's last row before the day asked
	// CheckIns are each habit's check-ins by id, oldest first (at, id),
	// with the day each counts on.
	CheckIns map[int64][]DatedCheckIn
	Ledger   []XPEntry
}

// DatedCheckIn is a check-in with the day it counts on.
type DatedCheckIn struct {
	domain.CheckIn
	Day domain.Day
}

// AchievementSources are what achievement conditions read besides a
// person's running totals.
type AchievementSources struct {
	Custom    []domain.Achievement // the household's own achievements
	Unlocked  map[string]time.Time // the person's unlocks
	HabitDays map[int64]HabitDay   // today's row of each live habit, by habit id
	Scores    []StoredScore        // the recent days' stored scores, oldest first
}

// CharacterStore keeps stat-tree allocations and growth.
type CharacterStore interface {
	Allocations(ctx context.Context, personID int64) ([]string, error)
	AllocationInsert(ctx context.Context, personID int64, node string, at time.Time) error
	AllocationsClear(ctx context.Context, personID int64) error
	LastRespec(ctx context.Context, personID int64) (time.Time, error)
	RespecInsert(ctx context.Context, personID int64, at time.Time, refunded int) error
	// GrowthDay reads (and GrowthDayPut writes) one day's stat growth.
	GrowthDay(ctx context.Context, personID int64, day domain.Day) (character.StatValues, error)
	GrowthDayPut(ctx context.Context, personID int64, day domain.Day, g character.StatValues) error
}

// FoldSources are what folding a habit's days reads besides its day rows.
type FoldSources struct {
	CheckIns []domain.CheckIn
	Paid     map[domain.Day]bool
	// Awards is the person's award of each asked source that has one,
	// keyed by AwardKey(kind, source).
	Awards map[string]int
	// Earned is what each day of the fold earned (XPDayTotal); a day
	// without awards is missing.
	Earned map[domain.Day]int
}

// HabitFold is what HabitFold reads: the row before rowsFrom (when OK),
// the rows from rowsFrom on, and the fold's sources.
type HabitFold struct {
	Before  HabitDay
	OK      bool
	Rows    []HabitDay
	Sources FoldSources
}

// AwardKey keys FoldSources.Awards.
func AwardKey(kind, source string) string { return kind + "\x00" + source }
