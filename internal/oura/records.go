package oura

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Typed views of Oura documents. Fields Oura's schema marks optional, and
// fields the recordings show missing or null although the schema requires
// them, are pointers; unknown fields are ignored. Oura's timestamps carry an
// offset and parse into time.Time; days stay "YYYY-MM-DD" strings because
// they are the person's local calendar days.

// Sample is a regularly spaced series (heart rate, HRV, MET, motion).
type Sample struct {
	Interval  float64    `json:"interval"` // seconds between items
	Items     []*float64 `json:"items"`    // nil: no reading
	Timestamp time.Time  `json:"timestamp"`
}

// SleepContributors are the sub-scores of a daily sleep score.
type SleepContributors struct {
	DeepSleep   *int `json:"deep_sleep"`
	Efficiency  *int `json:"efficiency"`
	Latency     *int `json:"latency"`
	REMSleep    *int `json:"rem_sleep"`
	Restfulness *int `json:"restfulness"`
	Timing      *int `json:"timing"`
	TotalSleep  *int `json:"total_sleep"`
}

// DailySleepDoc is a daily_sleep document.
type DailySleepDoc struct {
	ID           string            `json:"id"`
	Day          string            `json:"day"`
	Score        *int              `json:"score"`
	Contributors SleepContributors `json:"contributors"`
	Timestamp    time.Time         `json:"timestamp"`
}

// ReadinessContributors are the sub-scores of a readiness score.
type ReadinessContributors struct {
	ActivityBalance     *int `json:"activity_balance"`
	BodyTemperature     *int `json:"body_temperature"`
	HRVBalance          *int `json:"hrv_balance"`
	PreviousDayActivity *int `json:"previous_day_activity"`
	PreviousNight       *int `json:"previous_night"`
	RecoveryIndex       *int `json:"recovery_index"`
	RestingHeartRate    *int `json:"resting_heart_rate"`
	SleepBalance        *int `json:"sleep_balance"`
	SleepRegularity     *int `json:"sleep_regularity"`
}

// DailyReadinessDoc is a daily_readiness document.
type DailyReadinessDoc struct {
	ID                        string                `json:"id"`
	Day                       string                `json:"day"`
	Score                     *int                  `json:"score"`
	Contributors              ReadinessContributors `json:"contributors"`
	TemperatureDeviation      *float64              `json:"temperature_deviation"`
	TemperatureTrendDeviation *float64              `json:"temperature_trend_deviation"`
	Timestamp                 time.Time             `json:"timestamp"`
}

// ActivityContributors are the sub-scores of an activity score.
type ActivityContributors struct {
	MeetDailyTargets  *int `json:"meet_daily_targets"`
	MoveEveryHour     *int `json:"move_every_hour"`
	RecoveryTime      *int `json:"recovery_time"`
	StayActive        *int `json:"stay_active"`
	TrainingFrequency *int `json:"training_frequency"`
	TrainingVolume    *int `json:"training_volume"`
}

// DailyActivityDoc is a daily_activity document. Times are seconds,
// distances metres, MET-minutes unitless.
type DailyActivityDoc struct {
	ID                        string               `json:"id"`
	Day                       string               `json:"day"`
	Score                     *int                 `json:"score"`
	Steps                     int                  `json:"steps"`
	ActiveCalories            int                  `json:"active_calories"`
	TotalCalories             int                  `json:"total_calories"`
	TargetCalories            int                  `json:"target_calories"`
	TargetMeters              int                  `json:"target_meters"`
	MetersToTarget            int                  `json:"meters_to_target"`
	EquivalentWalkingDistance int                  `json:"equivalent_walking_distance"`
	HighActivityMETMinutes    int                  `json:"high_activity_met_minutes"`
	HighActivityTime          int                  `json:"high_activity_time"`
	MediumActivityMETMinutes  int                  `json:"medium_activity_met_minutes"`
	MediumActivityTime        int                  `json:"medium_activity_time"`
	LowActivityMETMinutes     int                  `json:"low_activity_met_minutes"`
	LowActivityTime           int                  `json:"low_activity_time"`
	SedentaryMETMinutes       int                  `json:"sedentary_met_minutes"`
	SedentaryTime             int                  `json:"sedentary_time"`
	RestingTime               int                  `json:"resting_time"`
	NonWearTime               int                  `json:"non_wear_time"`
	InactivityAlerts          int                  `json:"inactivity_alerts"`
	AverageMETMinutes         float64              `json:"average_met_minutes"`
	MET                       *Sample              `json:"met"`
	Class5Min                 *string              `json:"class_5_min"` // one char per 5 min: 0 non-wear … 5 high
	Contributors              ActivityContributors `json:"contributors"`
	Timestamp                 time.Time            `json:"timestamp"`
}

