package oura

// Collection is the name of an Oura usercollection route, spelled as in the
// URL (note vO2_max's capital O).
type Collection string

// The collections LifeOps reads.
const (
	DailySleep             Collection = "daily_sleep"
	DailyReadiness         Collection = "daily_readiness"
	DailyActivity          Collection = "daily_activity"
	Sleep                  Collection = "sleep" // sleep periods, several per day
	SleepTime              Collection = "sleep_time"
	Workout                Collection = "workout"
	Session                Collection = "session"
	DailyStress            Collection = "daily_stress"
	DailyResilience        Collection = "daily_resilience"
	DailySpO2              Collection = "daily_spo2"
	DailyCardiovascularAge Collection = "daily_cardiovascular_age"
	VO2Max                 Collection = "vO2_max"
	Tag                    Collection = "tag" // legacy, superseded by enhanced_tag
	EnhancedTag            Collection = "enhanced_tag"
	RestModePeriod         Collection = "rest_mode_period"
	RingConfiguration      Collection = "ring_configuration"
	Heartrate              Collection = "heartrate" // time series, datetime range
)

type collectionKind int

const (
	kindUnknown    collectionKind = iota
	kindDaily                     // start_date / end_date, single-document route
	kindTimeSeries                // start_datetime / end_datetime, list only
	kindUndated                   // next_token only
)

func (c Collection) kind() collectionKind {
	switch c {
	case DailySleep, DailyReadiness, DailyActivity, Sleep, SleepTime, Workout, Session, DailyStress,
		DailyResilience, DailySpO2, DailyCardiovascularAge, VO2Max, Tag, EnhancedTag, RestModePeriod:
		return kindDaily
	case Heartrate:
		return kindTimeSeries
	case RingConfiguration:
		return kindUndated
	}
	return kindUnknown
}

// Valid reports whether Oura serves c as a list route this package knows.
func (c Collection) Valid() bool { return c.kind() != kindUnknown }

// DefaultCollections is what a sync fetches unless told otherwise: the daily
// documents behind the Life Score and the character, without the bulky
// heart-rate series.
func DefaultCollections() []Collection {
	return []Collection{
		DailySleep, DailyReadiness, DailyActivity, Sleep, Workout, Session,
		DailyStress, DailyResilience, DailySpO2, VO2Max, EnhancedTag, Tag,
	}
}
