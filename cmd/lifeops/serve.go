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
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/migrate"
	"github.com/lifeops/lifeops/internal/postgres"
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
	log.Info().Str("version", version).Interface("config", settingsMap(cfg)).Msg("lifeops starting")

	pool, err := openDatabase(ctx, cfg.DatabaseURL, log)
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

	var p parts
	ouraNotes := &laterNotifier{log: log.With().Str("component", "oura").Logger()}
	ouraUC, ouraHook, err := newOura(cfg, store, svc, z, health, ouraNotes)
	if err != nil {
		return fmt.Errorf("oura: %w", err)
	}
	p.oura, p.ouraNotes = ouraUC, ouraNotes

	if err := p.startIngester(ctx, cfg, pool, svc, log); err != nil {
		return fmt.Errorf("sensor readings: %w", err)
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
		Oura: ouraUC, OuraWebhook: ouraHook, Rate: cfg.APIRate, Burst: cfg.APIBurst})
	// Changes made through HA or MQTT end the API's short "today" cache.
	svc.AddSink(api.EventSink())
	if err := p.startJobs(ctx, pool, svc, z, metrics, log); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}

	// The add-on's pages share the listener: ingress opens the root, REST
	// clients use /api/…; both trust the same ingress peer.
	pages, err := web.New(web.Options{Service: svc, Tokens: app.NewTokens(store, store, nil), Health: health, Oura: ouraUC,
		Logger: log, Version: version, Location: z.Location, Ingress: api.Ingress, Revoked: api.ForgetTokens, FailedAuth: api})
	if err != nil {
		return fmt.Errorf("web pages: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	log.Info().Str("addr", ln.Addr().String()).Dur("startup", time.Since(start)).Msg("lifeops ready")
	return serveHTTP(ctx, ln, web.Root(api.Handler(), pages), cfg, log)
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
func openDatabase(ctx context.Context, url string, log zerolog.Logger) (*pgxpool.Pool, error) {
	var last error
	pool, err := backoff.Retry(ctx, func() (*pgxpool.Pool, error) {
		pool, err := postgres.Open(ctx, url)
		last = err
		return pool, err
	}, backoff.WithBackOff(waitingBackOff(250*time.Millisecond, 5*time.Second)), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, wait time.Duration) {
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

// newLogger logs JSON, or a human console format when stderr is a terminal
// (or log_format says so).
func newLogger(cfg config.Config, w io.Writer) zerolog.Logger {
	format := cfg.LogFormat
	if format == "" {
		format = "json"
		under := w
		if rw, ok := w.(interface{ Unwrap() io.Writer }); ok {
			under = rw.Unwrap()
		}
		if f, ok := under.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				format = "console"
			}
		}
	}
	if format == "console" {
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
