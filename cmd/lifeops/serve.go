package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/insights"
	"github.com/lifeops/lifeops/internal/locale"
	"github.com/lifeops/lifeops/internal/migrate"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/redact"
	"github.com/lifeops/lifeops/internal/web"
)

// shutdownGrace bounds how long in-flight requests may take after SIGTERM;
// the Supervisor kills an add-on that takes much longer.
const shutdownGrace = 10 * time.Second

func cmdServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var demo bool
	cfg, _, err := loadConfig("serve", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "seed a demo household (two people, 30 days of history) when the database has no people")
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	start := time.Now()
	if logFormat(cfg, stderr) == "console" {
		// A person at a terminal reads this line: the full settings are
		// one `lifeops config check` away.
		log.Info().Str("version", version).Str("listen", cfg.HTTPAddr).Msg("lifeops starting (settings: lifeops config check)")
	} else {
		log.Info().Str("version", version).Interface("config", settingsMap(cfg)).Msg("lifeops starting")
	}

	// Listen first: while the database is out of reach LifeOps is degraded,
	// not dark. /healthz answers, the panel says what is wrong and the API
	// answers 503, until the full handler takes over.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	outage := newOutage(cfg, start)
	var root swapHandler
	root.set(web.Degraded(outage.get))
	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	go func() { served <- serveHTTP(sctx, ln, &root, cfg, log) }()
	up := false
	defer func() {
		if !up { // a start-up that fails after the listener opened closes it again
			stopServing()
			<-served
		}
	}()

	pool, err := openDatabase(ctx, cfg.DatabaseURL, log, outage.record)
	if err != nil {
		return err
	}
	defer pool.Close()
	migrator, _, err := migratorFor(pool)
	if err != nil {
		return err
	}
	applied, err := migrator.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.Info().Ints("versions", applied).Msg("migrations applied")
	}

	health := app.NewHealth("database", "mqtt", "home_assistant", "oura")
	health.Set("database", databaseProbe(pool, migrator))

	tree, err := character.Default()
	if err != nil {
		return fmt.Errorf("stat tree: %w", err)
	}
	z, err := newZone(cfg)
	if err != nil {
		return err
	}
	store := postgres.NewStore(pool)
	svc := app.New(app.Options{Store: store, Logger: log, Location: z.Location, Tree: tree})

	if demo {
		switch err := svc.SeedDemo(ctx); {
		case errors.Is(err, app.ErrNotEmpty):
			log.Info().Msg("demo household not seeded: the database already has people")
		case err != nil:
			return fmt.Errorf("demo household: %w", err)
		default:
			log.Info().Msg("demo household seeded (remove it with: lifeops demo remove)")
		}
	}

	p := parts{lang: locale.NewSetting(cfg.Language)}
	p.resolvePanelURL(ctx, cfg, log)
	p.insights = app.NewInsights(app.InsightsOptions{Store: store, Analyzer: insights.Analyzer{}, Location: z.Location, Interest: svc})
	ouraNotes := &laterNotifier{log: log.With().Str("component", "oura").Logger()}
	ouraUC, ouraHook, err := newOura(cfg, store, svc, z, health, ouraNotes)
	if err != nil {
		return fmt.Errorf("oura: %w", err)
	}
	p.oura, p.ouraNotes = ouraUC, ouraNotes

	if err := p.startIngester(ctx, cfg, pool, svc, log); err != nil {
		return fmt.Errorf("sensor readings: %w", err)
	}
	if cfg.MQTTURL != "" || cfg.MQTTFromSupervisor {
		p.mqttSessions = newMQTTSessions(pool, log)
	}
	p.startMQTT(ctx, cfg, svc, health, log)
	p.startHA(ctx, cfg, svc, z, health, log)
	defer p.stop(log)

	metrics := httpapi.NewMetrics(pool, health)
	if ouraUC.Enabled() {
		metrics.WatchOura(ouraSyncs(svc, ouraUC))
	}
	api := httpapi.New(httpapi.Options{Version: version, Logger: log, Health: health, Service: svc,
		Tokens: app.NewTokens(store, store, nil), Idempotency: store, Metrics: metrics,
		Oura: ouraUC, OuraWebhook: ouraHook, Rate: cfg.APIRate, Burst: cfg.APIBurst, Insights: p.insights,
		HAFiles: haGenerator(svc, cfg).File})
	// Changes made through HA or MQTT end the API's short "today" cache.
	svc.AddSink(api.EventSink())
	if err := p.startJobs(ctx, pool, svc, z, metrics, log); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}

	// The add-on's pages share the listener: ingress opens the root, REST
	// clients use /api/…; both trust the same ingress peer.
	pages, err := web.New(web.Options{Service: svc, Tokens: app.NewTokens(store, store, nil), Health: health, Oura: ouraUC, Insights: p.insights,
		Logger: log, Version: version, Location: z.Location, Ingress: api.Ingress, Revoked: api.ForgetTokens, FailedAuth: api,
		CalDAV: webCalDAV(cfg), HAFiles: haGenerator(svc, cfg).File})
	if err != nil {
		return fmt.Errorf("web pages: %w", err)
	}
	select {
	case err := <-served: // the listener failed while start-up went on
		up = true
		return err
	default:
	}
	waitCalDAV := startCalDAV(sctx, cfg, svc, app.NewTokens(store, store, nil), log)
	defer func() { stopServing(); _ = waitCalDAV() }()
	root.set(web.Root(api.Handler(), pages))
	log.Info().Str("addr", ln.Addr().String()).Dur("startup", time.Since(start)).Msg("lifeops ready")
	up = true
	if err := greet(ctx, stderr, logFormat(cfg, stderr) == "console", ln.Addr(), cfg, app.NewTokens(store, store, nil)); err != nil && ctx.Err() == nil {
		// LifeOps runs without it: `lifeops token create` makes a token.
		log.Warn().Err(err).Msg("first start: no admin token made")
	}
	return <-served
}

