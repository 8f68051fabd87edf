package insight

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Strength is the word an insight's rank correlation earns.
type Strength string

// Strength words by |ρ| (Spearman), after Cohen's conventions for r:
// weak from 0.1, moderate from 0.3, strong from 0.5. Below 0.1 a pair is
// never an insight, whatever its p-value.
const (
	StrengthWeak     Strength = "weak"
	StrengthModerate Strength = "moderate"
	StrengthStrong   Strength = "strong"
)

// Thresholds on |ρ| (documented in docs/insights.md).
const (
	WeakRho     = 0.1
	ModerateRho = 0.3
	StrongRho   = 0.5
)

// StrengthOf is the word for rho; "" below WeakRho.
func StrengthOf(rho float64) Strength {
	switch a := math.Abs(rho); {
	case a >= StrongRho:
		return StrengthStrong
	case a >= ModerateRho:
		return StrengthModerate
	case a >= WeakRho:
		return StrengthWeak
	}
	return ""
}

// Rank orders strength words: weak 1, moderate 2, strong 3, anything else 0.
func (s Strength) Rank() int {
	switch s {
	case StrengthWeak:
		return 1
	case StrengthModerate:
		return 2
	case StrengthStrong:
		return 3
	}
	return 0
}

// ParseStrength reads a strength word; ok is false for anything else.
func ParseStrength(s string) (Strength, bool) {
	st := Strength(s)
	return st, st.Rank() > 0
}

// Point is one paired day: A's value and B's (lag days later).
type Point struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// Insight is a pair of variables whose days go together: A on day d and B on
// day d+Lag, ranked together (Spearman) and held after the false-discovery
// control over every pair tested.
type Insight struct {
	A   Variable `json:"a"`
	B   Variable `json:"b"`
	Lag int      `json:"lag"`
	// Days is the number of paired days.
	Days int     `json:"days"`
	Rho  float64 `json:"rho"`
	P    float64 `json:"p"`
	// Q is the Benjamini–Hochberg adjusted p-value over all pairs tested.
	Q        float64  `json:"q"`
	Strength Strength `json:"strength"`
	// The bottom and top thirds of the paired days by A: A's cut values
	// (bottom: A ≤ Low; top: A ≥ High), how many days each holds and B's
	// mean in each. Difference is B's top-third mean minus its bottom's, in
	// B's unit.
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	LowDays    int     `json:"low_days"`
	HighDays   int     `json:"high_days"`
	LowMean    float64 `json:"low_mean"`
	HighMean   float64 `json:"high_mean"`
	Difference float64 `json:"difference"`
	// Points are the paired days, for a chart.
	Points []Point `json:"-"`
}

// ID names the insight stably: A's key, B's key and the lag.
func (in Insight) ID() string {
	return in.A.Key + "~" + in.B.Key + "~" + strconv.Itoa(in.Lag)
}

// Sentence says the insight in one plain sentence with its numbers. It
// reports what went together, never why.
func (in Insight) Sentence() string {
	when, unitWord := "days", "days"
	if in.A.Night {
		when, unitWord = "nights", "nights"
	}
	dir := "higher"
	if in.Difference < 0 {
		dir = "lower"
	}
	diff := Format(math.Abs(in.Difference), in.B.Unit)
	var b strings.Builder
	// on is where the compared days stand: "on days" or "the day after days".
	on := "on " + when
	if in.Lag > 0 {
		on = "the day after " + when
	}
	switch {
	case in.A.Group == GroupHabit && in.Low == 0 && in.High == 100:
		// A habit done or not: say so rather than quote percentages.
		fmt.Fprintf(&b, "%s you did %s, %s was %s %s than %s you did not",
			upperFirst(on), strings.TrimSuffix(in.A.Name, " (habit done)"), in.B.Name, diff, dir, on)
	case in.A.Group == GroupActivity && in.Low == 0:
		fmt.Fprintf(&b, "%s with %s (%s or more), %s was %s %s than %s without",
			upperFirst(on), in.A.Name, Format(in.High, in.A.Unit), in.B.Name, diff, dir, on)
	case in.Lag == 0:
		fmt.Fprintf(&b, "On %s with %s of %s or more, %s was %s %s than on %s with %s or less",
			when, in.A.Name, Format(in.High, in.A.Unit), in.B.Name, diff, dir, when, Format(in.Low, in.A.Unit))
	default:
		fmt.Fprintf(&b, "The day after %s with %s of %s or more, %s was %s %s than after %s with %s or less",
			when, in.A.Name, Format(in.High, in.A.Unit), in.B.Name, diff, dir, when, Format(in.Low, in.A.Unit))
	}
	fmt.Fprintf(&b, " (%d %s against %d; %s", in.HighDays, unitWord, in.LowDays, in.Strength)
	if in.Lag > 0 {
		fmt.Fprintf(&b, ", lag %d day", in.Lag)
	}
	b.WriteString(").")
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Format writes x with at most one decimal and its unit.
func Format(x float64, unit string) string {
	s := strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
	switch unit {
	case "":
		return s
	case "%":
		return s + "%"
	case "points":
		if s == "1" {
			return "1 point"
		}
	}
	return s + " " + unit
}

// VariableStatus is how far a variable is from being tested.
type VariableStatus struct {
	Variable
	Days    int  `json:"days"`
	Needed  int  `json:"needed"`
	Testing bool `json:"testing"`
}

// Label is "testing (40 days)" or "collecting (12 of 21 days)".
func (v VariableStatus) Label() string {
	if v.Testing {
		return fmt.Sprintf("testing (%d days)", v.Days)
	}
	return fmt.Sprintf("collecting (%d of %d days)", v.Days, v.Needed)
}

// Analysis is what testing one person's table found.
type Analysis struct {
	// Insights hold after the false-discovery control, strongest first.
	Insights []Insight
	// Variables are every variable with how many days it has.
	Variables []VariableStatus
	// Pairs is how many pairs (with their lag) were tested: the family the
	// false-discovery rate is controlled over.
	Pairs   int
	MinDays int
	FDR     float64
}
