// Package web serves the add-on's own pages, the panel Home Assistant shows
// through ingress: today's score and timeline, people, habits, routines, the
// character's stat tree, tokens and diagnostics. Pages are rendered on the
// server with html/template, every form works without JavaScript (POST, then
// redirect), and every URL carries the ingress prefix from X-Ingress-Path.
// Assets are embedded: the panel works offline.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options are what the pages need from main.
type Options struct {
	Service *app.Service
	Tokens  *app.Tokens
	Health  *app.Health
	// Oura runs the Oura connection; nil shows Oura as not configured.
	Oura    *app.Oura
	Logger  zerolog.Logger
	Version string
	// Location is the household's time zone (default: the system's).
	Location func() *time.Location
	// Ingress reports whether a request came through Home Assistant's ingress
	// proxy, as which HA user and with what scope. main passes the REST API's
	// rule, so pages and API trust the same peer; nil trusts no one.
	Ingress func(r *http.Request) (user string, scope app.Scope, ok bool)
	// Revoked is called after a token is revoked here, so the REST API's
	// token cache forgets it at once; nil does nothing.
	Revoked func()
	// FailedAuth limits failed sign-ins and session cookies per address;
	// main passes the REST API's, so both share one limit. nil: no limit.
	FailedAuth FailedAuth
	// Insights finds what goes with better days; nil hides them.
	Insights *app.Insights
	// CalDAV is the CalDAV server's setup, shown on the to-dos page; zero
	// says it is off.
	CalDAV CalDAV
	// HAFiles writes the Home Assistant files of the Home Assistant page;
	// nil shows the page without them.
	HAFiles HAFiles
}

// FailedAuth is a failed-authentication limit per client address
// (http.Request.RemoteAddr).
type FailedAuth interface {
	// AuthBlocked reports whether remote may not try now, and for how long.
	AuthBlocked(remote string) (time.Duration, bool)
	// AuthFailed counts one failure of remote.
	AuthFailed(remote string)
}

// Handler serves the pages.
type Handler struct {
	opts  Options
	mux   *http.ServeMux
	pages map[string]*template.Template
	csrf  *http.CrossOriginProtection
	root  http.Handler
}

// Cookie names. The session cookie holds an admin token's secret for
// visitors who come without ingress.
const (
	cookieSession = "lifeops_session"
	cookieFlash   = "lifeops_flash"
)

// headerIngressPath is the base path the Supervisor's proxy serves the add-on
// under, e.g. /api/hassio_ingress/<token>.
const headerIngressPath = "X-Ingress-Path"

// New parses the templates and builds the routes.
func New(opts Options) (*Handler, error) {
	if opts.Location == nil {
		opts.Location = func() *time.Location { return time.Local }
	}
	h := &Handler{opts: opts, mux: http.NewServeMux(), pages: map[string]*template.Template{}, csrf: http.NewCrossOriginProtection()}
	h.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cross-origin form posts are refused: reload the page and try again", http.StatusForbidden)
	}))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		h.pages[strings.TrimSuffix(base, ".html")] = t
	}
	h.routes()
	h.root = h.csrf.Handler(http.HandlerFunc(h.serve))
	return h, nil
}

// ServeHTTP answers one page request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(h.opts.Logger.With().Str("component", "web").Logger().WithContext(r.Context()))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			zerolog.Ctx(r.Context()).Error().Interface("panic", v).Str("path", r.URL.Path).Msg("page panicked")
			http.Error(w, "the page failed; the log says why", http.StatusInternalServerError)
		}
	}()
	h.root.ServeHTTP(w, r)
}

// apiPaths are the paths the REST API answers (with what is below them);
// everything else is a page.
var apiPaths = []string{"/api", "/docs", "/healthz", "/readyz", "/health", "/metrics"}

