// Command benchtable reads `go test -bench` output on stdin and prints one
// Markdown table of every benchmark's ratios (metrics whose unit says
// "ratio", names two measurements "a/b", or ends in "_x") and the rest of its
// custom metrics, so `make bench` ends with the numbers that matter: how
// LifeOps compares with the baselines measured in the same run.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

type metric struct{ value, unit string }

type result struct {
	pkg, name string
	ratios    []metric
	others    []metric
}

func main() {
	results, err := parse(io.TeeReader(os.Stdin, os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	write(os.Stdout, results)
}

func parse(r io.Reader) ([]result, error) {
	var out []result
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a benchmark's own log line
		}
		res := result{pkg: pkg, name: f[0]}
		for i := 2; i+1 < len(f); i += 2 {
			m := metric{value: f[i], unit: f[i+1]}
			switch {
			case isRatio(m.unit):
				res.ratios = append(res.ratios, m)
			case m.unit == "B/op" || m.unit == "allocs/op":
			default:
				res.others = append(res.others, m)
			}
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// isRatio tells a ratio ("rps-ratio", "ratio_p99", "checkin_2y/30d") from
// a figure ("ns/op", "api-req/s", "p99-µs").
func isRatio(unit string) bool {
	switch {
	case strings.Contains(unit, "ratio"):
		return true
	case strings.HasSuffix(unit, "/op"), strings.HasSuffix(unit, "/s"):
		return false
	}
	return strings.Contains(unit, "/") || strings.HasSuffix(unit, "_x")
}

func write(w io.Writer, results []result) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| package | benchmark | ratios (against the same run's baseline) | figures |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", strings.TrimPrefix(r.pkg, "github.com/lifeops/lifeops/"),
			strings.TrimPrefix(r.name, "Benchmark"), join(r.ratios), join(r.others))
	}
}

func join(ms []metric) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.value + " " + m.unit
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, ", ")
}
