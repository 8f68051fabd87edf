// Package caldav serves each person's day over CalDAV, so Home Assistant's
// caldav integration (and any CalDAV client) shows it as to-do lists and a
// calendar: "Today" (the habits due and the routine items of today, as
// VTODOs), "To-dos" (the person's to-dos) and "Routine" (the routine items
// of the coming days, as VEVENTs). go-webdav speaks the protocol; this
// package owns authentication (Basic, the password is a LifeOps token),
// the fixed paths, the rendering of LifeOps' state as iCalendar, the
// calendar-query matching and the mapping of writes to use cases.
package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // DUE;TZID=<IANA> arrives without VTIMEZONE; add-on images may lack zoneinfo

	"github.com/emersion/go-webdav/caldav"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// Fixed paths. Collection ids (the last path segment) never change: Home
// Assistant builds its entities' unique ids from them.
const (
	Prefix        = "/dav"
	PrincipalPath = Prefix + "/lifeops/"
	HomePath      = PrincipalPath + "calendars/"
)

// DefaultAddr is the CalDAV listener's default address.
const DefaultAddr = ":5232"

// Authenticator finds the token a Basic-auth password is.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (app.Token, error)
}

var _ Authenticator = (*app.Tokens)(nil)

// Options wire a Server.
type Options struct {
	Service *app.Service
	Tokens  Authenticator
	Logger  zerolog.Logger
	// RefuseDelete answers 403 to a DELETE on a Today item instead of
	// skipping the item for the day.
	RefuseDelete bool
}

// Server is the CalDAV face of LifeOps.
type Server struct {
	opts    Options
	handler http.Handler

	failMu sync.Mutex
	fails  map[string]*rate.Limiter // failed logins by client address
}

// Failed logins: ten at once, then one every six seconds per address, as
// the REST API allows; guessing a 256-bit token stays out of reach and a
// mistyped password in HA's config flow still gets its answer.
const (
	failBurst    = 10
	failEvery    = 6 * time.Second
	maxFailPeers = 4096
)

// failLimiter is the failed-login budget of the request's peer.
func (s *Server) failLimiter(r *http.Request) *rate.Limiter {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	s.failMu.Lock()
	defer s.failMu.Unlock()
	if s.fails == nil || len(s.fails) >= maxFailPeers {
		s.fails = map[string]*rate.Limiter{} // forgetting is safe: it only gives back tries
	}
	l, ok := s.fails[host]
	if !ok {
		l = rate.NewLimiter(rate.Every(failEvery), failBurst)
		s.fails[host] = l
	}
	return l
}

// New builds the server.
func New(o Options) *Server {
	s := &Server{opts: o}
	b := &backend{svc: o.Service, log: o.Logger, refuseDelete: o.RefuseDelete}
	dav := &caldav.Handler{Backend: b, Prefix: Prefix}
	s.handler = s.authenticate(s.route(dav))
	return s
}

// Handler is the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// viewer is who is calling: which people they may see and whether they
// may change anything.
type viewer struct {
	personID *int64 // nil: the whole household
	write    bool
}

func (v viewer) sees(personID int64) bool { return v.personID == nil || *v.personID == personID }

type viewerKey struct{}

func viewerFrom(ctx context.Context) viewer {
	v, _ := ctx.Value(viewerKey{}).(viewer)
	return v
}

// authenticate admits Basic auth whose password is a live LifeOps token;
// the user name is not checked (Home Assistant needs one; any will do).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, secret, ok := r.BasicAuth()
		if !ok || secret == "" {
			unauthorized(w)
			return
		}
		limiter := s.failLimiter(r)
		if limiter.Tokens() < 1 {
			w.Header().Set("Retry-After", strconv.Itoa(int(failEvery/time.Second)))
			http.Error(w, "too many failed logins from this address", http.StatusTooManyRequests)
			return
		}
		tok, err := s.opts.Tokens.Authenticate(r.Context(), secret)
		if errors.Is(err, domain.ErrNotFound) {
			limiter.Allow()
			unauthorized(w)
			return
		}
		if err != nil {
			s.opts.Logger.Error().Err(err).Msg("caldav: token lookup failed")
			http.Error(w, "token lookup failed", http.StatusServiceUnavailable)
			return
		}
		v := viewer{personID: tok.PersonID, write: tok.Scope.Includes(app.ScopeWrite)}
		if !v.write && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != "PROPFIND" &&
			r.Method != "REPORT" && r.Method != http.MethodOptions {
			http.Error(w, "this token may only read", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, v)))
	})
}