// isAPI reports whether path belongs to the REST API: /openapi.json,
// /openapi-3.0.json and whatever else the document is served as count too.
func isAPI(path string) bool {
	if strings.HasPrefix(path, "/openapi") {
		return true
	}
	for _, p := range apiPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Root sends the REST API's paths to api and every other path to pages:
// ingress opens the add-on at its root, REST clients use /api/….
func Root(api, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /assets/", http.StripPrefix("/assets/", assets()))
	m.HandleFunc("GET /{$}", h.getToday)
	m.HandleFunc("POST /check-in", h.postCheckIn)
	m.HandleFunc("POST /timeline", h.postTimeline)
	m.HandleFunc("POST /activity", h.postActivity)
	m.HandleFunc("POST /mood", h.postMood)
	m.HandleFunc("GET /people", h.getPeople)
	m.HandleFunc("POST /people", h.postPerson)
	m.HandleFunc("POST /people/{person}", h.postPersonRename)
	m.HandleFunc("POST /people/{person}/delete", h.postPersonDelete)
	m.HandleFunc("POST /people/{person}/ha-user", h.postPersonHAUser)
	m.HandleFunc("GET /habits", h.getHabits)
	m.HandleFunc("POST /habits", h.postHabit)
	m.HandleFunc("GET /habits/{habit}", h.getHabit)
	m.HandleFunc("POST /habits/{habit}", h.postHabitUpdate)
	m.HandleFunc("POST /habits/{habit}/archive", h.postHabitArchive)
	m.HandleFunc("POST /habits/{habit}/days/{day}", h.postHabitDay)
	m.HandleFunc("POST /habits/{habit}/unarchive", h.postHabitUnarchive)
	m.HandleFunc("GET /routines", h.getRoutines)
	m.HandleFunc("GET /goals", h.getGoals)
	m.HandleFunc("GET /data", h.getData)
	m.HandleFunc("POST /data/import", h.postImport)
	m.HandleFunc("GET /data/export", h.getExport)
	m.HandleFunc("POST /routines", h.postRoutine)
	m.HandleFunc("POST /routines/{routine}/delete", h.postRoutineDelete)
	m.HandleFunc("GET /todos", h.getTodos)
	m.HandleFunc("POST /todos", h.postTodo)
	m.HandleFunc("POST /todos/{todo}/done", h.postTodoDone)
	m.HandleFunc("POST /todos/{todo}/delete", h.postTodoDelete)
	m.HandleFunc("GET /character", h.getCharacter)
	m.HandleFunc("GET /achievements", h.getAchievements)
	m.HandleFunc("POST /character/allocate", h.postAllocate)
	m.HandleFunc("POST /character/respec", h.postRespec)
	m.HandleFunc("GET /evidence", h.getEvidence)
	m.HandleFunc("POST /evidence", h.postRule)
	m.HandleFunc("POST /evidence/{rule}/delete", h.postRuleDelete)
	m.HandleFunc("POST /evidence/matches/{match}/undo", h.postMatchUndo)
	m.HandleFunc("GET /oura", h.getOura)
	m.HandleFunc("POST /oura/connect", h.postOuraConnect)
	m.HandleFunc("POST /oura/code", h.postOuraCode)
	m.HandleFunc("POST /oura/sync", h.postOuraSync)
	m.HandleFunc("POST /oura/disconnect", h.postOuraDisconnect)
	m.HandleFunc("GET /insights", h.getInsights)
	m.HandleFunc("POST /insights/sensors", h.postInsightSensor)
	m.HandleFunc("POST /insights/sensors/delete", h.postInsightSensorDelete)
	m.HandleFunc("GET /tokens", h.getTokens)
	m.HandleFunc("POST /tokens", h.postToken)
	m.HandleFunc("POST /tokens/{id}/revoke", h.postTokenRevoke)
	m.HandleFunc("POST /pairing-codes", h.postPairingCode)
	m.HandleFunc("GET /diagnostics", h.getDiagnostics)
	m.HandleFunc("GET /home-assistant", h.getHAFiles)
	m.HandleFunc("POST /login", h.postLogin)
	m.HandleFunc("POST /logout", h.postLogout)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusNotFound, "There is no such page.")
	})
}

