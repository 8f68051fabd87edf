package domain

import "time"

// Mood values run from MinMood (awful) to MaxMood (great).
const (
	MinMood = 1
	MaxMood = 9
)

// Mood is one logged mood.
type Mood struct {
	ID       int64
	PersonID int64
	Value    int
	Note     string
	At       time.Time
	Source   Source
}

// ValidateMood checks a mood about to be logged at now.
func ValidateMood(m Mood, now time.Time) error {
	var v ValidationError
	if m.Value < MinMood || m.Value > MaxMood {
		v.Add("value", m.Value, "must be 1 to 9")
	}
	validateNote(&v, m.Note)
	validateAt(&v, m.At, now)
	if m.Source != "" && !m.Source.Valid() {
		v.Add("source", m.Source, "must be one of manual, ha, sensor, oura, api")
	}
	return v.Err()
}
