package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// DefaultIngressPeer is the Supervisor's ingress proxy: the only peer whose
// X-Remote-User-* headers are believed.
const DefaultIngressPeer = "172.30.32.2"

// Ingress headers set by the Supervisor for the logged-in HA user.
const (
	headerRemoteUserID   = "X-Remote-User-Id"
	headerRemoteUserName = "X-Remote-User-Name"
)

// tokenCacheTTL bounds how long a token is trusted without asking the
// database. Revoking through this process takes effect at once; through
// another replica, within this time.
const tokenCacheTTL = 5 * time.Second

// maxCachedTokens bounds the cache; a household has a handful of tokens, so
// reaching it means someone is spraying secrets, which are never cached
// when unknown.
const maxCachedTokens = 1024

// access is an operation's rule: who may call it and which person it
// touches. It lives in Operation.Metadata so the middleware and the tests
// that walk the document read the same rule.
type access struct {
	scope app.Scope // "" is public
	// person is where the operation names its person: "path" ({person}),
	// "query" (?person=), or "" for none.
	person string
	// shared lets person-bound tokens call an operation that names no person
	// (the activity catalogue, the stat tree).
	shared bool
	// credential marks a public operation whose input is itself a secret
	// (a pairing code): its failures count like failed authentications.
	credential bool
}

const metaAccess = "lifeops.access"

func accessOf(o *huma.Operation) access {
	if o == nil || o.Metadata == nil {
		return access{}
	}
	a, _ := o.Metadata[metaAccess].(access)
	return a
}

// principal is who is calling.
type principal struct {
	tokenID  int64 // 0 for an ingress user
	haUser   string
	scope    app.Scope
	personID *int64
}

// key names the caller for rate limits and idempotency scopes.
func (p principal) key() string {
	if p.haUser != "" {
		return "ha:" + p.haUser
	}
	return "token:" + strconv.FormatInt(p.tokenID, 10)
}

type principalKey struct{}

func principalFrom(ctx context.Context) (principal, bool) {
	p, ok := ctx.Value(principalKey{}).(principal)
	return p, ok
}

// tokenCache remembers recently seen live tokens by secret hash.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedToken
}

type cachedToken struct {
	tok     app.Token
	fetched time.Time
}

func (c *tokenCache) get(hash string, now time.Time) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.fetched) > tokenCacheTTL {
		return cachedToken{}, false
	}
	return e, true
}

func (c *tokenCache) put(hash string, e cachedToken, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedToken{}
	}
	if len(c.entries) >= maxCachedTokens {
		for k, v := range c.entries {
			if now.Sub(v.fetched) > tokenCacheTTL {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedTokens {
			clear(c.entries)
		}
	}
	c.entries[hash] = e
}

// forget drops every cached token: after a revocation, the next request
// of each token asks the database again.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// authenticate is the middleware that decides who may call what:
//
//  1. public operations pass;
//  2. the caller is the HA ingress user (from the ingress peer only) or the
//     holder of a bearer token; otherwise 401, and failures count against the
//     caller's address (429 once it is over the limit);
//  3. the caller's scope must include the operation's (403);
//  4. the caller's own rate limit (429);
//  5. a person-bound caller may only touch its person (403).
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	acc := accessOf(ctx.Operation())
	if acc.scope == "" {
		if !acc.credential {
			next(ctx)
			return
		}
		addr := peerIP(ctx.RemoteAddr())
		if now := time.Now(); s.failLimits.exhausted(addr, now) {
			s.tooMany(ctx, s.failLimits.wait(addr, now), "too many failed attempts from this address")
			return
		}
		next(ctx)
		if st := ctx.Status(); st == 404 || st == 422 {
			s.failLimits.allow(addr, time.Now())
		}
		return
	}
	p, ok := s.identify(ctx)
	if !ok {
		return
	}
	if !p.scope.Includes(acc.scope) {
		writeProblem(s.api, ctx, 403, "this operation needs a %s token; this one is %s", acc.scope, p.scope)
		return
	}
	if wait, ok := s.callerLimits.allow(p.key(), time.Now()); !ok {
		s.tooMany(ctx, wait, "too many requests for this token")
		return
	}
	if p.personID != nil && !s.personAllowed(ctx, acc, *p.personID) {
		return
	}
	next(huma.WithValue(ctx, principalKey{}, p))
}

