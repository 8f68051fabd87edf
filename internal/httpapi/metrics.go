package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"

	"github.com/lifeops/lifeops/internal/app"
)

// PoolStater is the database pool, as far as metrics need it
// (*pgxpool.Pool is one).
type PoolStater interface {
	Stat() *pgxpool.Stat
}

// Metrics are LifeOps' Prometheus metrics, in a registry of their own (no
// process-wide default registry).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	jobRuns  *prometheus.CounterVec
	jobTime  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP, job, runtime, database-pool (when pool is
// not nil) and dependency (when health is not nil) metrics.
func NewMetrics(pool PoolStater, health *app.Health) *Metrics {
	// The job label is job_name: Prometheus sets job on every series it
	// scrapes and renames a clashing label to exported_job.
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeops_http_requests_total", Help: "HTTP requests by operation id and status code.",
		}, []string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lifeops_http_request_duration_seconds", Help: "HTTP request latency by operation id.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lifeops_job_runs_total", Help: "Scheduled job runs by job name and result (ok, error).",
		}, []string{"job_name", "result"}),
		jobTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lifeops_job_duration_seconds", Help: "Scheduled job run time by job name.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 8),
		}, []string{"job_name"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.jobRuns, m.jobTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		m.reg.MustRegister(poolCollector{pool})
	}
	if health != nil {
		m.reg.MustRegister(healthCollector{health})
	}
	return m
}

// JobRun counts one run of a scheduled job; the jobs package calls it
// through an interface of its own (JobRun(string, error, time.Duration)).
func (m *Metrics) JobRun(job string, err error, took time.Duration) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobTime.WithLabelValues(job).Observe(took.Seconds())
}

// Registry is where other adapters may register their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// observe is the middleware that counts and times every operation.
func (m *Metrics) observe(ctx huma.Context, next func(huma.Context)) {
	start := time.Now()
	next(ctx)
	id := ctx.Operation().OperationID
	m.requests.WithLabelValues(id, strconv.Itoa(ctx.Status())).Inc()
	m.latency.WithLabelValues(id).Observe(time.Since(start).Seconds())
}

func (m *Metrics) render() ([]byte, error) {
	families, err := m.reg.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

var (
	descPoolConns = prometheus.NewDesc("lifeops_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	descPoolMax   = prometheus.NewDesc("lifeops_db_pool_max_connections", "Database pool size limit.", nil, nil)
	descPoolAcq   = prometheus.NewDesc("lifeops_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	descPoolWait  = prometheus.NewDesc("lifeops_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
	descPoolTime  = prometheus.NewDesc("lifeops_db_pool_acquire_seconds_total", "Time spent acquiring connections.", nil, nil)
	descDepUp     = prometheus.NewDesc("lifeops_dependency_up", "1 when a dependency is ok, 0 when down; absent when disabled.", []string{"dependency"}, nil)
)

type poolCollector struct{ pool PoolStater }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPoolConns
	ch <- descPoolMax
	ch <- descPoolAcq
	ch <- descPoolWait
	ch <- descPoolTime
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(descPoolMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(descPoolAcq, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(descPoolWait, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(descPoolTime, prometheus.CounterValue, s.AcquireDuration().Seconds())
}

type healthCollector struct{ health *app.Health }

func (c healthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descDepUp }

func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for name, st := range c.health.Check(ctx) {
		switch st.State {
		case app.DepOK:
			ch <- prometheus.MustNewConstMetric(descDepUp, prometheus.GaugeValue, 1, name)
		case app.DepDown:
			ch <- prometheus.MustNewConstMetric(descDepUp, prometheus.GaugeValue, 0, name)
		}
	}
}

type metricsOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

// registerMetrics serves /metrics to admin tokens and to the HA ingress
// (whose configured role must be admin): the numbers reveal the household's
// activity rhythm, so they are not public. Prometheus sends the token with
// `authorization: {credentials: <token>}` in its scrape config.
func registerMetrics(api huma.API, m *Metrics) {
	op(api, guard(huma.Operation{
		OperationID: "get-metrics", Method: http.MethodGet, Path: "/metrics",
		Summary:     "Prometheus metrics",
		Description: "Prometheus text format: requests by operation and status, latency, database pool, dependency states, job runs. Needs an admin token (or the HA ingress with the admin role).",
		Tags:        []string{"health"},
		Responses: map[string]*huma.Response{"200": {Description: "Metrics", Content: map[string]*huma.MediaType{
			"text/plain": {Schema: &huma.Schema{Type: huma.TypeString}},
		}}},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, _ *struct{}) (*metricsOutput, error) {
		b, err := m.render()
		if err != nil {
			return nil, err
		}
		return &metricsOutput{ContentType: string(expfmt.NewFormat(expfmt.TypeTextPlain)), Body: b}, nil
	})
}

var descOuraLastSync = prometheus.NewDesc("lifeops_oura_last_sync_timestamp_seconds",
	"When each person's Oura data last synced (Unix seconds); absent for people who never synced.", []string{"person"}, nil)

// OuraSyncs reports when each person's Oura data last synced, by person
// slug (zero: never).
type OuraSyncs func(ctx context.Context) (map[string]time.Time, error)

// WatchOura exports the Oura sync times, so an alert can tell stale data
// (no sync for a day) from a ring that was never connected.
func (m *Metrics) WatchOura(syncs OuraSyncs) { m.reg.MustRegister(ouraCollector{syncs}) }

type ouraCollector struct{ syncs OuraSyncs }

func (c ouraCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descOuraLastSync }

func (c ouraCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	last, err := c.syncs(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descOuraLastSync, err)
		return
	}
	for person, at := range last {
		if !at.IsZero() {
			ch <- prometheus.MustNewConstMetric(descOuraLastSync, prometheus.GaugeValue, float64(at.Unix()), person)
		}
	}
}
