package insights

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
)

var (
	tempVar  = insight.Variable{Key: "sensor.sensor.bedroom_temperature.mean", Name: "bedroom temperature at night (average)", Unit: "°C", Group: insight.GroupSensor, Night: true}
	sleepVar = insight.Variable{Key: "ring.sleep", Name: "sleep score", Unit: "points", Group: insight.GroupRing}
	walkVar  = insight.Variable{Key: "activity.walk", Name: "Walk", Unit: "km", Group: insight.GroupActivity}
	moodVar  = insight.Variable{Key: "mood", Name: "mood", Unit: "points", Group: insight.GroupMood}
)

// household is a synthetic person: bedroom temperature and walks drawn at
// random, the sleep score planted as 85 − 2 × (temperature − 18) + noise on
// the same night, the mood as 4 + 0.3 × yesterday's walk + noise, and
// noise variables (some of them outcomes) that relate to nothing.
func household(seed uint64, days, noise int, planted bool) insight.Table {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	t := insight.Table{From: domain.NewDay(2025, 1, 1), Days: days}
	col := func(v insight.Variable, f func(d int) float64) []float64 {
		vals := make([]float64, days)
		for d := range vals {
			vals[d] = f(d)
		}
		t.Series = append(t.Series, insight.Series{Variable: v, Values: vals})
		return vals
	}
	temp := col(tempVar, func(int) float64 { return 19 + 1.5*r.NormFloat64() })
	walk := col(walkVar, func(int) float64 { return 8 * r.Float64() })
	col(sleepVar, func(d int) float64 {
		if !planted {
			return 80 + 6*r.NormFloat64()
		}
		return 85 - 2*(temp[d]-18) + 3*r.NormFloat64()
	})
	col(moodVar, func(d int) float64 {
		if !planted || d == 0 {
			return 5 + r.NormFloat64()
		}
		return 4 + 0.3*walk[d-1] + 0.8*r.NormFloat64()
	})
	for i := range noise {
		g := insight.GroupHabit
		if i%4 == 0 {
			g = insight.GroupScore
		}
		v := insight.Variable{Key: fmt.Sprintf("noise.%02d", i), Name: fmt.Sprintf("noise %d", i), Unit: "points", Group: g}
		col(v, func(int) float64 {
			if r.Float64() < 0.1 {
				return math.NaN() // a missed day
			}
			return r.NormFloat64()
		})
	}
	return t
}

func find(a insight.Analysis, aKey, bKey string, lag int) (insight.Insight, bool) {
	for _, in := range a.Insights {
		if in.A.Key == aKey && in.B.Key == bKey && in.Lag == lag {
			return in, true
		}
	}
	return insight.Insight{}, false
}

// plantedDifference is what the planted rule alone gives between the
// insight's thirds: slope × (A's mean in the top third − in the bottom).
func plantedDifference(in insight.Insight, slope float64) float64 {
	var lo, hi float64
	var nl, nh int
	for _, p := range in.Points {
		switch {
		case p.A <= in.Low:
			lo += p.A
			nl++
		case p.A >= in.High:
			hi += p.A
			nh++
		}
	}
	return slope * (hi/float64(nh) - lo/float64(nl))
}

func TestPlantedRelationshipsAreFound(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		a := Analyzer{}.Analyze(household(seed, 365, 12, true))
		for _, c := range []struct {
			a, b  insight.Variable
			lag   int
			slope float64
		}{{tempVar, sleepVar, 0, -2}, {walkVar, moodVar, 1, 0.3}} {
			in, ok := find(a, c.a.Key, c.b.Key, c.lag)
			if !ok {
				t.Errorf("seed %d: %s → %s lag %d not found among %d insights", seed, c.a.Key, c.b.Key, c.lag, len(a.Insights))
				continue
			}
			if math.Signbit(in.Rho) != math.Signbit(c.slope) || math.Signbit(in.Difference) != math.Signbit(c.slope) {
				t.Errorf("seed %d: %s: ρ %.2f, difference %.2f: wrong sign", seed, in.ID(), in.Rho, in.Difference)
			}
			want := plantedDifference(in, c.slope)
			if math.Abs(in.Difference-want) > 0.2*math.Abs(want) {
				t.Errorf("seed %d: %s: difference %.2f, planted %.2f (more than 20%% off)", seed, in.ID(), in.Difference, want)
			}
			// The same pair at the other lag is not what was planted.
			if other, ok := find(a, c.a.Key, c.b.Key, 1-c.lag); ok && math.Abs(other.Rho) >= math.Abs(in.Rho) {
				t.Errorf("seed %d: %s at lag %d (ρ %.2f) beats the planted lag (ρ %.2f)", seed, in.ID(), other.Lag, other.Rho, in.Rho)
			}
		}
		for _, in := range a.Insights {
			if strings.HasPrefix(in.A.Key, "noise") || strings.HasPrefix(in.B.Key, "noise") {
				t.Logf("seed %d: noise insight %s (q %.3f)", seed, in.ID(), in.Q)
			}
		}
	}
}

