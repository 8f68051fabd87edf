package ouratest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Options configures a Server. Zero values take the defaults shown.
type Options struct {
	ClientID     string // default "test-client"
	ClientSecret string // default "test-secret"
	ExpiresIn    int    // access-token lifetime in seconds; default 86400
}

// Fault is a scripted failure for the next matching request(s).
type Fault struct {
	PathPrefix string        // only requests whose path starts with it; empty: any data request
	Status     int           // answer with this status (0: answer normally after Delay)
	RetryAfter int           // seconds, sent as Retry-After (and X-RateLimit-*) with a 429
	Delay      time.Duration // wait this long first (the client may time out and hang up)
	Times      int           // how many requests it hits; default 1
}

// Request is one request the server saw.
type Request struct {
	Method string
	Path   string
	Query  string
	Bearer string // the access token used, if any
	At     time.Time
}

// Server is the fake Oura. Use New; it closes itself at test cleanup.
type Server struct {
	URL string // base URL: pass as the client's BaseURL

	tb     testing.TB
	srv    *httptest.Server
	router routers.Router
	opts   Options

	mu          sync.Mutex
	cases       map[string]string
	pageSize    int
	forbidden   map[string]bool
	faults      []*Fault
	tokenFaults []*Fault
	codes       map[string]string    // authorization code → redirect_uri
	access      map[string]time.Time // access token → expiry
	refresh     map[string]bool      // refresh token → still unused
	log         []Request
	tokenLog    []string // grant types, with outcome
	violations  []string
	loaded      map[string][]item
}

// item is one recorded document with the keys the fake filters and looks up
// by, parsed once: decoding 2,141 documents per request made a windowed
// full-history sync take seconds.
type item struct {
	raw json.RawMessage
	id  string
	day string    // day, else start_day, else the timestamp's date
	ts  time.Time // heart-rate rows
}

// New starts a fake Oura for tb. At cleanup it closes and fails tb if any
// request violated Oura's OpenAPI document (see TakeViolations).
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.ClientID == "" {
		opts.ClientID = "test-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "test-secret"
	}
	if opts.ExpiresIn == 0 {
		opts.ExpiresIn = 86400
	}
	spec, err := fs.ReadFile(Fixtures(), "openapi-1.37.json")
	if err != nil {
		tb.Fatalf("ouratest: %v", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		tb.Fatalf("ouratest: load openapi-1.37.json: %v", err)
	}
	// The spec's own server (https://api.None.com) is broken; requests are
	// re-addressed to this host before routing.
	doc.Servers = openapi3.Servers{{URL: validationHost}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatalf("ouratest: openapi router: %v", err)
	}
	s := &Server{
		tb: tb, router: router, opts: opts,
		cases: map[string]string{}, forbidden: map[string]bool{},
		codes: map[string]string{}, access: map[string]time.Time{}, refresh: map[string]bool{},
		loaded: map[string][]item{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(func() {
		s.srv.Close()
		if v := s.Violations(); len(v) > 0 {
			tb.Errorf("ouratest: %d request(s) violated Oura's OpenAPI document:\n%s", len(v), strings.Join(v, "\n"))
		}
	})
	return s
}

const validationHost = "https://api.ouraring.test"

// ClientID is the app's client id the token endpoint accepts.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is the app's client secret the token endpoint accepts.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// SetCase picks which recording a list route serves: "" (multiple_<x>),
// "full_history", "empty_range" or "with_token", for the collection named
// as in the URL (daily_sleep, vO2_max, heartrate, …).
func (s *Server) SetCase(collection, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cases[collection] = name
}

// SetPageSize splits list answers into pages of n documents chained by
// next_token (0: one page, as recorded).
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// Forbid answers 403 {"detail":"Forbidden"} (recorded) for a collection, as
// when its scope was not granted.
func (s *Server) Forbid(collection string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[collection] = true
}

// Fail scripts failures for data requests, in order.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FailToken scripts failures for the token endpoint; a failed token request
// rotates nothing.
func (s *Server) FailToken(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenFaults = append(s.tokenFaults, &f)
}

// IssueCode returns an authorization code for redirectURI, as if the person
// had approved on Oura's consent page.
func (s *Server) IssueCode(redirectURI string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := randomToken("code")
	s.codes[c] = redirectURI
	return c
}

// IssueTokens returns a valid access/refresh pair, as if a person had
// authorized long ago.
func (s *Server) IssueTokens() (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked()
}

func (s *Server) issueLocked() (access, refresh string) {
	access, refresh = randomToken("at"), randomToken("rt")
	s.access[access] = time.Now().Add(time.Duration(s.opts.ExpiresIn) * time.Second)
	s.refresh[refresh] = true
	return access, refresh
}

// ExpireAccessToken makes Oura answer 401 to an access token from now on.
func (s *Server) ExpireAccessToken(access string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.access, access)
}

// RevokeRefreshToken marks a refresh token as used or revoked.
func (s *Server) RevokeRefreshToken(refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[refresh] = false
}

// Requests returns every data request seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// TokenRequests returns one line per token-endpoint call:
// "<grant_type> ok" or "<grant_type> <error or status>".
func (s *Server) TokenRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokenLog)
}