// serveHTTP serves until ctx ends, then lets in-flight requests finish for up
// to shutdownGrace.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, cfg config.Config, log zerolog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          httpErrorLog(log),
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCertFile != "" {
			errc <- srv.ServeTLS(ln, cfg.TLSCertFile, cfg.TLSKeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}

// openDatabase waits for PostgreSQL: in the add-on the bundled server may
// still be starting, and a household's database may be rebooting.
func openDatabase(ctx context.Context, url string, log zerolog.Logger, failed func(error)) (*pgxpool.Pool, error) {
	var last error
	pool, err := backoff.Retry(ctx, func() (*pgxpool.Pool, error) {
		pool, err := postgres.Open(ctx, url)
		last = err
		return pool, err
	}, backoff.WithBackOff(waitingBackOff(250*time.Millisecond, 5*time.Second)), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, wait time.Duration) {
			failed(err)
			log.Warn().Err(err).Dur("retry_in", wait).Msg("database not reachable yet")
		}))
	if err != nil && last != nil {
		return nil, last // what was wrong with the database, not that we stopped waiting
	}
	return pool, err
}

// databaseProbe is ready when PostgreSQL answers and its schema is the one
// this binary migrated to.
func databaseProbe(pool *pgxpool.Pool, m *migrate.Migrator) app.Probe {
	tracker := app.NewTracker(app.DepOK)
	return func(ctx context.Context) app.DepStatus {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := m.Current(ctx)
		if err != nil {
			tracker.Set(time.Now(), app.DepDown, err)
		} else {
			tracker.Set(time.Now(), app.DepOK, nil)
		}
		return tracker.Probe(ctx)
	}
}

// logFormat is the configured log format, or console on a terminal and
// json elsewhere.
func logFormat(cfg config.Config, w io.Writer) string {
	if cfg.LogFormat != "" {
		return cfg.LogFormat
	}
	if f, ok := unredacted(w).(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "console"
		}
	}
	return "json"
}

