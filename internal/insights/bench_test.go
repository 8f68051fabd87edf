package insights

import (
	"testing"
	"time"
)

// BenchmarkAnalyzePerson is one person with two years of history and 50
// variables, both lags: the budget is 1 s. The 90-day table in the
// same run is the baseline the two-year cost is compared with (pairs stay
// the same, so the ratio shows what the history's length costs).
func BenchmarkAnalyzePerson(b *testing.B) {
	long := household(42, 730, 46, true) // 4 planted variables + 46 others
	short := household(42, 90, 46, true)
	var pairs int
	var tLong, tShort time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		pairs = Analyzer{}.Analyze(long).Pairs
		t1 := time.Now()
		Analyzer{}.Analyze(short)
		tLong += t1.Sub(t0)
		tShort += time.Since(t1)
		n++
	}
	b.ReportMetric(float64(len(long.Series)), "variables")
	b.ReportMetric(float64(pairs), "pairs")
	b.ReportMetric(float64(tLong.Milliseconds())/float64(n), "person_2y_ms")
	b.ReportMetric(float64(tLong)/float64(tShort), "person_2y/90d")
	b.ReportMetric(float64(tLong)/float64(n)/float64(time.Second), "budget_ratio")
}