// Sleep period types.
const (
	SleepTypeDeleted   = "deleted"
	SleepTypeSleep     = "sleep"
	SleepTypeLateNap   = "late_nap"
	SleepTypeLongSleep = "long_sleep"
	SleepTypeRest      = "rest"
)

// SleepPeriodDoc is a sleep document: one period, several per day. Durations
// are seconds.
type SleepPeriodDoc struct {
	ID                  string             `json:"id"`
	Day                 string             `json:"day"`
	Type                *string            `json:"type"`
	Period              int                `json:"period"`
	BedtimeStart        time.Time          `json:"bedtime_start"`
	BedtimeEnd          time.Time          `json:"bedtime_end"`
	TimeInBed           int                `json:"time_in_bed"`
	TotalSleepDuration  *int               `json:"total_sleep_duration"`
	DeepSleepDuration   *int               `json:"deep_sleep_duration"`
	LightSleepDuration  *int               `json:"light_sleep_duration"`
	REMSleepDuration    *int               `json:"rem_sleep_duration"`
	AwakeTime           *int               `json:"awake_time"`
	Efficiency          *int               `json:"efficiency"`
	Latency             *int               `json:"latency"`
	AverageHeartRate    *float64           `json:"average_heart_rate"`
	LowestHeartRate     *int               `json:"lowest_heart_rate"`
	AverageHRV          *int               `json:"average_hrv"`
	AverageBreath       *float64           `json:"average_breath"`
	RestlessPeriods     *int               `json:"restless_periods"`
	LowBatteryAlert     bool               `json:"low_battery_alert"`
	HeartRate           *Sample            `json:"heart_rate"`
	HRV                 *Sample            `json:"hrv"`
	Readiness           *EmbeddedReadiness `json:"readiness"`
	ReadinessScoreDelta *float64           `json:"readiness_score_delta"`
	SleepScoreDelta     *float64           `json:"sleep_score_delta"`
}

// EmbeddedReadiness is the readiness summary inside a sleep period.
type EmbeddedReadiness struct {
	Score                     *int                  `json:"score"`
	Contributors              ReadinessContributors `json:"contributors"`
	TemperatureDeviation      *float64              `json:"temperature_deviation"`
	TemperatureTrendDeviation *float64              `json:"temperature_trend_deviation"`
}

// asleep is the period's sleep length for choosing the main one: total
// sleep when known, else time in bed.
func (s SleepPeriodDoc) asleep() int {
	if s.TotalSleepDuration != nil {
		return *s.TotalSleepDuration
	}
	return s.TimeInBed
}

// MainSleep picks "last night" for day: the long_sleep period, else the
// longest period. Periods the person deleted or rejected (rest) never count.
// ok is false when day has no countable period ("sleep not in yet").
func MainSleep(periods []SleepPeriodDoc, day string) (main SleepPeriodDoc, ok bool) {
	var best *SleepPeriodDoc
	better := func(a, b *SleepPeriodDoc) bool { // is a better than b?
		if b == nil {
			return true
		}
		aLong, bLong := a.Type != nil && *a.Type == SleepTypeLongSleep, b.Type != nil && *b.Type == SleepTypeLongSleep
		if aLong != bLong {
			return aLong
		}
		return a.asleep() > b.asleep()
	}
	for i := range periods {
		p := &periods[i]
		if p.Day != day || (p.Type != nil && (*p.Type == SleepTypeDeleted || *p.Type == SleepTypeRest)) {
			continue
		}
		if better(p, best) {
			best = p
		}
	}
	if best == nil {
		return SleepPeriodDoc{}, false
	}
	return *best, true
}

