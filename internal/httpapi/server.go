// Package httpapi serves LifeOps' REST API with Huma on the standard
// http.ServeMux: one file per resource, each with a registerXxx function, and
// the translation of app errors into RFC 9457 problems in one place.
package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
)

// Options are what the API needs from main.
type Options struct {
	Version string
	Logger  zerolog.Logger
	Health  *app.Health
}

// Server is the HTTP face of LifeOps.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	api     huma.API
	handler http.Handler
}

// New builds the API and registers every operation.
func New(opts Options) *Server {
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.api = humago.New(s.mux, apiConfig(opts.Version))
	registerHealth(s.api, opts.Health)
	s.handler = requestID(opts.Logger, recoverPanics(s.mux))
	return s
}

// apiConfig describes the document; `lifeops openapi` and /openapi.json both
// come from it.
func apiConfig(version string) huma.Config {
	cfg := huma.DefaultConfig("LifeOps API", version)
	cfg.Info.Description = "Life management for Home Assistant: people, habits, streaks, the Daily Life Score and an RPG character."
	cfg.Info.License = &huma.License{Name: "MIT", Identifier: "MIT"}
	cfg.Servers = []*huma.Server{{URL: "http://homeassistant.local:8000", Description: "the add-on's REST port"}}
	// Schemas are served inline in the document; a separate /schemas route
	// would be one more public path to guard.
	cfg.SchemasPath = ""
	// No $schema field in bodies and no describedBy Link header: clients
	// parse plain JSON, and the schemas live in /openapi.json.
	cfg.CreateHooks = nil
	return cfg
}

// Handler is the root handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// OpenAPI returns the API's document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }
