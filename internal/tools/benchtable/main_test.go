package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	in := `goos: linux
pkg: github.com/lifeops/lifeops/internal/app
BenchmarkHistoryCost-2   	     200	  22611554 ns/op	         0.7119 checkin_2y/30d	      7194 checkin_2y_us
    bench_test.go:12: a log line with words
pkg: github.com/lifeops/lifeops/internal/httpapi
BenchmarkTodayVsBare-2   	    1000	   1000 ns/op	  0.8 rps-ratio	 900 api-req/s	 120 B/op	 3 allocs/op
PASS
`
	res, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	write(&b, res)
	want := `
| package | benchmark | ratios (against the same run's baseline) | figures |
|---|---|---|---|
| internal/app | HistoryCost-2 | 0.7119 checkin_2y/30d | 22611554 ns/op, 7194 checkin_2y_us |
| internal/httpapi | TodayVsBare-2 | 0.8 rps-ratio | 1000 ns/op, 900 api-req/s |
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
