package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/domain"
)

// Scope is what an API token may do. Scopes are ordered: write includes
// read, admin includes write.
type Scope string

// The token scopes.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
	ScopeAdmin Scope = "admin"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s.rank() > 0 }

// Includes reports whether s grants everything need grants.
func (s Scope) Includes(need Scope) bool { return s.rank() >= need.rank() && need.rank() > 0 }

func (s Scope) rank() int {
	switch s {
	case ScopeRead:
		return 1
	case ScopeWrite:
		return 2
	case ScopeAdmin:
		return 3
	}
	return 0
}

// Token is a stored API token: never its secret, only the secret's hash.
type Token struct {
	ID       int64
	Name     string
	Scope    Scope
	PersonID *int64 // set: the token may only touch this person
	Created  time.Time
	LastUsed *time.Time
	Revoked  *time.Time
}

// NewToken is a freshly created token with its secret, which is shown once
// and never stored.
type NewToken struct {
	Token
	Secret string
}

// PairingCode is a single-use code a device exchanges for a person-bound
// write token.
type PairingCode struct {
	Code      string
	PersonID  int64
	ExpiresAt time.Time
}

// TokenStore keeps API tokens and pairing codes, both by hash only.
type TokenStore interface {
	TokenInsert(ctx context.Context, t Token, hash []byte) (Token, error)
	// TokenByHash finds a token that is not revoked; domain.ErrNotFound
	// otherwise.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	TokenList(ctx context.Context) ([]Token, error)
	// TokenRevoke marks a token revoked; domain.ErrNotFound when it does not
	// exist or is revoked already.
	TokenRevoke(ctx context.Context, id int64, at time.Time) error
	// TokenTouch records a use, but only when the stored last use is older
	// than at minus minGap: one write per token per gap however busy it is.
	TokenTouch(ctx context.Context, id int64, at time.Time, minGap time.Duration) error
	PairingInsert(ctx context.Context, hash []byte, personID int64, expires time.Time) error
	// PairingRedeem consumes a code that is unused and unexpired at now, and
	// inserts the token it buys in the same transaction; domain.ErrNotFound
	// when there is no such code.
	PairingRedeem(ctx context.Context, codeHash []byte, now time.Time, t Token, tokenHash []byte) (Token, error)
}

// Token lifetimes and sizes.
const (
	// TokenBytes is 256 random bits.
	TokenBytes = 32
	// PairingTTL is how long a pairing code stays valid.
	PairingTTL = 10 * time.Minute
	// TouchGap bounds how often a token's last use is written.
	TouchGap = time.Minute
	// pairingAlphabet leaves out 0/O, 1/I/L and U, which people misread or
	// mistype (Crockford's base32 without U).
	pairingAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
	pairingLen      = 8 // 30^8 ≈ 6.6·10^11; ten minutes and a failure rate limit make guessing hopeless
	maxTokenName    = 80
)

// Tokens issues, checks and revokes API tokens and pairing codes.
type Tokens struct {
	store  TokenStore
	people PersonStore
	now    func() time.Time
}

// NewTokens returns the token use cases over store; people resolves the
// person a token is bound to. now nil means time.Now.
func NewTokens(store TokenStore, people PersonStore, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{store: store, people: people, now: now}
}

// HashSecret is how token secrets and pairing codes are stored: SHA-256, so
// a database dump reveals no usable credential. The secrets carry 256 bits
// of entropy, so no slow hash is needed.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// TokenInput asks for a new token.
type TokenInput struct {
	Name   string
	Scope  Scope
	Person string // id or slug; empty: not bound to a person
}

// Create issues a token. The secret is in the result and nowhere else.
func (t *Tokens) Create(ctx context.Context, in TokenInput) (NewToken, error) {
	tok := Token{Name: strings.TrimSpace(in.Name), Scope: in.Scope}
	var v domain.ValidationError
	switch n := utf8.RuneCountInString(tok.Name); {
	case tok.Name == "":
		v.Add("name", nil, "is required")
	case n > maxTokenName || !utf8.ValidString(tok.Name):
		v.Add("name", nil, "must be at most 80 characters of text")
	}
	if !tok.Scope.Valid() {
		v.Add("scope", string(in.Scope), "must be read, write or admin")
	}
	if err := v.Err(); err != nil {
		return NewToken{}, err
	}
	if in.Person != "" {
		p, err := t.people.PersonGet(ctx, in.Person)
		if err != nil {
			return NewToken{}, err
		}
		tok.PersonID = &p.Value.ID
	}
	secret := randomSecret()
	tok.Created = t.now()
	stored, err := t.store.TokenInsert(ctx, tok, HashSecret(secret))
	if err != nil {
		return NewToken{}, fmt.Errorf("create token %q: %w", tok.Name, err)
	}
	return NewToken{Token: stored, Secret: secret}, nil
}