// identify finds the caller, answering 401 or 429 itself when it cannot.
func (s *Server) identify(ctx huma.Context) (principal, bool) {
	addr := peerIP(ctx.RemoteAddr())
	if user, ok := ingressUser(addr, ctx.Header(headerRemoteUserID), s.opts.IngressPeer); ok {
		return principal{haUser: user, scope: s.opts.IngressRole}, true
	}
	now := time.Now()
	if s.failLimits.exhausted(addr, now) {
		s.tooMany(ctx, s.failLimits.wait(addr, now), "too many failed authentications from this address")
		return principal{}, false
	}
	secret, found := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
	secret = strings.TrimSpace(secret)
	if !found || secret == "" {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="lifeops"`)
		writeProblem(s.api, ctx, 401, "authentication required: send Authorization: Bearer <token>")
		return principal{}, false
	}
	tok, err := s.lookupToken(ctx.Context(), secret, now)
	if err != nil {
		if !errors.Is(err, domain.ErrNotFound) {
			serverError(s.api, ctx, err, "token lookup failed")
			return principal{}, false
		}
		s.failLimits.allow(addr, now) // spend one of the address's failures
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="lifeops", error="invalid_token"`)
		writeProblem(s.api, ctx, 401, "the token is unknown or revoked")
		return principal{}, false
	}
	return principal{tokenID: tok.ID, scope: tok.Scope, personID: tok.PersonID}, true
}

// lookupToken asks the cache, then the database, and records the use at
// most once per app.TouchGap.
func (s *Server) lookupToken(ctx context.Context, secret string, now time.Time) (app.Token, error) {
	hash := string(app.HashSecret(secret))
	if e, ok := s.tokens.get(hash, now); ok {
		return e.tok, nil
	}
	tok, err := s.opts.Tokens.Authenticate(ctx, secret)
	if err != nil {
		return tok, err
	}
	e := cachedToken{tok: tok, fetched: now}
	if tok.LastUsed == nil || now.Sub(*tok.LastUsed) >= app.TouchGap {
		if err := s.opts.Tokens.Touch(ctx, tok.ID); err != nil {
			// Losing a last-used time is not worth failing the request for.
			zerolog.Ctx(ctx).Warn().Err(err).Int64("token_id", tok.ID).Msg("record token use")
		}
	}
	s.tokens.put(hash, e, now)
	return tok, nil
}

// personAllowed checks a person-bound caller against the person the
// operation touches, answering 403 itself when it may not.
func (s *Server) personAllowed(ctx huma.Context, acc access, bound int64) bool {
	var ref string
	switch acc.person {
	case "path":
		ref = ctx.Param("person")
	case "query":
		ref = ctx.Query("person")
	default:
		if acc.shared {
			return true
		}
		writeProblem(s.api, ctx, 403, "this token is bound to one person and this operation concerns the whole household")
		return false
	}
	if ref == strconv.FormatInt(bound, 10) {
		return true
	}
	if ref != "" {
		p, err := s.opts.Service.Person(ctx.Context(), ref)
		if err == nil && p.Value.ID == bound {
			return true
		}
		// A name matching no one or several is not theirs either (and the
		// refusal's list of the household is not for a bound token).
		if err != nil && !errors.Is(err, domain.ErrNotFound) && !errors.Is(err, domain.ErrConflict) {
			serverError(s.api, ctx, err, "resolve person for a bound token")
			return false
		}
	}
	writeProblem(s.api, ctx, 403, "this token may only touch its own person")
	return false
}

func (s *Server) tooMany(ctx huma.Context, wait time.Duration, msg string) {
	secs := int((wait + time.Second - 1) / time.Second)
	ctx.SetHeader("Retry-After", strconv.Itoa(max(1, secs)))
	writeProblem(s.api, ctx, 429, "%s", msg)
}

// Ingress reports whether r came through Home Assistant's ingress proxy,
// as which HA user and with what scope: the rule the API applies, for the
// add-on's pages to share.
func (s *Server) Ingress(r *http.Request) (user string, scope app.Scope, ok bool) {
	user, ok = ingressUser(peerIP(r.RemoteAddr), r.Header.Get(headerRemoteUserID), s.opts.IngressPeer)
	return user, s.opts.IngressRole, ok
}

// AuthBlocked reports whether the address of remote (a RemoteAddr) has
// used up its failed authentications, and how long until it may try again.
// The add-on's pages ask it before trying a login or a session cookie, so
// API and pages share one failed-auth limit per address.
func (s *Server) AuthBlocked(remote string) (time.Duration, bool) {
	addr, now := peerIP(remote), time.Now()
	if !s.failLimits.exhausted(addr, now) {
		return 0, false
	}
	return s.failLimits.wait(addr, now), true
}

// AuthFailed spends one of the failed authentications of remote's address.
func (s *Server) AuthFailed(remote string) { s.failLimits.allow(peerIP(remote), time.Now()) }

// ForgetTokens drops every cached token, so a revocation made elsewhere in
// this process (the add-on's pages) takes effect at once.
func (s *Server) ForgetTokens() { s.tokens.forget() }

// ingressUser believes X-Remote-User-Id only from the ingress peer.
func ingressUser(addr, user, peer string) (string, bool) {
	return user, user != "" && addr == peer
}

// peerIP is the address of the TCP peer, without its port.
func peerIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
