package main

import (
	"context"
	"net"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/caldav"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/web"
)

// caldavEnabled reports whether the configuration asks for a CalDAV server.
func caldavEnabled(cfg config.Config) bool { return cfg.CalDAVAddr != "" && cfg.CalDAVAddr != "off" }

// startCalDAV serves CalDAV on its own listener until ctx ends (with the
// REST API's TLS settings). wait returns once it has stopped. A port that
// is taken leaves LifeOps running without CalDAV (logged): the rest of it
// does not depend on CalDAV.
func startCalDAV(ctx context.Context, cfg config.Config, svc *app.Service, tokens *app.Tokens, log zerolog.Logger) (wait func() error) {
	if !caldavEnabled(cfg) {
		return func() error { return nil }
	}
	log = log.With().Str("component", "caldav").Logger()
	ln, err := net.Listen("tcp", cfg.CalDAVAddr)
	if err != nil {
		log.Error().Err(err).Str("addr", cfg.CalDAVAddr).Msg("caldav: cannot listen; LifeOps runs without CalDAV (set caldav_addr)")
		return func() error { return nil }
	}
	srv := caldav.New(caldav.Options{Service: svc, Tokens: tokens, Logger: log, RefuseDelete: cfg.CalDAVTodayDelete == "refuse"})
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, ln, srv.Handler(), cfg, log) }()
	log.Info().Str("addr", ln.Addr().String()).Str("path", caldav.PrincipalPath).Msg("caldav ready")
	return func() error { return <-done }
}

// startCalDAVRefresher has Home Assistant re-read a person's CalDAV
// entities soon after their day changed in LifeOps.
func startCalDAVRefresher(ctx context.Context, p *parts, cfg config.Config, client *hass.Client, svc *app.Service, log zerolog.Logger) {
	if !caldavEnabled(cfg) {
		return
	}
	r := hass.NewCalDAVRefresher(client, caldav.CollectionIDs, 0, log.With().Str("component", "caldav_refresh").Logger())
	svc.AddSink(r)
	p.caldav = r
	p.wg.Go(func() { r.Run(ctx) })
}

// refreshCalDAV has HA re-read everyone's CalDAV entities: a new day
// changes every Today list.
func (p *parts) refreshCalDAV(ctx context.Context, svc *app.Service) {
	if p.caldav == nil {
		return
	}
	people, err := svc.People(ctx)
	if err != nil {
		return // the next poll of HA's shows the new day anyway
	}
	ids := make([]int64, len(people))
	for i, person := range people {
		ids[i] = person.Value.ID
	}
	p.caldav.Refresh(ids...)
}

// caldavURL is the URL to give a CalDAV client for addr: the host is the
// machine's (in the add-on: the add-on's hostname for Home Assistant).
func caldavURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		host = "<host>"
	}
	return "http://" + net.JoinHostPort(host, port) + caldav.PrincipalPath
}

// webCalDAV is the CalDAV setup the panel shows.
func webCalDAV(cfg config.Config) web.CalDAV {
	if !caldavEnabled(cfg) {
		return web.CalDAV{}
	}
	return web.CalDAV{URL: caldavURL(cfg.CalDAVAddr), Collections: func(p domain.Person) []web.CalDAVCollection {
		var out []web.CalDAVCollection
		for _, c := range caldav.Collections(p) {
			out = append(out, web.CalDAVCollection{Name: c.Name, Component: c.Component, Path: c.Path})
		}
		return out
	}}
}
