package oura

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Default endpoints. The spec's own `servers` entry is broken
// (https://api.None.com), so the base URL is spelled out here.
const (
	DefaultBaseURL      = "https://api.ouraring.com"
	DefaultAuthorizeURL = "https://cloud.ouraring.com/oauth/authorize"
)

// Scopes Oura grants, from the spec's securitySchemes (not its prose, which
// lists only six). Users grant each one separately; a missing one gives 403.
const (
	ScopeEmail     = "email"
	ScopePersonal  = "personal"
	ScopeDaily     = "daily"
	ScopeHeartrate = "heartrate"
	ScopeWorkout   = "workout"
	ScopeTag       = "tag"
	ScopeSession   = "session"
	ScopeSpO2Daily = "spo2Daily"
)

// AllScopes is every scope LifeOps can use, in the spec's order.
func AllScopes() []string {
	return []string{ScopeEmail, ScopePersonal, ScopeDaily, ScopeHeartrate, ScopeWorkout, ScopeTag, ScopeSession, ScopeSpO2Daily}
}

// ErrInvalidGrant is OAuth's invalid_grant: an authorization code that
// expired or was used, or a refresh token that was already used or revoked.
var ErrInvalidGrant = errors.New("invalid grant")

// Token is one person's OAuth2 token pair. Oura's refresh tokens are single
// use: whoever refreshes must store the new pair before using it.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"` // zero: unknown, trust it until a 401
	Scopes       []string  `json:"scopes,omitempty"`
}

// expirySkew refreshes a little early so a token does not expire in flight.
const expirySkew = time.Minute

// Fresh reports whether the access token can be used at now.
func (t Token) Fresh(now time.Time) bool {
	if t.AccessToken == "" {
		return false
	}
	return t.Expiry.IsZero() || now.Add(expirySkew).Before(t.Expiry)
}

// TokenStore keeps each person's current token pair. Save must be atomic (one
// transaction): the client calls it with a freshly rotated pair before the
// new access token is used, and a lost pair means the person must authorize
// again.
type TokenStore interface {
	// Load returns the stored pair, or an error matching domain.ErrNotFound.
	Load(ctx context.Context, personID int64) (Token, error)
	// Save replaces the stored pair.
	Save(ctx context.Context, personID int64, tok Token) error
}

// OAuthError is an error answer from Oura's token endpoint.
type OAuthError struct {
	Status      int
	Code        string // invalid_grant, invalid_client, invalid_redirect_uri, …
	Description string
}

// Error says the status, OAuth error code and description.
func (e *OAuthError) Error() string {
	msg := fmt.Sprintf("oura oauth: status %d", e.Status)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Is matches ErrInvalidGrant, and ErrUnavailable for 5xx answers.
func (e *OAuthError) Is(target error) bool {
	switch target {
	case ErrInvalidGrant:
		return e.Code == "invalid_grant"
	case ErrUnavailable:
		return e.Status >= 500
	}
	return false
}

// AuthorizeURL is where to send a person to grant LifeOps access. state must
// be unguessable and checked on the way back; scopes nil means AllScopes.
func (c *Client) AuthorizeURL(state, redirectURI string, scopes []string) string {
	if len(scopes) == 0 {
		scopes = AllScopes()
	}
	q := url.Values{
		"client_id":     {c.cfg.ClientID},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"scope":         {strings.Join(scopes, " ")},
		"state":         {state},
	}
	return c.cfg.AuthorizeURL + "?" + q.Encode()
}

// Exchange trades an authorization code (valid 10 minutes, single use) for a
// token pair. redirectURI must equal the one given to AuthorizeURL. The
// caller stores the pair.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (Token, error) {
	if code == "" {
		return Token{}, domain.Invalid("code", nil, "must not be empty")
	}
	tok, err := c.tokenRequest(ctx, url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {redirectURI},
	})
	if err != nil {
		return Token{}, fmt.Errorf("oura exchange: %w", err)
	}
	return tok, nil
}

// Refresh trades a refresh token for a new pair. The old refresh token is
// spent as soon as Oura answers, so the caller must store the result before
// anything else; the client's own token handling does exactly that.
// Refresh never retries: a retried refresh whose first answer was lost would
// burn the pair it is trying to save.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	if refreshToken == "" {
		return Token{}, fmt.Errorf("oura refresh: %w: no refresh token", ErrReauthRequired)
	}
	tok, err := c.tokenRequest(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	})
	if err != nil {
		return Token{}, fmt.Errorf("oura refresh: %w", err)
	}
	if tok.RefreshToken == "" {
		// Not rotated: the old one stays valid.
		tok.RefreshToken = refreshToken
	}
	return tok, nil
}

func (c *Client) tokenRequest(ctx context.Context, form url.Values) (Token, error) {
	form.Set("client_id", c.cfg.ClientID)
	form.Set("client_secret", c.cfg.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	sent := c.cfg.Now()
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Token{}, fmt.Errorf("%w: read token answer: %w", ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		oe := &OAuthError{Status: resp.StatusCode}
		var eb struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &eb) == nil {
			oe.Code, oe.Description = eb.Error, eb.Description
		}
		return Token{}, oe
	}
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
		Scope        string `json:"scope"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return Token{}, fmt.Errorf("decode token answer: %w", err)
	}
	if tr.AccessToken == "" {
		return Token{}, errors.New("token answer without access_token")
	}
	tok := Token{
		AccessToken:  tr.AccessToken,
		RefreshToken: tr.RefreshToken,
		TokenType:    tr.TokenType,
		Scopes:       slices.DeleteFunc(strings.Split(tr.Scope, " "), func(s string) bool { return s == "" }),
	}
	if tr.ExpiresIn > 0 {
		// Measured from when the request left, so the token never outlives Oura's idea of it.
		tok.Expiry = sent.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return tok, nil
}