// assets serves the embedded CSS and JavaScript. They change only with the
// binary, so browsers may keep them for a day.
func assets() http.Handler {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the directory is embedded; a failure is a build defect
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// viewer is who looks at the pages.
type viewer struct {
	Name    string
	Scope   app.Scope
	Ingress bool
	// UserID is the HA user's id under ingress (X-Remote-User-Id, trusted
	// only from the ingress peer); empty for a token's session.
	UserID string
}

type viewerKey struct{}

// serve authenticates, then routes. Assets are public: they are the same
// for everyone and the login page needs its stylesheet.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	// Everything the pages load is their own; inline style attributes place
	// the tree's buttons and the tree's SVG carries its own <style>.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
	if strings.HasPrefix(r.URL.Path, "/assets/") || (r.Method == http.MethodPost && r.URL.Path == "/login") {
		h.mux.ServeHTTP(w, r)
		return
	}
	if h.sessionCookie(r) != "" && !h.viaIngress(r) && h.tooMany(w, r) {
		return
	}
	v, ok := h.identify(r)
	if !ok {
		h.renderLogin(w, r, "", http.StatusUnauthorized)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, v))
	w.Header().Set("Cache-Control", "no-store")
	if need := needScope(r); !v.Scope.Includes(need) {
		h.renderError(w, r, http.StatusForbidden, fmt.Sprintf("This needs %s access; you have %s.", need, v.Scope))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// needScope is the access a request needs: the same as the REST API's for
// the same change (reading needs read, changing needs write; people, tokens
// and pairing codes need admin).
func needScope(r *http.Request) app.Scope {
	p := r.URL.Path
	if p == "/tokens" || strings.HasPrefix(p, "/tokens/") || p == "/pairing-codes" || p == "/home-assistant" {
		return app.ScopeAdmin
	}
	if r.Method == http.MethodPost {
		if p == "/logout" {
			return app.ScopeRead
		}
		if p == "/people" || strings.HasPrefix(p, "/people/") {
			return app.ScopeAdmin
		}
		return app.ScopeWrite
	}
	return app.ScopeRead
}

// identify finds the visitor: an ingress user, or the holder of an admin
// token given once on the login form and kept in a cookie.
func (h *Handler) identify(r *http.Request) (viewer, bool) {
	if h.opts.Ingress != nil {
		if user, scope, ok := h.opts.Ingress(r); ok {
			name := r.Header.Get("X-Remote-User-Display-Name")
			if name == "" {
				name = r.Header.Get("X-Remote-User-Name")
			}
			if name == "" {
				name = user
			}
			return viewer{Name: name, Scope: scope, Ingress: true, UserID: user}, true
		}
	}
	secret := h.sessionCookie(r)
	if secret == "" || h.opts.Tokens == nil {
		return viewer{}, false
	}
	tok, err := h.adminToken(r.Context(), secret)
	if err != nil {
		if errorsIsNotFound(err) {
			// A cookie nobody issued (or revoked) is a guess like a wrong token.
			h.failed(r)
		}
		return viewer{}, false
	}
	return viewer{Name: tok.Name, Scope: tok.Scope}, true
}

func (h *Handler) sessionCookie(r *http.Request) string {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return ""
	}
	return c.Value
}

func (h *Handler) viaIngress(r *http.Request) bool {
	if h.opts.Ingress == nil {
		return false
	}
	_, _, ok := h.opts.Ingress(r)
	return ok
}

func (h *Handler) failed(r *http.Request) {
	if h.opts.FailedAuth != nil {
		h.opts.FailedAuth.AuthFailed(r.RemoteAddr)
	}
}

