package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkTodayVsBare measures warm GET /api/v1/people/{person}/today
// (token check, rate limit, metrics, cached day, JSON) against a bare
// net/http handler writing the same bytes, in the same process over
// loopback HTTP with the same load generator, alternating rounds. It
// reports both rates and p99s and their ratios; the issue asks for
// api/bare req/s ≥ 0.5 and p99 ≤ 2× bare.
func BenchmarkTodayVsBare(b *testing.B) {
	e := newEnv(b, func(o *Options) { o.Rate, o.Burst = 1e9, 1e9 })
	person := e.person("Bench")
	base := fmt.Sprintf("/api/v1/people/%d", person.ID)
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{"name": "Read", "schedule": map[string]any{"kind": "daily"}}}).want(e.t, 201)
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{"name": "Walk", "schedule": map[string]any{"kind": "daily"}}}).want(e.t, 201)
	e.do(req{method: "POST", path: base + "/activities", token: e.admin, body: map[string]any{"type": "walk", "amount": 30}}).want(e.t, 201)
	e.do(req{method: "POST", path: base + "/moods", token: e.admin, body: map[string]any{"value": 7}}).want(e.t, 201)
	body := e.do(req{method: "GET", path: base + "/today", token: e.admin}).want(e.t, 200).body

	api := httptest.NewServer(e.srv.Handler())
	defer api.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer bare.Close()

	const conc, rounds, round = 16, 3, 700 * time.Millisecond
	var apiRes, bareRes []load
	for range b.N {
		for range rounds {
			bareRes = append(bareRes, run(b, bare.URL+base+"/today", "", conc, round, len(body)))
			apiRes = append(apiRes, run(b, api.URL+base+"/today", e.admin, conc, round, len(body)))
		}
	}
	a, r := summarize(apiRes), summarize(bareRes)
	b.ReportMetric(a.rps, "api-req/s")
	b.ReportMetric(r.rps, "bare-req/s")
	b.ReportMetric(a.rps/r.rps, "rps-ratio")
	b.ReportMetric(float64(a.p99.Microseconds()), "api-p99-µs")
	b.ReportMetric(float64(r.p99.Microseconds()), "bare-p99-µs")
	b.ReportMetric(float64(a.p99)/float64(r.p99), "p99-ratio")
}

type load struct {
	n    int
	took time.Duration
	lat  []time.Duration
}

// run keeps conc clients busy for d and records every request's latency.
func run(b *testing.B, url, token string, conc int, d time.Duration, size int) load {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			var lat []time.Duration
			for ctx.Err() == nil {
				r, _ := http.NewRequest(http.MethodGet, url, nil)
				if token != "" {
					r.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				res, err := client.Do(r)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || int(n) != size {
					b.Errorf("%s: %d, %d bytes", url, res.StatusCode, n)
					return
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return load{n: len(all), took: time.Since(start), lat: all}
}

type summary struct {
	rps float64
	p99 time.Duration
}

func summarize(ls []load) summary {
	var n int
	var took time.Duration
	var lat []time.Duration
	for _, l := range ls {
		n += l.n
		took += l.took
		lat = append(lat, l.lat...)
	}
	slices.Sort(lat)
	return summary{rps: float64(n) / took.Seconds(), p99: lat[len(lat)*99/100]}
}
