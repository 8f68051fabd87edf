package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
)

// TokenBody is an API token without its secret.
type TokenBody struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope" enum:"read,write,admin"`
	PersonID   *int64     `json:"person_id,omitempty" doc:"set: the token may only touch this person"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" doc:"kept to the minute"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func tokenBody(t app.Token) TokenBody {
	return TokenBody{ID: t.ID, Name: t.Name, Scope: string(t.Scope), PersonID: t.PersonID, CreatedAt: t.Created,
		LastUsedAt: t.LastUsed, RevokedAt: t.Revoked}
}

// NewTokenBody is a created token: the secret appears here once and is
// never shown again.
type NewTokenBody struct {
	TokenBody
	Token string `json:"token" doc:"the secret: send it as Authorization: Bearer <token>. Shown once."`
}

// TokenCreate is the body of POST /api/v1/tokens.
type TokenCreate struct {
	Name   string `json:"name" minLength:"1" maxLength:"80"`
	Scope  string `json:"scope" enum:"read,write,admin"`
	Person string `json:"person,omitempty" doc:"bind the token to this person (id or slug)"`
}

func registerTokens(api huma.API, tokens *app.Tokens, cache *tokenCache) {
	tags := []string{"access"}
	admin := access{scope: app.ScopeAdmin}
	op(api, guard(huma.Operation{
		OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v1/tokens",
		Summary: "List API tokens", Description: "Secrets are never shown again.", Tags: tags,
	}, admin), func(ctx context.Context, _ *struct{}) (*struct{ Body TokenList }, error) {
		list, err := tokens.List(ctx)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body TokenList }{}
		out.Body.Items = make([]TokenBody, len(list))
		for i, t := range list {
			out.Body.Items[i] = tokenBody(t)
		}
		return out, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/tokens",
		Summary: "Create an API token", Description: "The answer carries the secret, once.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 422},
	}, admin), func(ctx context.Context, in *struct{ Body TokenCreate }) (*struct{ Body NewTokenBody }, error) {
		t, err := tokens.Create(ctx, app.TokenInput{Name: in.Body.Name, Scope: app.Scope(in.Body.Scope), Person: in.Body.Person})
		if err != nil {
			return nil, err
		}
		return &struct{ Body NewTokenBody }{NewTokenBody{TokenBody: tokenBody(t.Token), Token: t.Secret}}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "revoke-token", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}",
		Summary: "Revoke an API token", Description: "Takes effect at once on this instance, within seconds on other replicas.",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, admin), func(ctx context.Context, in *struct {
		ID int64 `path:"id" minimum:"1"`
	}) (*struct{}, error) {
		if err := tokens.Revoke(ctx, in.ID); err != nil {
			return nil, err
		}
		cache.forget()
		return nil, nil
	})
}

// PairingCodeCreate is the body of POST /api/v1/pairing-codes.
type PairingCodeCreate struct {
	Person string `json:"person" minLength:"1" doc:"the person the device will act for (id or slug)"`
}

// PairingCodeBody is a fresh pairing code.
type PairingCodeBody struct {
	Code      string    `json:"code" doc:"type it on the device; single use"`
	PersonID  int64     `json:"person_id"`
	ExpiresAt time.Time `json:"expires_at" doc:"ten minutes from now"`
}

// PairInput is the body of POST /api/v1/pair.
type PairInput struct {
	Code   string `json:"code" minLength:"1" maxLength:"20" doc:"the pairing code; case, spaces and dashes do not matter"`
	Device string `json:"device,omitempty" maxLength:"80" doc:"a name for the token, like \"Anna's phone\""`
}

func registerPairing(api huma.API, tokens *app.Tokens) {
	tags := []string{"access"}
	op(api, guard(huma.Operation{
		OperationID: "create-pairing-code", Method: http.MethodPost, Path: "/api/v1/pairing-codes",
		Summary: "Create a device pairing code", Description: "Single use, valid for ten minutes; a device exchanges it at POST /api/v1/pair.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 422},
	}, access{scope: app.ScopeAdmin}), func(ctx context.Context, in *struct{ Body PairingCodeCreate }) (*struct{ Body PairingCodeBody }, error) {
		c, err := tokens.CreatePairingCode(ctx, in.Body.Person)
		if err != nil {
			return nil, err
		}
		return &struct{ Body PairingCodeBody }{PairingCodeBody{Code: c.Code, PersonID: c.PersonID, ExpiresAt: c.ExpiresAt}}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "pair-device", Method: http.MethodPost, Path: "/api/v1/pair",
		Summary:     "Exchange a pairing code for a token",
		Description: "No credentials needed: the code is the credential. Answers a write token bound to the code's person. Failed attempts are rate-limited per address (429).",
		Tags:        tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 422, 429},
	}, access{credential: true}), func(ctx context.Context, in *struct{ Body PairInput }) (*struct{ Body NewTokenBody }, error) {
		t, err := tokens.Pair(ctx, in.Body.Code, in.Body.Device)
		if err != nil {
			return nil, err
		}
		return &struct{ Body NewTokenBody }{NewTokenBody{TokenBody: tokenBody(t.Token), Token: t.Secret}}, nil
	})
}

// TokenList is a list of tokens.
type TokenList struct {
	Items []TokenBody `json:"items"`
}
