package insights

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/lifeops/lifeops/internal/domain/insight"
)

// Defaults, documented in docs/insights.md.
const (
	// MinDays is the fewest paired days a pair is tested with: below it a
	// rank correlation of a few weeks is mostly noise and the thirds hold
	// fewer than 7 days each.
	MinDays = 21
	// FDR is the false-discovery rate the Benjamini–Hochberg procedure
	// holds over all pairs tested.
	FDR = 0.05
	// MaxLag is the longest lag tested, in days.
	MaxLag = 1
)

// Analyzer tests tables. The zero value uses the defaults.
type Analyzer struct {
	MinDays int
	FDR     float64
}

func (a Analyzer) minDays() int {
	if a.MinDays > 0 {
		return a.MinDays
	}
	return MinDays
}

func (a Analyzer) fdr() float64 {
	if a.FDR > 0 {
		return a.FDR
	}
	return FDR
}

// candidate is one tested pair before the false-discovery control.
type candidate struct {
	a, b int
	lag  int
	n    int
	rho  float64
	p    float64
}

// Analyze tests every pair of a variable A and an outcome B (A ≠ B) with
// lags 0 and 1: A on day d against B on day d+lag. Two outcomes are tested
// only with lag 1, since on the same day one is often made of the other
// (the Life Score of its parts, the sleep part of the sleep score).
func (a Analyzer) Analyze(t insight.Table) insight.Analysis {
	minDays := a.minDays()
	out := insight.Analysis{MinDays: minDays, FDR: a.fdr()}
	for _, s := range t.Series {
		n := s.Present()
		out.Variables = append(out.Variables, insight.VariableStatus{Variable: s.Variable, Days: n, Needed: minDays, Testing: n >= minDays})
	}
	w := newWork(t.Days)
	ranks := rankCache{w: w, m: map[rankKey][]float64{}}
	var cands []candidate
	for bi, b := range t.Series {
		if !b.Group.Outcome() || b.Present() < minDays {
			continue
		}
		for ai, av := range t.Series {
			if ai == bi || av.Present() < minDays {
				continue
			}
			for lag := 0; lag <= MaxLag; lag++ {
				if lag == 0 && (av.Group.Outcome() || insight.MadeOf(b.Variable, av.Variable)) {
					continue
				}
				n := w.pair(av.Values, b.Values, lag)
				if n < minDays {
					continue
				}
				var rho, p float64
				ra, okA := ranks.of(ai, av.Values, 0, t.Days-lag, n)
				rb, okB := ranks.of(bi, b.Values, lag, t.Days, n)
				if okA && okB {
					rho, p = spearmanOfRanks(ra, rb)
				} else {
					rho, p = w.spearman()
				}
				if math.IsNaN(rho) {
					continue // a constant variable over these days
				}
				cands = append(cands, candidate{a: ai, b: bi, lag: lag, n: n, rho: rho, p: p})
			}
		}
	}
	out.Pairs = len(cands)
	q := BenjaminiHochberg(pvalues(cands))
	for i, c := range cands {
		if q[i] > out.FDR || insight.StrengthOf(c.rho) == "" {
			continue
		}
		w.pair(t.Series[c.a].Values, t.Series[c.b].Values, c.lag)
		in := w.thirds()
		in.A, in.B, in.Lag = t.Series[c.a].Variable, t.Series[c.b].Variable, c.lag
		in.Days, in.Rho, in.P, in.Q, in.Strength = c.n, c.rho, c.p, q[i], insight.StrengthOf(c.rho)
		out.Insights = append(out.Insights, in)
	}
	sort.SliceStable(out.Insights, func(i, j int) bool {
		x, y := out.Insights[i], out.Insights[j]
		if ax, ay := math.Abs(x.Rho), math.Abs(y.Rho); ax != ay {
			return ax > ay
		}
		return x.ID() < y.ID()
	})
	return out
}

func pvalues(cs []candidate) []float64 {
	p := make([]float64, len(cs))
	for i, c := range cs {
		p[i] = c.p
	}
	return p
}

// BenjaminiHochberg returns the adjusted p-values (q-values) of p: a pair is
// a discovery at false-discovery rate α when its q ≤ α.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return p[order[i]] < p[order[j]] })
	q := make([]float64, m)
	running := 1.0
	for k := m - 1; k >= 0; k-- {
		i := order[k]
		running = math.Min(running, p[i]*float64(m)/float64(k+1))
		q[i] = running
	}
	return q
}

// work holds the buffers one analysis reuses for every pair, so memory
// stays bounded by the table's length whatever the number of pairs.
type work struct {
	x, y   []float64 // paired values
	rx, ry []float64 // their ranks
	idx    []int
}

