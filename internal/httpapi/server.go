// Package httpapi serves LifeOps' REST API with Huma on the standard
// http.ServeMux: one file per resource, each with a registerXxx function,
// the translation of app errors into RFC 9457 problems in one place
// (errors.go), and the middleware that authenticates, rate-limits, caps
// bodies and replays idempotent answers.
package httpapi

import (
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/lifeops/lifeops/internal/app"
)

// Options are what the API needs from main. Only Version, Logger and Health
// are needed to render the document (`lifeops openapi`); serving requests
// needs Service and Tokens too.
type Options struct {
	Version string
	Logger  zerolog.Logger
	Health  *app.Health
	Service *app.Service
	Tokens  *app.Tokens
	// Idempotency keeps answers for Idempotency-Key; nil disables replay
	// (the app still applies a retried write once).
	Idempotency app.IdempotencyStore
	// Metrics nil: a fresh set without database-pool metrics.
	Metrics *Metrics
	// Oura runs the Oura connection (nil only to render the document);
	// OuraWebhook nil disables the webhook receiver.
	Oura        *app.Oura
	OuraWebhook OuraWebhook
	// Insights answers …/insights (nil only to render the document).
	Insights *app.Insights
	// IngressPeer is the address whose X-Remote-User-* headers are believed
	// (default DefaultIngressPeer); IngressRole is what such a user may do
	// (default admin).
	IngressPeer string
	IngressRole app.Scope
	// HAFiles writes the household's Home Assistant files (nil only to
	// render the document).
	HAFiles HAFiles
	// Rate and Burst limit each caller (defaults DefaultRate, DefaultBurst).
	Rate  float64
	Burst int
}

// Server is the HTTP face of LifeOps.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	api     huma.API
	handler http.Handler

	tokens       tokenCache
	callerLimits *limiters
	failLimits   *limiters
	today        *todayCache

	// The /docs page, rendered once from the finished document.
	docsOnce sync.Once
	docs     []byte
	docsErr  error
}

// New builds the API and registers every operation.
func New(opts Options) *Server {
	if opts.IngressPeer == "" {
		opts.IngressPeer = DefaultIngressPeer
	}
	if opts.IngressRole == "" {
		opts.IngressRole = app.ScopeAdmin
	}
	if opts.Rate <= 0 {
		opts.Rate = DefaultRate
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil, opts.Health)
	}
	s := &Server{
		opts:         opts,
		mux:          http.NewServeMux(),
		callerLimits: newLimiters(rate.Limit(opts.Rate), opts.Burst),
		failLimits:   newLimiters(failRate, failBurst),
		today:        newTodayCache(),
	}
	s.api = humago.New(s.mux, apiConfig(opts.Version))
	// Order matters: count everything, refuse strangers before reading their
	// bodies, and key idempotent answers by the caller found by authenticate.
	s.api.UseMiddleware(opts.Metrics.observe, s.authenticate, s.readBody, s.idempotency, s.invalidate)

	svc := opts.Service
	registerHealth(s.api, opts.Health)
	registerMetrics(s.api, opts.Metrics)
	registerPeople(s.api, svc)
	registerActivities(s.api, svc)
	registerHabits(s.api, svc)
	registerPauses(s.api, svc)
	registerGoals(s.api, svc)
	registerImports(s.api, svc)
	registerExport(s.api, svc)
	registerHistory(s.api, svc)
	registerCheckIns(s.api, svc)
	registerToday(s.api, svc, s.today)
	registerScores(s.api, svc)
	registerWeights(s.api, svc)
	registerMood(s.api, svc)
	registerCharacter(s.api, svc)
	registerAchievements(s.api, svc)
	registerRoutines(s.api, svc)
	registerEvidence(s.api, svc)
	registerSensors(s.api, svc)
	registerTodos(s.api, svc)
	registerTokens(s.api, opts.Tokens, &s.tokens)
	registerPairing(s.api, opts.Tokens)
	registerOura(s.api, opts.Oura, opts.OuraWebhook)
	registerInsights(s.api, opts.Insights)
	registerHAFiles(s.api, opts.HAFiles)
	// Routines, timeline items, evidence rules and the Oura connection add
	// their registerXxx here when their issues land.

	s.mux.HandleFunc("GET /docs", s.serveDocs)
	s.handler = requestID(opts.Logger, recoverPanics(problemRoutes(s.mux)))
	return s
}