// Authenticate finds the live token whose secret this is;
// domain.ErrNotFound when none. It does not record the use: see Touch.
func (t *Tokens) Authenticate(ctx context.Context, secret string) (Token, error) {
	if secret == "" || len(secret) > 200 {
		return Token{}, fmt.Errorf("token: %w", domain.ErrNotFound)
	}
	return t.store.TokenByHash(ctx, HashSecret(secret))
}

// Touch records that token id was used now (at most one write per TouchGap).
func (t *Tokens) Touch(ctx context.Context, id int64) error {
	return t.store.TokenTouch(ctx, id, t.now(), TouchGap)
}

// List lists every token, revoked ones included, without secrets.
func (t *Tokens) List(ctx context.Context) ([]Token, error) { return t.store.TokenList(ctx) }

// Revoke revokes a token at once.
func (t *Tokens) Revoke(ctx context.Context, id int64) error {
	return t.store.TokenRevoke(ctx, id, t.now())
}

// CreatePairingCode makes a single-use code, valid for PairingTTL, that a
// device exchanges for a write token bound to person.
func (t *Tokens) CreatePairingCode(ctx context.Context, person string) (PairingCode, error) {
	p, err := t.people.PersonGet(ctx, person)
	if err != nil {
		return PairingCode{}, err
	}
	code := PairingCode{Code: randomPairingCode(), PersonID: p.Value.ID, ExpiresAt: t.now().Add(PairingTTL)}
	if err := t.store.PairingInsert(ctx, HashSecret(NormalizePairingCode(code.Code)), code.PersonID, code.ExpiresAt); err != nil {
		return PairingCode{}, fmt.Errorf("pairing code for person %d: %w", p.Value.ID, err)
	}
	return code, nil
}

// Pair exchanges a pairing code for a write token bound to the code's
// person; the code is spent. An unknown, used or expired code is
// domain.ErrNotFound (the caller cannot tell which, on purpose).
func (t *Tokens) Pair(ctx context.Context, code, device string) (NewToken, error) {
	device = strings.TrimSpace(device)
	if device == "" {
		device = "paired device"
	}
	if utf8.RuneCountInString(device) > maxTokenName || !utf8.ValidString(device) {
		return NewToken{}, domain.Invalid("device", nil, "must be at most 80 characters of text")
	}
	norm := NormalizePairingCode(code)
	if len(norm) != pairingLen {
		return NewToken{}, domain.Invalid("code", nil, "must be the 8-character code shown, like ABCD-2345")
	}
	secret := randomSecret()
	now := t.now()
	tok := Token{Name: device, Scope: ScopeWrite, Created: now}
	stored, err := t.store.PairingRedeem(ctx, HashSecret(norm), now, tok, HashSecret(secret))
	if err != nil {
		return NewToken{}, fmt.Errorf("pairing: %w", err)
	}
	return NewToken{Token: stored, Secret: secret}, nil
}

// NormalizePairingCode forgives how people type a code: case, spaces and
// dashes do not matter.
func NormalizePairingCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if r != '-' && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func randomSecret() string {
	b := make([]byte, TokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomPairingCode is "XXXX-XXXX" from pairingAlphabet, uniformly: bytes
// that would bias the modulo are drawn again.
func randomPairingCode() string {
	const n = len(pairingAlphabet)
	const limit = 256 - 256%n
	out := make([]byte, 0, pairingLen+1)
	var buf [1]byte
	for len(out) < pairingLen+1 {
		if len(out) == pairingLen/2 {
			out = append(out, '-')
			continue
		}
		_, _ = rand.Read(buf[:])
		if int(buf[0]) >= limit {
			continue
		}
		out = append(out, pairingAlphabet[int(buf[0])%n])
	}
	return string(out)
}

// StoredResponse is an HTTP answer kept under an Idempotency-Key, replayed
// byte for byte when the same request comes again.
type StoredResponse struct {
	RequestHash []byte
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyStore keeps answers to retried requests, per scope (the
// caller's identity) and key. A key is first claimed by the request that
// runs, then completed with its answer or released; duplicates that arrive
// meanwhile see the claim (Status 0) and wait.
type IdempotencyStore interface {
	// IdempotencyGet finds the completed answer kept for key;
	// domain.ErrNotFound when none (or when it has expired).
	IdempotencyGet(ctx context.Context, scope, key string) (StoredResponse, error)
	// IdempotencyClaim reserves key for the request with hash: claimed is
	// true when the caller now owns it and must complete (IdempotencyPut) or
	// release it. Otherwise it answers the row as it stands: Status 0 while
	// its owner still runs. A claim older than stale counts as abandoned (its
	// owner died) and may be taken over.
	IdempotencyClaim(ctx context.Context, scope, key string, hash []byte, stale time.Duration) (prior StoredResponse, claimed bool, err error)
	// IdempotencyPut keeps an answer, completing a claim of the same request;
	// false when the key holds another request's answer.
	IdempotencyPut(ctx context.Context, scope, key string, r StoredResponse) (bool, error)
	// IdempotencyRelease drops a claim that will not be completed (the
	// request failed), so the next duplicate runs instead of waiting.
	IdempotencyRelease(ctx context.Context, scope, key string) error
}