// tooMany answers 429 with the sign-in form and a message when the
// visitor's address has used up its failed authentications.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request) bool {
	if h.opts.FailedAuth == nil {
		return false
	}
	wait, blocked := h.opts.FailedAuth.AuthBlocked(r.RemoteAddr)
	if !blocked {
		return false
	}
	secs := max(1, int((wait+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	h.renderLogin(w, r, fmt.Sprintf("Too many failed sign-ins from this address. Try again in %d seconds.", secs), http.StatusTooManyRequests)
	return true
}

// errNotAdmin refuses a token that may not open the pages.
var errNotAdmin = errors.New("only an admin token that is not bound to a person opens these pages")

func (h *Handler) adminToken(ctx context.Context, secret string) (app.Token, error) {
	tok, err := h.opts.Tokens.Authenticate(ctx, secret)
	if err != nil {
		return tok, err
	}
	if tok.Scope != app.ScopeAdmin || tok.PersonID != nil {
		return tok, errNotAdmin
	}
	return tok, nil
}

// ingressPath is the request's base path when it is a sane absolute path;
// anything else is ignored, so a forged header cannot point links elsewhere.
var ingressPath = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)

func basePath(r *http.Request) string {
	p := strings.TrimRight(r.Header.Get(headerIngressPath), "/")
	if p == "" || !ingressPath.MatchString(p) {
		return ""
	}
	return p
}

// cookiePath scopes cookies to the add-on's pages, under ingress too.
func cookiePath(r *http.Request) string { return basePath(r) + "/" }

// page is what every template gets.
type page struct {
	Base      string
	Title     string
	Nav       string
	Version   string
	Viewer    viewer
	People    []domain.Person
	Person    *domain.Person // the person the page is about, nil on household pages
	Flash     string
	FormError string
	Errors    map[string]string
	Form      url.Values
	Data      any
	status    int
}

// URL is path under the ingress prefix, with query pairs appended.
func (p *page) URL(path string, kv ...string) string {
	u := p.Base + path
	if len(kv) > 1 {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
	}
	return u
}

// PersonURL is path for the page's person.
func (p *page) PersonURL(path string) string {
	if p.Person == nil {
		return p.URL(path)
	}
	return p.URL(path, "person", p.Person.Slug)
}

// Val is the submitted value of a form field, to fill a form shown again.
func (p *page) Val(name string) string { return p.Form.Get(name) }

// ValAt is the i-th submitted value of a field that appears more than once.
func (p *page) ValAt(name string, i int) string {
	if vs := p.Form[name]; i < len(vs) {
		return vs[i]
	}
	return ""
}

// Vals are a multi-valued field's submitted values.
func (p *page) Vals(name string) []string { return p.Form[name] }

// Err is the error shown next to field name.
func (p *page) Err(name string) string { return p.Errors[name] }

// formAgain shows a form's page again after err, with what was posted and
// the reasons err gives for its fields; an error about something else gets
// the error page.
func (h *Handler) formAgain(w http.ResponseWriter, r *http.Request, err error, nav, title string, show func(p *page)) {
	p := h.newPage(w, r, nav, title)
	p.Form = r.PostForm
	if !formFailed(p, err) {
		h.fail(w, r, err)
		return
	}
	show(p)
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, nav, title string) *page {
	v, _ := r.Context().Value(viewerKey{}).(viewer)
	p := &page{Base: basePath(r), Title: title, Nav: nav, Version: h.opts.Version, Viewer: v, Errors: map[string]string{}, Form: url.Values{}}
	if c, err := r.Cookie(cookieFlash); err == nil && r.Method == http.MethodGet {
		if msg, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = msg
		}
		http.SetCookie(w, &http.Cookie{Name: cookieFlash, Path: cookiePath(r), MaxAge: -1})
	}
	return p
}