// Violations returns the OpenAPI violations recorded so far.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// TakeViolations returns and forgets the recorded violations, for tests that
// send invalid requests on purpose.
func (s *Server) TakeViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

func (s *Server) violation(r *http.Request, format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, r.Method+" "+r.URL.RequestURI()+": "+fmt.Sprintf(format, args...))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		s.serveToken(w, r)
		return
	}
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Bearer: bearer, At: time.Now()})
	s.mu.Unlock()

	s.validate(r)
	if f := s.takeFault(&s.faults, r.URL.Path); f != nil {
		if !pause(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			writeFault(w, f)
			return
		}
	}
	if !s.authorized(bearer) {
		writeJSON(w, http.StatusUnauthorized, []byte(`{"detail":"Unauthorized"}`))
		return
	}
	name, id, single := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/usercollection/"), "/")
	if !strings.HasPrefix(r.URL.Path, "/v2/usercollection/") || name == "" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	forbidden := s.forbidden[name]
	s.mu.Unlock()
	if forbidden {
		s.writeFixture(w, http.StatusForbidden, "get_webhook_subscription_forbidden.403.json")
		return
	}
	switch {
	case name == "personal_info":
		s.writeFixture(w, http.StatusOK, "single_personal_info.200.json")
	case single:
		s.serveSingle(w, name, id)
	default:
		s.serveList(w, r, name)
	}
}

// validate checks the request against Oura's OpenAPI document, plus one rule
// the library does not enforce: no query parameter the operation does not
// declare (a misspelt parameter is silently ignored by Oura).
func (s *Server) validate(r *http.Request) {
	vr := r.Clone(context.Background())
	u := *r.URL
	u.Scheme, u.Host = "https", strings.TrimPrefix(validationHost, "https://")
	vr.URL, vr.Host = &u, u.Host
	route, params, err := s.router.FindRoute(vr)
	if err != nil {
		s.violation(r, "no such route: %v", err)
		return
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			switch in.SecuritySchemeName {
			case "BearerAuth", "OAuth2":
				if strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
					return nil
				}
				return errors.New("no bearer token")
			}
			return fmt.Errorf("scheme %s not used by LifeOps", in.SecuritySchemeName)
		}},
	})
	if err != nil {
		s.violation(r, "%v", err)
	}
	declared := map[string]bool{}
	for _, p := range route.Operation.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	for k := range r.URL.Query() {
		if !declared[k] {
			s.violation(r, "query parameter %q is not declared by the operation", k)
		}
	}
}

func (s *Server) authorized(bearer string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.access[bearer]
	return ok && time.Now().Before(exp)
}

func (s *Server) takeFault(queue *[]*Fault, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range *queue {
		if f.PathPrefix != "" && !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		out := *f
		f.Times--
		if f.Times <= 0 {
			*queue = slices.Delete(*queue, i, i+1)
		}
		return &out
	}
	return nil
}

// pause waits d unless the client hangs up first; false means it did.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func writeFault(w http.ResponseWriter, f *Fault) {
	if f.Status == http.StatusTooManyRequests {
		ra := max(f.RetryAfter, 0)
		w.Header().Set("Retry-After", strconv.Itoa(ra))
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Window", "300")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Duration(ra)*time.Second).Unix(), 10))
		w.Header().Set("X-RateLimit-Tier", "application")
		writeJSON(w, f.Status, []byte(`{"detail":"Too Many Requests"}`))
		return
	}
	writeJSON(w, f.Status, []byte(`{"detail":"`+http.StatusText(f.Status)+`"}`))
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Server) writeFixture(w http.ResponseWriter, status int, name string) {
	body, err := readResponse(name)
	if err != nil {
		s.tb.Errorf("ouratest: fixture: %v", err)
		writeJSON(w, http.StatusInternalServerError, []byte(`{"detail":"fixture missing"}`))
		return
	}
	writeJSON(w, status, body)
}

