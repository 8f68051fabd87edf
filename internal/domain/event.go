package domain

import (
	"fmt"
	"time"
)

// EventKind names a domain event.
type EventKind string

// Domain events the app publishes after a commit.
const (
	EventActivityLogged      EventKind = "activity_logged"
	EventCheckIn             EventKind = "check_in"
	EventLevelUp             EventKind = "level_up"
	EventAchievementUnlocked EventKind = "achievement_unlocked"
	EventStreakExtended      EventKind = "streak_extended"
	EventStreakBroken        EventKind = "streak_broken"
	EventStreakMilestone     EventKind = "streak_milestone"
	EventScoreChanged        EventKind = "score_changed"
	// EventPauseChanged says a pause was added, changed or removed: the
	// person's paused days (and the vacation switch) may read differently.
	EventPauseChanged EventKind = "pause_changed"
	// EventDefinitionsChanged says a person, habit or routine was added,
	// changed or removed: what HA shows of the household changes shape. It
	// carries no data.
	EventDefinitionsChanged EventKind = "definitions_changed"
	// EventPersonChanged says something a person's entities show changed
	// (Changed.What names it) that no more specific event announces (a
	// pause has pause_changed): an allocation, a routine item's status, an
	// Oura sync. A zero
	// PersonID means everyone (the household's score weights, a rollover).
	EventPersonChanged EventKind = "person_changed"
	// EventRoutineMissed says the timeline tick marked a routine item
	// missed.
	EventRoutineMissed EventKind = "routine_missed"
	// EventRoutineItemClosed says a person marked a routine item done or
	// skipped: its reminder is no longer wanted.
	EventRoutineItemClosed EventKind = "routine_item_closed"
	// EventConnectionChanged says a connection (Home Assistant, MQTT, Oura)
	// went up or down. It names no person.
	EventConnectionChanged EventKind = "connection_changed"
	// EventTodoChanged says one of a person's to-dos was added, changed,
	// done, reopened or deleted.
	EventTodoChanged EventKind = "todo_changed"
	// EventGoalMilestone says a goal reached one of its milestones (once).
	EventGoalMilestone EventKind = "goal_milestone"
	// EventSensorInterestChanged says which sensors LifeOps reads changed
	// (an evidence rule, a sensor link or a person was added, changed or
	// removed): Interest holds the whole list now. It names no person.
	EventSensorInterestChanged EventKind = "sensor_interest_changed"
)

// Change names what a person_changed event is about.
type Change string

// The changes person_changed names.
const (
	ChangeAllocation    Change = "allocation"
	ChangeRespec        Change = "respec"
	ChangeScoreWeights  Change = "score_weights"
	ChangeMood          Change = "mood"
	ChangeUndo          Change = "undo"
	ChangeRoutineItem   Change = "routine_item"
	ChangeOuraSync      Change = "oura_sync"
	ChangeOuraLink      Change = "oura_link"
	ChangeRollover      Change = "rollover"
	ChangeEvidenceMatch Change = "evidence_match"
)

// Event is something that happened to a person. Exactly the data field that
// belongs to Kind is set (streak events share Streak).
type Event struct {
	Kind        EventKind                `json:"kind"`
	PersonID    int64                    `json:"person_id"`
	At          time.Time                `json:"at"`
	Activity    *ActivityLoggedData      `json:"activity,omitempty"`
	CheckIn     *CheckInData             `json:"check_in,omitempty"`
	LevelUp     *LevelUpData             `json:"level_up,omitempty"`
	Achievement *AchievementUnlockedData `json:"achievement,omitempty"`
	Streak      *StreakData              `json:"streak,omitempty"`
	Score       *ScoreChangedData        `json:"score,omitempty"`
	Pause       *PauseChangedData        `json:"pause,omitempty"`
	Changed     *PersonChangedData       `json:"changed,omitempty"`
	Item        *RoutineItemData         `json:"item,omitempty"`
	Connection  *ConnectionData          `json:"connection,omitempty"`
	Todo        *TodoChangedData         `json:"todo,omitempty"`
	Goal        *GoalMilestoneData       `json:"goal,omitempty"`
	Interest    *SensorInterestData      `json:"interest,omitempty"`
}

// SensorInterestData is the data of sensor_interest_changed: every sensor
// key (an HA entity id, zigbee2mqtt/…, esphome/…) that evidence rules read
// or people link, sorted, each once.
type SensorInterestData struct {
	Sensors []string `json:"sensors"`
}

// GoalMilestoneData is the data of goal_milestone.
type GoalMilestoneData struct {
	GoalID  int64   `json:"goal_id"`
	Name    string  `json:"name"`
	Percent int     `json:"percent"`
	Current float64 `json:"current"`
	Target  float64 `json:"target"`
	XP      int     `json:"xp"`
}

// PauseChangedData is the data of pause_changed: the pause as it is now
// (Removed: as it was before it was deleted).
type PauseChangedData struct {
	PauseID int64       `json:"pause_id"`
	HabitID int64       `json:"habit_id,omitempty"`
	Reason  PauseReason `json:"reason"`
	From    Day         `json:"from"`
	Until   Day         `json:"until,omitzero"`
	Removed bool        `json:"removed,omitempty"`
}

// PersonChangedData is the data of person_changed.
type PersonChangedData struct {
	What Change `json:"what"`
}