// apiConfig describes the document; `lifeops openapi` and /openapi.json both
// come from it.
func apiConfig(version string) huma.Config {
	cfg := huma.DefaultConfig("LifeOps API", version)
	cfg.Transformers = append(cfg.Transformers, plainProblems)
	cfg.Info.Description = "Life management for Home Assistant: people, habits, streaks, the Daily Life Score and an RPG character.\n\n" +
		"Authentication: every operation except /healthz, /readyz, /health, /openapi* and /docs needs `Authorization: Bearer <token>` " +
		"(tokens come from `lifeops token create`, POST /api/v1/tokens or device pairing). Scopes: read (GET only), write (changes), " +
		"admin (tokens, pairing codes, people and household settings, /metrics). A token bound to a person may only touch that person. " +
		"Requests through the Home Assistant ingress are authenticated as the HA user with the add-on's configured role.\n\n" +
		"Errors are RFC 9457 problem+json. Each caller is rate-limited (429 with Retry-After). POSTs of activities, check-ins, moods and to-dos " +
		"accept an Idempotency-Key: the same key and body replay the first answer; the same key with another body is refused (422)."
	cfg.Info.License = &huma.License{Name: "MIT", Identifier: "MIT"}
	cfg.Info.Contact = &huma.Contact{Name: "LifeOps", URL: "https://github.com/lifeops/lifeops"}
	cfg.Servers = []*huma.Server{{URL: "http://homeassistant.local:8000", Description: "the add-on's REST port"}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token (256 random bits, base64url)."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	cfg.Tags = []*huma.Tag{
		{Name: "health", Description: "Liveness, readiness and metrics"},
		{Name: "people", Description: "The household's people"},
		{Name: "activities", Description: "Logged activities and the activity catalogue"},
		{Name: "habits", Description: "Habits, check-ins, streaks and pauses"},
		{Name: "today", Description: "The Daily Life Score, its history and mood"},
		{Name: "character", Description: "The RPG character, the stat tree and achievements"},
		{Name: "routines", Description: "Routines and each day's timeline of their items"},
		{Name: "insights", Description: "What goes with better sleep, mood and scores: correlations between daily variables, as sentences"},
		{Name: "todos", Description: "To-dos: a person's one-off tasks (also served over CalDAV)"},
		{Name: "evidence", Description: "Evidence rules: sensors that check in, log or complete by themselves, and their matches"},
		{Name: "access", Description: "API tokens and device pairing"},
		{Name: "oura", Description: "The Oura Ring connection: OAuth2, sync, status, webhook"},
	}
	// Schemas are served inline in the document; a separate /schemas route
	// would be one more public path to guard.
	cfg.SchemasPath = ""
	// Huma's docs page loads its renderer from a CDN; the add-on must work
	// offline, so /docs is a page of our own (docs.go).
	cfg.DocsPath = ""
	// No $schema field in bodies and no describedBy Link header: clients
	// parse plain JSON, and the schemas live in /openapi.json.
	cfg.CreateHooks = nil
	return cfg
}

// EventSink lets main subscribe the API to the app's committed events, so
// changes that did not come through the API end its cached days at once.
func (s *Server) EventSink() app.EventSink { return s.today }

// Handler is the root handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// OpenAPI returns the API's document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// invalidate ends the cached days after every successful change made
// through the API.
func (s *Server) invalidate(ctx huma.Context, next func(huma.Context)) {
	next(ctx)
	if ctx.Method() != http.MethodGet && ctx.Status() < 400 {
		s.today.forget()
	}
}

// guard attaches an access rule to an operation and documents it: the
// security requirement and the answers the middleware may give.
func guard(o huma.Operation, acc access) huma.Operation {
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	o.Metadata[metaAccess] = acc
	// 400: readBody refuses a NUL or invalid UTF-8 outside the declared
	// parameters (and, with a body, one not UTF-8 or not JSON); 413 a body
	// too large on any method; 422 bad text in a parameter or the body.
	// 503: the database stayed unavailable through the store's retries.
	o.Errors = append(o.Errors, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity, http.StatusServiceUnavailable)
	if acc.scope == "" {
		// One empty requirement: callable without credentials.
		o.Security = []map[string][]string{{}}
		return o
	}
	o.Errors = append(o.Errors, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests)
	if o.Method == http.MethodPost || o.Method == http.MethodPut || o.Method == http.MethodPatch {
		// Huma's answer to a content type other than JSON.
		o.Errors = append(o.Errors, http.StatusUnsupportedMediaType)
	}
	return o
}

// scoped is guard with the scope the method implies: GET reads, anything
// else writes.
func scoped(o huma.Operation, person string) huma.Operation {
	scope := app.ScopeWrite
	if o.Method == http.MethodGet {
		scope = app.ScopeRead
	}
	return guard(o, access{scope: scope, person: person})
}