// selectPerson loads the household and picks the page's person: ?person=
// (or the form's person), else the person linked to the HA user looking
// (under ingress), else the first one. No people is not an error: the page
// invites to add one.
func (h *Handler) selectPerson(r *http.Request, p *page) error {
	people, err := h.opts.Service.People(r.Context())
	if err != nil {
		return err
	}
	for _, v := range people {
		p.People = append(p.People, v.Value)
	}
	ref := r.FormValue("person")
	if ref == "" {
		if len(p.People) > 0 {
			p.Person = &p.People[0]
		}
		if p.Viewer.UserID == "" {
			return nil
		}
		for i := range p.People {
			if p.People[i].HAUserID == p.Viewer.UserID {
				p.Person = &p.People[i]
				break
			}
		}
		return nil
	}
	for i := range p.People {
		if p.People[i].Slug == ref || fmt.Sprint(p.People[i].ID) == ref {
			p.Person = &p.People[i]
			return nil
		}
	}
	return fmt.Errorf("person %q: %w", ref, domain.ErrNotFound)
}

// render writes a page; the body is built first, so a template failure
// becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, p *page) {
	t, ok := h.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Str("page", name).Msg("render page")
		http.Error(w, "the page failed to render; the log says why", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.status == 0 {
		p.status = http.StatusOK
	}
	w.WriteHeader(p.status)
	_, _ = w.Write(b.Bytes())
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := h.newPage(w, r, "", http.StatusText(status))
	p.FormError, p.status = msg, status
	h.render(w, r, "error", p)
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, msg string, status int) {
	p := h.newPage(w, r, "", "Sign in")
	p.FormError, p.status = msg, status
	h.render(w, r, "login", p)
}

// fail shows what went wrong with a request that is not a form post: a
// missing person is a 404, a failure a 500 whose cause is in the log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := classify(err)
	if status == http.StatusInternalServerError {
		zerolog.Ctx(r.Context()).Error().Err(err).Str("path", r.URL.Path).Msg("page failed")
	}
	h.renderError(w, r, status, msg)
}

// classify maps an app error to a status and a sentence for people, as the
// REST API does (internal/httpapi/errors.go): only errors the domain meant
// for people show their text.
func classify(err error) (int, string) {
	text, _ := domain.Say(err)
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, text
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound, text
	case errors.Is(err, domain.ErrPrecondition):
		return http.StatusPreconditionFailed, text
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrInvalidTransition):
		return http.StatusConflict, text
	case errors.Is(err, app.ErrUnavailable):
		return http.StatusServiceUnavailable, "The database is unavailable right now. Try again in a few seconds."
	}
	return http.StatusInternalServerError, "the server failed; the log says why"
}

// formFailed puts err on the page: each invalid field's reason next to the
// field, anything else above the form. It returns false for server
// failures, which the caller answers with fail.
func formFailed(p *page, err error) bool {
	status, msg := classify(err)
	if status == http.StatusInternalServerError {
		return false
	}
	p.status = status
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			field := f.Field
			if i := strings.IndexByte(field, '['); i > 0 {
				field = field[:i] // items[2].title is shown at the items field
			}
			p.Errors[field] = joinReason(p.Errors[field], f.Sentence())
		}
		if len(ve.Fields) > 0 {
			p.FormError = "Please correct the fields marked below."
		}
		return true
	}
	p.FormError = upperFirst(msg)
	return true
}

// joinReason puts a field's second sentence after its first, as
// domain.Say does.
func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// done answers a successful form post: a flash message for the next page
// and a redirect to it (POST, redirect, GET), under the ingress prefix.
func done(w http.ResponseWriter, r *http.Request, next, msg string) {
	if msg != "" {
		http.SetCookie(w, &http.Cookie{Name: cookieFlash, Value: url.QueryEscape(msg), Path: cookiePath(r),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
	}
	http.Redirect(w, r, basePath(r)+next, http.StatusSeeOther)
}

// withPerson appends ?person= to path.
func withPerson(path, person string) string {
	if person == "" {
		return path
	}
	return path + "?person=" + url.QueryEscape(person)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
