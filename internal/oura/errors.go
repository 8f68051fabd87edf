package oura

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lifeops/lifeops/internal/domain"
)

// Sentinel errors. Match them with errors.Is; the wrapping error carries the
// person, collection and Oura's own message.
var (
	// ErrReauthRequired means the person's Oura authorization is gone (the
	// refresh token was used, revoked or never stored, or a fresh access token
	// is still refused): only a new authorization-code flow helps.
	ErrReauthRequired = errors.New("oura authorization required")
	// ErrNotConnected means no token is stored for the person.
	ErrNotConnected = errors.New("oura not connected")
	// ErrForbidden is a 403: the person did not grant the scope for this data
	// type, or their Oura membership expired.
	ErrForbidden = errors.New("oura access forbidden")
	// ErrInvalidRequest is a 400 or 422: Oura refused the request's parameters.
	ErrInvalidRequest = errors.New("oura rejected the request")
	// ErrRateLimited is a 429 that outlived the client's retries.
	ErrRateLimited = errors.New("oura rate limit")
	// ErrUnavailable is a 5xx, timeout or network failure that outlived the
	// client's retries.
	ErrUnavailable = errors.New("oura unavailable")
	// ErrCircuitOpen means the client stopped calling Oura after repeated
	// failures; it retries by itself after a cool-down.
	ErrCircuitOpen = errors.New("oura circuit open")
)

// ValidationDetail is one entry of a FastAPI-style 422 body.
type ValidationDetail struct {
	Type  string          `json:"type"`
	Loc   []any           `json:"loc"`
	Msg   string          `json:"msg"`
	Input json.RawMessage `json:"input,omitempty"`
}

// APIError is a non-2xx answer from Oura, carrying the API's own message.
// errors.Is matches it against ErrForbidden, ErrInvalidRequest,
// ErrRateLimited, ErrUnavailable or domain.ErrNotFound by status.
type APIError struct {
	Status  int                // HTTP status
	Message string             // the API's "detail" when it is a string, else the joined 422 messages
	Details []ValidationDetail // the 422 entries, in order
	Body    []byte             // the raw body, for logs and debugging
}

// Error says the status and Oura's message.
func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("oura api: status %d", e.Status)
	}
	return fmt.Sprintf("oura api: status %d: %s", e.Status, e.Message)
}

// Is lets callers match on meaning instead of status numbers.
func (e *APIError) Is(target error) bool {
	switch target {
	case domain.ErrNotFound:
		return e.Status == 404
	case ErrForbidden:
		return e.Status == 403
	case ErrInvalidRequest:
		return e.Status == 400 || e.Status == 422
	case ErrRateLimited:
		return e.Status == 429
	case ErrUnavailable:
		return e.Status >= 500
	}
	return false
}

// parseAPIError reads Oura's error body: {"detail": "text"} for 403/404 and
// {"detail": [{type, loc, msg, input?}]} for 422. Anything else is kept raw.
func parseAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status, Body: body}
	var envelope struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &envelope) != nil || len(envelope.Detail) == 0 {
		return e
	}
	var text string
	if json.Unmarshal(envelope.Detail, &text) == nil {
		e.Message = text
		return e
	}
	if json.Unmarshal(envelope.Detail, &e.Details) == nil {
		msgs := make([]string, 0, len(e.Details))
		for _, d := range e.Details {
			msg := d.Msg
			if len(d.Loc) > 0 {
				parts := make([]string, len(d.Loc))
				for i, p := range d.Loc {
					parts[i] = fmt.Sprint(p)
				}
				msg = strings.Join(parts, ".") + ": " + msg
			}
			msgs = append(msgs, msg)
		}
		e.Message = strings.Join(msgs, "; ")
	}
	return e
}