// unredacted is the writer under the redacting one main wraps around
// stderr: the terminal to detect, or the place for the one secret that must
// be shown.
func unredacted(w io.Writer) io.Writer {
	if rw, ok := w.(interface{ Unwrap() io.Writer }); ok {
		return rw.Unwrap()
	}
	return w
}

// newLogger logs JSON, or a human console format when stderr is a terminal
// (or log_format says so).
func newLogger(cfg config.Config, w io.Writer) zerolog.Logger {
	if logFormat(cfg, w) == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		level = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

func settingsMap(cfg config.Config) map[string]string {
	m := map[string]string{}
	for _, s := range cfg.Redacted() {
		m[s.Key] = s.Value
	}
	return m
}

// swapHandler serves with whichever handler was set last: the degraded one
// while start-up waits for the database, then everything.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// upgradeFailedFile is where the add-on's start-up script explains a failed
// upgrade of the bundled PostgreSQL (addon/rootfs/usr/lib/lifeops/common.sh).
const upgradeFailedFile = "postgres-upgrade-failed"

// outage is what the degraded handler shows: the last database error and
// the hints that fit how this LifeOps is set up.
type outage struct {
	mu    sync.Mutex
	cur   web.Outage
	hints []string
}

func newOutage(cfg config.Config, since time.Time) *outage {
	o := &outage{cur: web.Outage{What: "LifeOps cannot reach its database", Error: "connecting…", Since: since}}
	addon := cfg.SupervisorToken != ""
	if b, err := os.ReadFile(filepath.Join(cfg.DataDir, upgradeFailedFile)); err == nil && addon {
		o.cur.What = "The upgrade of the add-on's PostgreSQL failed"
		o.cur.Error = strings.TrimSpace(string(b))
		o.hints = []string{
			"Your data is untouched in its old form: the add-on's Log tab shows what the upgrade said.",
			"Restore the Home Assistant backup made by the previous LifeOps version, or reinstall that version and make a backup first.",
		}
		o.cur.Hints = o.hints
		return o
	}
	switch {
	case addon && bundledDatabase(cfg.DatabaseURL):
		o.hints = []string{
			"The add-on's own PostgreSQL may still be starting: wait a minute.",
			"Otherwise open the add-on's Log tab: PostgreSQL's own lines say why it did not start.",
		}
	default:
		o.hints = []string{
			"Check database_url: host, port, user, password and database name.",
			"Make sure the PostgreSQL server is running and reachable from LifeOps.",
		}
	}
	o.cur.Hints = o.hints
	return o
}

// record keeps the latest error of a connection attempt; a failed upgrade
// stays the headline.
func (o *outage) record(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cur.What == "LifeOps cannot reach its database" {
		o.cur.Error = redact.String(err.Error())
	}
}

func (o *outage) get() web.Outage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cur
}

// bundledDatabase reports whether url is the add-on's own PostgreSQL, which
// listens on 127.0.0.1:5432 inside the add-on.
func bundledDatabase(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Host == "127.0.0.1:5432" || u.Host == "localhost:5432")
}

// httpErrorLog turns what net/http logs (TLS handshake failures, accept
// errors, panics it recovered) into structured zerolog lines; by default
// they would be plain text inside the JSON log.
func httpErrorLog(log zerolog.Logger) *stdlog.Logger {
	return stdlog.New(httpLogWriter{log: log.With().Str("component", "http").Logger()}, "", 0)
}

type httpLogWriter struct{ log zerolog.Logger }

// net/http writes "http: TLS handshake error from 10.0.0.7:51234: EOF".
var tlsHandshakeLine = regexp.MustCompile(`^http: TLS handshake error from (\S+): (.*)$`)

func (w httpLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if m := tlsHandshakeLine.FindStringSubmatch(msg); m != nil {
		w.log.Warn().Str("remote_addr", m[1]).Str("error", m[2]).Msg("TLS handshake failed")
		return len(p), nil
	}
	w.log.Warn().Str("error", strings.TrimPrefix(msg, "http: ")).Msg("http server")
	return len(p), nil
}