// WorkoutDoc is a workout document.
type WorkoutDoc struct {
	ID            string    `json:"id"`
	Day           string    `json:"day"`
	Activity      string    `json:"activity"`
	Intensity     string    `json:"intensity"` // easy, moderate, hard
	Source        string    `json:"source"`    // manual, autodetected, confirmed, workout_heart_rate
	StartDatetime time.Time `json:"start_datetime"`
	EndDatetime   time.Time `json:"end_datetime"`
	Calories      *float64  `json:"calories"`
	Distance      *float64  `json:"distance"` // metres
	Label         *string   `json:"label"`
}

// SessionDoc is a guided or unguided session (meditation, breathing, …).
type SessionDoc struct {
	ID                   string    `json:"id"`
	Day                  string    `json:"day"`
	Type                 string    `json:"type"`
	StartDatetime        time.Time `json:"start_datetime"`
	EndDatetime          time.Time `json:"end_datetime"`
	Mood                 *string   `json:"mood"`
	HeartRate            *Sample   `json:"heart_rate"`
	HeartRateVariability *Sample   `json:"heart_rate_variability"`
	MotionCount          *Sample   `json:"motion_count"`
}

// DailyStressDoc is a daily_stress document; durations are seconds.
type DailyStressDoc struct {
	ID           string  `json:"id"`
	Day          string  `json:"day"`
	StressHigh   *int    `json:"stress_high"`
	RecoveryHigh *int    `json:"recovery_high"`
	DaySummary   *string `json:"day_summary"` // restored, normal, stressful
}

// ResilienceContributors are the inputs of a resilience level.
type ResilienceContributors struct {
	SleepRecovery   *float64 `json:"sleep_recovery"`
	DaytimeRecovery *float64 `json:"daytime_recovery"`
	Stress          *float64 `json:"stress"`
}

// DailyResilienceDoc is a daily_resilience document.
type DailyResilienceDoc struct {
	ID           string                 `json:"id"`
	Day          string                 `json:"day"`
	Level        string                 `json:"level"` // limited, adequate, solid, strong, exceptional
	Contributors ResilienceContributors `json:"contributors"`
}

// DailySpO2Doc is a daily_spo2 document.
type DailySpO2Doc struct {
	ID                        string         `json:"id"`
	Day                       string         `json:"day"`
	SpO2Percentage            *SpO2Aggregate `json:"spo2_percentage"`
	BreathingDisturbanceIndex *int           `json:"breathing_disturbance_index"`
}

// SpO2Aggregate is the night's blood-oxygen saturation, in percent.
type SpO2Aggregate struct {
	Average *float64 `json:"average"`
}

// VO2MaxDoc is a vO2_max document.
type VO2MaxDoc struct {
	ID        string    `json:"id"`
	Day       string    `json:"day"`
	Timestamp time.Time `json:"timestamp"`
	VO2Max    *float64  `json:"vo2_max"`
}

// TagDoc is a legacy tag document.
type TagDoc struct {
	ID        string    `json:"id"`
	Day       string    `json:"day"`
	Text      *string   `json:"text"`
	Timestamp time.Time `json:"timestamp"`
	Tags      []string  `json:"tags"`
}

// EnhancedTagDoc is an enhanced_tag document.
type EnhancedTagDoc struct {
	ID          string     `json:"id"`
	StartDay    string     `json:"start_day"`
	StartTime   time.Time  `json:"start_time"`
	EndDay      *string    `json:"end_day"`
	EndTime     *time.Time `json:"end_time"`
	TagTypeCode *string    `json:"tag_type_code"`
	Comment     *string    `json:"comment"`
	CustomName  *string    `json:"custom_name"`
}

// HeartRateDoc is one heart-rate row.
type HeartRateDoc struct {
	BPM       int       `json:"bpm"`
	Source    string    `json:"source"` // awake, workout, rest, sleep, live, session
	Timestamp time.Time `json:"timestamp"`
}

// PersonalInfo is the person's Oura profile.
type PersonalInfo struct {
	ID            string   `json:"id"`
	Age           *int     `json:"age"`
	Weight        *float64 `json:"weight"`
	Height        *float64 `json:"height"`
	BiologicalSex *string  `json:"biological_sex"`
	Email         *string  `json:"email"`
}

// Decode decodes every document into T (one of the *Doc types), in order.
func Decode[T any](docs []Document) ([]T, error) {
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		var v T
		if err := json.Unmarshal(d.Raw, &v); err != nil {
			return nil, fmt.Errorf("decode document %s: %w", d.ID, err)
		}
		out = append(out, v)
	}
	return slices.Clip(out), nil
}