// unauthorized answers 401 with the standard reason phrase, which is what
// Home Assistant's config flow reads to say "invalid authentication".
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="LifeOps CalDAV", charset="UTF-8"`)
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}

// route answers the root and the paths go-webdav gets wrong, and hands
// the rest to it.
func (s *Server) route(dav http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/.well-known/caldav":
			http.Redirect(w, r, PrincipalPath, http.StatusPermanentRedirect)
			return
		case p == "/" || p == Prefix || p == Prefix+"/":
			s.serveRoot(w, r)
			return
		case !strings.HasPrefix(p, Prefix+"/"):
			http.NotFound(w, r)
			return
		}
		// go-webdav only answers a collection asked for with its trailing
		// slash; add it, so a URL typed without one works.
		if !strings.HasSuffix(p, "/") && !strings.HasSuffix(p, ".ics") {
			r.URL.Path = p + "/"
			r.URL.RawPath = ""
		}
		if r.Method == "REPORT" {
			// Read the calendar-query ourselves: go-webdav's decoder drops
			// negate-condition and collations.
			body, err := io.ReadAll(io.LimitReader(r.Body, maxReportBody+1))
			if err != nil || len(body) > maxReportBody {
				http.Error(w, "report body too large or unreadable", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if q, err := parseQuery(body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			} else if q != nil {
				r = r.WithContext(context.WithValue(r.Context(), queryKey{}, q))
			}
		}
		if r.Method == http.MethodPut {
			// go-webdav answers every PUT 201; the backend says whether
			// the object existed, and an update answers 204.
			st := &putState{}
			r = r.WithContext(context.WithValue(r.Context(), putKey{}, st))
			w = &putWriter{ResponseWriter: w, st: st}
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		dav.ServeHTTP(sw, r)
		if sw.status >= 500 {
			// go-webdav wrote the error; the log is where an operator sees it.
			s.opts.Logger.Error().Str("method", r.Method).Str("path", r.URL.Path).Int("status", sw.status).Msg("caldav request failed")
		}
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

const maxReportBody = 1 << 20

type putKey struct{}

type putState struct{ existed bool }

type putWriter struct {
	http.ResponseWriter
	st *putState
}

func (w *putWriter) WriteHeader(code int) {
	if code == http.StatusCreated && w.st.existed {
		code = http.StatusNoContent
	}
	w.ResponseWriter.WriteHeader(code)
}

// serveRoot answers the root: a PROPFIND names the principal under the
// href that was asked for (go-webdav would answer with the principal's
// href, which python-caldav reports as a path problem); a GET says where
// to point a client.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case "PROPFIND":
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusMultiStatus)
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		buf.WriteString(`<d:multistatus xmlns:d="DAV:"><d:response><d:href>`)
		_ = xml.EscapeText(&buf, []byte(r.URL.Path))
		buf.WriteString(`</d:href><d:propstat><d:prop><d:current-user-principal><d:href>` + PrincipalPath +
			`</d:href></d:current-user-principal><d:resourcetype><d:collection/></d:resourcetype></d:prop>` +
			`<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`)
		_, _ = w.Write(buf.Bytes())
	case http.MethodOptions:
		w.Header().Set("DAV", "1, 3, calendar-access")
		w.Header().Set("Allow", "OPTIONS, GET, HEAD, PROPFIND")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintf(w, "LifeOps CalDAV. Point your client (Home Assistant's CalDAV integration) at http://%s%s with any user name and a LifeOps token as the password.\n", r.Host, PrincipalPath)
	default:
		http.Error(w, "method not allowed on the root", http.StatusMethodNotAllowed)
	}
}