// fileBase maps a route name to the recordings' spelling.
func fileBase(collection string) string {
	switch collection {
	case "daily_spo2":
		return "daily_sp02"
	case "heartrate":
		return "heart_rate"
	case "vO2_max":
		return "vo2_max"
	}
	return collection
}

func (s *Server) fixtureExists(name string) bool {
	_, err := fs.Stat(Fixtures(), path.Join("responses", name))
	return err == nil
}

// items returns the data array of a list recording, parsed once per server.
func (s *Server) items(name string) ([]item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it, ok := s.loaded[name]; ok {
		return it, nil
	}
	body, err := readResponse(name)
	if err != nil {
		return nil, err
	}
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	items := make([]item, len(page.Data))
	for i, raw := range page.Data {
		var k struct {
			ID        string `json:"id"`
			Day       string `json:"day"`
			StartDay  string `json:"start_day"`
			Timestamp string `json:"timestamp"`
		}
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("%s item %d: %w", name, i, err)
		}
		it := item{raw: raw, id: k.ID, day: k.Day}
		if it.day == "" {
			it.day = k.StartDay
		}
		if it.day == "" && len(k.Timestamp) >= 10 {
			it.day = k.Timestamp[:10]
		}
		it.ts, _ = time.Parse(time.RFC3339, k.Timestamp)
		items[i] = it
	}
	s.loaded[name] = items
	return items, nil
}

func (s *Server) serveSingle(w http.ResponseWriter, collection, id string) {
	base := fileBase(collection)
	if body, err := readResponse("single_" + base + ".200.json"); err == nil {
		var doc struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &doc) == nil && doc.ID == id {
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	for _, c := range []string{"", "_full_history", "_with_token"} {
		items, err := s.items("multiple_" + base + c + ".200.json")
		if err != nil {
			continue
		}
		for _, it := range items {
			if it.id == id {
				writeJSON(w, http.StatusOK, it.raw)
				return
			}
		}
	}
	if strings.Contains(id, "malformed") {
		for _, name := range []string{"single_" + base + "_malformed.422.json", "single_" + base + "_malformed_id.422.json"} {
			if s.fixtureExists(name) {
				s.writeFixture(w, http.StatusUnprocessableEntity, name)
				return
			}
		}
	}
	for _, name := range []string{"single_" + base + "_non_existing.404.json", "single_" + base + "_not_found.404.json"} {
		if s.fixtureExists(name) {
			s.writeFixture(w, http.StatusNotFound, name)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, []byte(`{"detail":"Not Found"}`))
}

type pageToken struct {
	Offset int    `json:"o"`
	Query  string `json:"q"`
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, collection string) {
	q := r.URL.Query()
	s.mu.Lock()
	c, pageSize := s.cases[collection], s.pageSize
	s.mu.Unlock()
	name := "multiple_" + fileBase(collection)
	if c != "" {
		name += "_" + c
	}
	name += ".200.json"
	items, err := s.items(name)
	if err != nil {
		s.tb.Errorf("ouratest: no recording for %s: %v", collection, err)
		writeJSON(w, http.StatusNotFound, []byte(`{"detail":"Not Found"}`))
		return
	}

	var keep func(item) bool
	if collection == "heartrate" {
		from, to, ok := s.datetimeRange(w, q)
		if !ok {
			return
		}
		keep = func(it item) bool {
			return (from.IsZero() || !it.ts.Before(from)) && (to.IsZero() || !it.ts.After(to))
		}
	} else {
		from, to, ok := s.dateRange(w, q)
		if !ok {
			return
		}
		// end_date is exclusive here, the strictest behaviour the recordings
		// show (daily_activity), so a client that forgets the extra day loses data.
		keep = func(it item) bool {
			return (from == "" || it.day >= from) && (to == "" || it.day < to)
		}
	}
	var data []json.RawMessage
	for _, it := range items {
		if keep(it) {
			data = append(data, it.raw)
		}
	}

	query := q.Get("start_date") + "|" + q.Get("end_date") + "|" + q.Get("start_datetime") + "|" + q.Get("end_datetime")
	offset := 0
	if tok := q.Get("next_token"); tok != "" {
		var pt pageToken
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || json.Unmarshal(raw, &pt) != nil || pt.Query != query || pt.Offset > len(data) {
			s.violation(r, "next_token not from this query")
			writeJSON(w, http.StatusBadRequest, []byte(`{"detail":"Invalid next_token"}`))
			return
		}
		offset = pt.Offset
	}
	data = data[offset:]
	var next *string
	if pageSize > 0 && len(data) > pageSize {
		data = data[:pageSize]
		raw, _ := json.Marshal(pageToken{Offset: offset + pageSize, Query: query})
		t := base64.RawURLEncoding.EncodeToString(raw)
		next = &t
	}
	// Assembled by hand: json.Marshal would compact and HTML-escape the
	// recorded items, and they are served byte for byte.
	var body bytes.Buffer
	body.WriteString(`{"data":[`)
	for i, it := range data {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(it)
	}
	body.WriteString(`],"next_token":`)
	nt, _ := json.Marshal(next)
	body.Write(nt)
	body.WriteByte('}')
	writeJSON(w, http.StatusOK, body.Bytes())
}

// dateRange reads start_date/end_date as dates ("" when absent); start after
// end gets Oura's recorded 422 with the caller's input.
func (s *Server) dateRange(w http.ResponseWriter, q map[string][]string) (from, to string, ok bool) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 && len(v[0]) >= 10 {
			return v[0][:10]
		}
		return ""
	}
	from, to = get("start_date"), get("end_date")
	if from != "" && to != "" && from > to {
		s.writeInvalidRange(w, q["start_date"][0])
		return "", "", false
	}
	return from, to, true
}