func newWork(days int) *work {
	return &work{x: make([]float64, 0, days), y: make([]float64, 0, days),
		rx: make([]float64, days), ry: make([]float64, days), idx: make([]int, days)}
}

// pair collects the days where a (day d) and b (day d+lag) both have a value.
func (w *work) pair(a, b []float64, lag int) int {
	w.x, w.y = w.x[:0], w.y[:0]
	for d := 0; d+lag < len(b) && d < len(a); d++ {
		x, y := a[d], b[d+lag]
		if math.IsNaN(x) || math.IsNaN(y) {
			continue
		}
		w.x = append(w.x, x)
		w.y = append(w.y, y)
	}
	return len(w.x)
}

// spearman is Pearson's correlation (gonum) of the ranks, and its two-sided
// p-value from t = ρ √((n−2)/(1−ρ²)) on n−2 degrees of freedom.
func (w *work) spearman() (rho, p float64) {
	n := len(w.x)
	rx, ry := w.rx[:n], w.ry[:n]
	w.rank(w.x, rx)
	w.rank(w.y, ry)
	return spearmanOfRanks(rx, ry)
}

// spearmanOfRanks is Pearson's correlation of two rank vectors of the same
// days, and its p-value.
func spearmanOfRanks(rx, ry []float64) (rho, p float64) {
	n := len(rx)
	rho = stat.Correlation(rx, ry, nil)
	if math.IsNaN(rho) {
		return rho, 1
	}
	if math.Abs(rho) >= 1 {
		return rho, 0
	}
	df := float64(n - 2)
	tval := rho * math.Sqrt(df/(1-rho*rho))
	p = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(tval))
	return rho, p
}

// rankKey names a variable's days start … end-1.
type rankKey struct{ v, start, end int }

// rankCache keeps each variable's ranks over the windows pairs read (the
// whole table; without its last day; without its first), so that a pair
// whose days are exactly both variables' days there (no gaps on either
// side: the usual case) ranks nothing again. It holds at most three
// windows per variable, so memory stays bounded by the table.
type rankCache struct {
	w *work
	m map[rankKey][]float64
}

// of returns v's ranks over its present days in start … end-1, when it has
// exactly n of them (then they are the paired days); ok is false otherwise.
func (c rankCache) of(id int, v []float64, start, end, n int) (r []float64, ok bool) {
	k := rankKey{id, start, end}
	if r, ok := c.m[k]; ok {
		return r, r != nil && len(r) == n
	}
	var vals []float64
	for _, x := range v[start:end] {
		if !math.IsNaN(x) {
			vals = append(vals, x)
		}
	}
	r = make([]float64, len(vals))
	c.w.rank(vals, r)
	c.m[k] = r
	return r, len(r) == n
}

// rank writes the 1-based ranks of v into r, ties getting their mean rank.
func (w *work) rank(v, r []float64) {
	idx := w.idx[:len(v)]
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int { return cmp.Compare(v[i], v[j]) })
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
}

// thirds splits the paired days by A into thirds and compares B's means in
// the bottom and top ones. Days tied with a cut value all go to its side,
// so the thirds may hold a few more days than n/3 each (never the same day
// in both). When ties fill both cuts (a habit done or not, a count that is
// mostly zero), the split is between the lowest value and the rest, or
// between the highest and the rest.
func (w *work) thirds() insight.Insight {
	n := len(w.x)
	idx := w.idx[:n]
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(w.x[i], w.x[j]) })
	k := max(n/3, 1)
	low, high := w.x[idx[k-1]], w.x[idx[n-k]]
	if low == high {
		lowest, highest := w.x[idx[0]], w.x[idx[n-1]]
		switch {
		case lowest < low:
			// Everything below the tied value against it and above.
			low = lowest
			for _, i := range idx {
				if w.x[i] < high {
					low = w.x[i]
				}
			}
		case highest > high:
			high = highest
			for j := n - 1; j >= 0; j-- {
				if w.x[idx[j]] > low {
					high = w.x[idx[j]]
				}
			}
		}
	}
	var in insight.Insight
	in.Low, in.High = low, high
	var ls, hs float64
	for i := range n {
		switch {
		case low < high && w.x[i] <= low:
			ls += w.y[i]
			in.LowDays++
		case low < high && w.x[i] >= high:
			hs += w.y[i]
			in.HighDays++
		}
	}
	if in.LowDays > 0 {
		in.LowMean = ls / float64(in.LowDays)
	}
	if in.HighDays > 0 {
		in.HighMean = hs / float64(in.HighDays)
	}
	in.Difference = in.HighMean - in.LowMean
	in.Points = make([]insight.Point, n)
	for i := range n {
		in.Points[i] = insight.Point{A: w.x[i], B: w.y[i]}
	}
	return in
}