// TestIndependentVariablesGiveNoInsight: with nothing planted, the share of
// households showing any insight stays at the false-discovery rate (under
// the global null, Benjamini–Hochberg's FDR is the chance of any
// discovery), within three standard errors over the seeds.
func TestIndependentVariablesGiveNoInsight(t *testing.T) {
	t.Parallel()
	const seeds = 300
	withAny, pairs := 0, 0
	for seed := range uint64(seeds) {
		a := Analyzer{}.Analyze(household(1000+seed, 120, 16, false))
		pairs = a.Pairs
		if len(a.Insights) > 0 {
			withAny++
		}
	}
	rate := float64(withAny) / seeds
	limit := FDR + 3*math.Sqrt(FDR*(1-FDR)/seeds)
	t.Logf("%d of %d independent households showed an insight (%.3f; limit %.3f; %d pairs each)", withAny, seeds, rate, limit, pairs)
	if rate > limit {
		t.Errorf("%d of %d independent households showed an insight (%.3f > %.3f)", withAny, seeds, rate, limit)
	}
	if pairs < 100 {
		t.Errorf("only %d pairs tested: the test is too small to mean anything", pairs)
	}
}

func TestTooFewDaysAreCollecting(t *testing.T) {
	t.Parallel()
	tab := household(7, 20, 2, true)
	a := Analyzer{}.Analyze(tab)
	if a.Pairs != 0 || len(a.Insights) != 0 {
		t.Fatalf("20 days: %d pairs, %d insights; want none (minimum %d)", a.Pairs, len(a.Insights), MinDays)
	}
	for _, v := range a.Variables {
		if v.Testing || v.Key == walkVar.Key && v.Label() != "collecting (20 of 21 days)" {
			t.Errorf("%s: %s", v.Key, v.Label())
		}
	}
}

func TestSpearmanMatchesKnownValues(t *testing.T) {
	t.Parallel()
	w := newWork(8)
	// Monotone but not linear: ρ = 1 where Pearson's r would not be.
	w.pair([]float64{1, 2, 3, 4, 5, 6}, []float64{1, 4, 9, 16, 25, 1000}, 0)
	if rho, p := w.spearman(); rho != 1 || p != 0 {
		t.Errorf("monotone: ρ %v p %v", rho, p)
	}
	// Ties share their mean rank: x ranks 1.5 1.5 3 4 5, y ranks 1 2 3 5 4;
	// ρ is Pearson's r of the ranks.
	w.pair([]float64{1, 1, 2, 3, 4}, []float64{1, 2, 3, 5, 4}, 0)
	rho, p := w.spearman()
	if math.Abs(rho-0.8720816) > 1e-6 {
		t.Errorf("ties: ρ %v, want 0.8720816", rho)
	}
	if p <= 0.05 || p >= 0.06 {
		t.Errorf("ties: p %v, want about 0.054 (t on 3 df)", p)
	}
	// Lag 1 pairs a[d] with b[d+1].
	if n := w.pair([]float64{1, 2, 3}, []float64{9, 10, 20}, 1); n != 2 || w.x[0] != 1 || w.y[0] != 10 {
		t.Errorf("lag 1: n %d x %v y %v", n, w.x, w.y)
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	t.Parallel()
	q := BenjaminiHochberg([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.02, 0.04, 0.04, 0.02}
	for i := range want {
		if math.Abs(q[i]-want[i]) > 1e-12 {
			t.Errorf("q = %v, want %v", q, want)
			break
		}
	}
}

// TestThirdsOfATiedVariable: a habit is done (100) or not (0) on most days,
// so both cuts fall on a tie; the comparison is then between the values.
func TestThirdsOfATiedVariable(t *testing.T) {
	t.Parallel()
	w := newWork(10)
	w.pair([]float64{100, 0, 100, 100, 0, 100, 100, 100, 100, 100}, []float64{80, 60, 82, 78, 62, 80, 81, 79, 80, 80}, 0)
	in := w.thirds()
	if in.Low != 0 || in.High != 100 || in.LowDays != 2 || in.HighDays != 8 || in.LowMean != 61 || in.HighMean != 80 {
		t.Errorf("thirds of a 0/100 variable: %+v", in)
	}
	w.pair([]float64{0, 0, 0, 0, 0, 0, 0, 30, 45, 60}, []float64{5, 5, 5, 5, 5, 5, 5, 7, 8, 9}, 0)
	in = w.thirds()
	if in.Low != 0 || in.High != 30 || in.LowDays != 7 || in.HighDays != 3 || in.Difference != 3 {
		t.Errorf("thirds of a mostly-zero variable: %+v", in)
	}
}

// TestCachedRanksMatchRankingEachPair: pairs without gaps use each
// variable's cached ranks; ρ and p equal those of ranking the pair anew.
func TestCachedRanksMatchRankingEachPair(t *testing.T) {
	t.Parallel()
	tab := household(11, 200, 0, true) // no noise variables: no gaps anywhere
	a := Analyzer{}.Analyze(tab)
	if len(a.Insights) < 2 {
		t.Fatalf("%d insights", len(a.Insights))
	}
	vals := map[string][]float64{}
	for _, s := range tab.Series {
		vals[s.Key] = s.Values
	}
	w := newWork(tab.Days)
	for _, in := range a.Insights {
		w.pair(vals[in.A.Key], vals[in.B.Key], in.Lag)
		rho, p := w.spearman()
		if math.Abs(rho-in.Rho) > 1e-12 || math.Abs(p-in.P) > 1e-12*math.Max(1, p) {
			t.Errorf("%s: cached ρ %v p %v, ranked anew ρ %v p %v", in.ID(), in.Rho, in.P, rho, p)
		}
	}
}