func (s *Server) datetimeRange(w http.ResponseWriter, q map[string][]string) (from, to time.Time, ok bool) {
	get := func(k string) time.Time {
		if v := q[k]; len(v) > 0 {
			t, _ := time.Parse(time.RFC3339, v[0])
			return t
		}
		return time.Time{}
	}
	from, to = get("start_datetime"), get("end_datetime")
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		s.writeInvalidRange(w, q["start_datetime"][0])
		return from, to, false
	}
	return from, to, true
}

func (s *Server) writeInvalidRange(w http.ResponseWriter, input string) {
	body, err := readResponse("multiple_tag_invalid_dates.422.json")
	if err != nil {
		s.tb.Errorf("ouratest: fixture: %v", err)
		return
	}
	var e struct {
		Detail []map[string]any `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Detail) > 0 {
		e.Detail[0]["input"] = input
		body, _ = json.Marshal(e)
	}
	writeJSON(w, http.StatusUnprocessableEntity, body)
}

// serveToken is POST /oauth/token: authorization_code and refresh_token
// grants; refresh tokens are single use and rotate on every refresh.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.violation(r, "token request with Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_request", err.Error()))
		return
	}
	grant := r.PostForm.Get("grant_type")
	logf := func(outcome string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.tokenLog = append(s.tokenLog, grant+" "+outcome)
	}
	if f := s.takeFault(&s.tokenFaults, r.URL.Path); f != nil {
		if !pause(r.Context(), f.Delay) {
			logf("hung up")
			return
		}
		if f.Status != 0 {
			logf(strconv.Itoa(f.Status))
			writeFault(w, f)
			return
		}
	}
	if r.PostForm.Get("client_id") != s.opts.ClientID || r.PostForm.Get("client_secret") != s.opts.ClientSecret {
		logf("invalid_client")
		writeJSON(w, http.StatusUnauthorized, oauthError("invalid_client", "unknown client or wrong secret"))
		return
	}
	s.mu.Lock()
	var access, refresh, failure string
	switch grant {
	case "authorization_code":
		redirect, ok := s.codes[r.PostForm.Get("code")]
		switch {
		case !ok:
			failure = "invalid_grant"
		case redirect != r.PostForm.Get("redirect_uri"):
			failure = "invalid_redirect_uri"
		default:
			delete(s.codes, r.PostForm.Get("code"))
			access, refresh = s.issueLocked()
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !s.refresh[rt] {
			failure = "invalid_grant"
		} else {
			s.refresh[rt] = false
			access, refresh = s.issueLocked()
		}
	default:
		failure = "unsupported_grant_type"
	}
	s.mu.Unlock()
	if failure != "" {
		logf(failure)
		desc := map[string]string{
			"invalid_grant":          "token already used or revoked",
			"invalid_redirect_uri":   "redirect_uri does not match",
			"unsupported_grant_type": "grant_type " + grant + " is not supported",
		}[failure]
		writeJSON(w, http.StatusBadRequest, oauthError(failure, desc))
		return
	}
	logf("ok")
	body, _ := json.Marshal(map[string]any{
		"access_token": access, "refresh_token": refresh, "token_type": "bearer",
		"expires_in": s.opts.ExpiresIn, "scope": "email personal daily heartrate workout tag session spo2Daily",
	})
	writeJSON(w, http.StatusOK, body)
}

func oauthError(code, desc string) []byte {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return b
}

func randomToken(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