// RoutineItemData is the data of routine_missed and routine_item_closed:
// one timeline entry and the status it reached.
type RoutineItemData struct {
	ItemID    int64     `json:"item_id"`
	RoutineID int64     `json:"routine_id"`
	Title     string    `json:"title"`
	Day       Day       `json:"day"`
	Planned   time.Time `json:"planned"`
	Status    string    `json:"status"` // done, skipped, missed
	// Reminded says a reminder of the entry went out, which is now to be
	// taken back.
	Reminded bool `json:"reminded,omitempty"`
}

// ConnectionData is the data of connection_changed.
type ConnectionData struct {
	Name string `json:"name"` // home_assistant, mqtt, oura
	Up   bool   `json:"up"`
}

// ActivityLoggedData is the data of activity_logged.
type ActivityLoggedData struct {
	ActivityID int64   `json:"activity_id"`
	Type       string  `json:"type"`
	Amount     float64 `json:"amount"`
	Unit       Unit    `json:"unit"`
	XP         int     `json:"xp"`
}

// CheckInData is the data of check_in.
type CheckInData struct {
	CheckInID int64     `json:"check_in_id"`
	HabitID   int64     `json:"habit_id"`
	Day       Day       `json:"day"`
	Quantity  float64   `json:"quantity"`
	Status    DayStatus `json:"status"` // the day's status after the check-in
	XP        int       `json:"xp"`
}

// LevelUpData is the data of level_up.
type LevelUpData struct {
	Level   int   `json:"level"`
	TotalXP int64 `json:"total_xp"`
	Points  int   `json:"points"` // stat points granted by this level
}

// AchievementUnlockedData is the data of achievement_unlocked.
type AchievementUnlockedData struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	XP   int    `json:"xp"`
}

// StreakData is the data of the streak events.
type StreakData struct {
	HabitID int64 `json:"habit_id"`
	Day     Day   `json:"day"`
	Current int   `json:"current"`
	Best    int   `json:"best"`
	// Previous is the length before the day (the length lost, for broken).
	Previous  int `json:"previous"`
	Milestone int `json:"milestone,omitempty"`
}

// ScoreChangedData is the data of score_changed.
type ScoreChangedData struct {
	Day         Day    `json:"day"`
	Score       int    `json:"score"`
	Previous    int    `json:"previous"`
	Max         int    `json:"max"`
	Explanation string `json:"explanation"`
}

// TodoChangedData is the data of todo_changed.
type TodoChangedData struct {
	TodoID int64  `json:"todo_id"`
	Change string `json:"change"` // created, updated, completed, reopened or deleted
	Title  string `json:"title"`
	Done   bool   `json:"done"`
	XP     int    `json:"xp"` // XP earned (completed) or given back (reopened, negative)
}

// Validate checks that e carries the data its kind needs and nothing else.
func (e Event) Validate() error {
	set := map[EventKind]bool{
		EventActivityLogged:        e.Activity != nil,
		EventCheckIn:               e.CheckIn != nil,
		EventLevelUp:               e.LevelUp != nil,
		EventAchievementUnlocked:   e.Achievement != nil,
		EventStreakExtended:        e.Streak != nil,
		EventScoreChanged:          e.Score != nil,
		EventPauseChanged:          e.Pause != nil,
		EventPersonChanged:         e.Changed != nil,
		EventRoutineMissed:         e.Item != nil,
		EventConnectionChanged:     e.Connection != nil,
		EventTodoChanged:           e.Todo != nil,
		EventGoalMilestone:         e.Goal != nil,
		EventSensorInterestChanged: e.Interest != nil,
	}
	want := e.Kind
	if want == EventDefinitionsChanged {
		for _, has := range set {
			if has {
				return fmt.Errorf("event %s: %w", e.Kind, Invalid("kind", e.Kind, "carries no data"))
			}
		}
		if e.At.IsZero() {
			return fmt.Errorf("event %s: %w", e.Kind, Invalid("at", nil, "event needs a time"))
		}
		return nil
	}
	if want == EventStreakBroken || want == EventStreakMilestone {
		want = EventStreakExtended
	}
	if want == EventRoutineItemClosed {
		want = EventRoutineMissed
	}
	if _, known := set[want]; !known {
		return Invalid("kind", e.Kind, "is not a known event kind")
	}
	for k, has := range set {
		if has != (k == want) {
			return fmt.Errorf("event %s: %w", e.Kind, Invalid(string(k), nil, "data does not match the kind"))
		}
	}
	// Only these may name no person: the household as a whole.
	everyone := want == EventConnectionChanged || want == EventPersonChanged || want == EventSensorInterestChanged
	if e.PersonID < 0 || (e.PersonID == 0 && !everyone) || e.At.IsZero() {
		return fmt.Errorf("event %s: %w", e.Kind, Invalid("person_id", e.PersonID, "event needs a person and a time"))
	}
	return nil
}

// StreakEvents turns one fold step into the events it raises: streak_extended
// (plus streak_milestone at a milestone) or streak_broken. before is the state
// before the step, after the state Advance returned.
func StreakEvents(personID, habitID int64, at time.Time, before, after StreakState) []Event {
	data := func() *StreakData {
		return &StreakData{HabitID: habitID, Day: after.LastDay, Current: after.Current, Best: after.Best, Previous: before.Current}
	}
	var out []Event
	switch after.Last {
	case StreakExtended:
		out = append(out, Event{Kind: EventStreakExtended, PersonID: personID, At: at, Streak: data()})
		if after.Milestone > 0 {
			d := data()
			d.Milestone = after.Milestone
			out = append(out, Event{Kind: EventStreakMilestone, PersonID: personID, At: at, Streak: d})
		}
	case StreakBroken:
		out = append(out, Event{Kind: EventStreakBroken, PersonID: personID, At: at, Streak: data()})
	}
	return out
}
