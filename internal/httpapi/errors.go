package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// detailInternal is all a client learns about a server failure: the request
// id finds the log line with the cause.
const detailInternal = "the server failed; the request id in X-Request-ID finds the cause in the log"

// problem turns any error a use case returns into an RFC 9457 problem. It is
// the only place that does: every operation is registered through op, which
// routes its errors here, so no raw error text reaches a client.
//
// ErrInvalidTransition is a 409, not a 422: the request is well formed and
// would be accepted in another state, which is what 409 Conflict means; 422
// is kept for input that is wrong whatever the state.
func problem(ctx context.Context, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return se // already a problem, made by this package
	}
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		// detail says every problem in words; errors[] keeps huma's shape,
		// each message a sentence naming the field and the value.
		details := make([]error, len(ve.Fields))
		for i, f := range ve.Fields {
			details[i] = &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Sentence(), Value: f.Value}
		}
		return huma.Error422UnprocessableEntity(publicMessage(err), details...)
	case errors.Is(err, domain.ErrNotFound):
		return huma.Error404NotFound(publicMessage(err))
	case errors.Is(err, domain.ErrPrecondition):
		return huma.Error412PreconditionFailed(publicMessage(err))
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrInvalidTransition):
		return huma.Error409Conflict(publicMessage(err))
	case errors.Is(err, app.ErrUnavailable):
		zerolog.Ctx(ctx).Warn().Err(err).Msg("request answered 503: database unavailable")
		return unavailableError()
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer, the log line is noise.
		return huma.NewError(499, "client closed request")
	}
	zerolog.Ctx(ctx).Error().Err(err).Msg("request failed")
	return huma.Error500InternalServerError(detailInternal)
}

// retryAfterUnavailable is what a 503 asks a client to wait: about the
// store's own retry budget, after which the database is back or /readyz
// says why not.
const retryAfterUnavailable = "5"

// detailUnavailable is the 503's detail.
const detailUnavailable = "the database is unavailable right now; retry after the Retry-After seconds (with the same Idempotency-Key for a write); /readyz says why"

func unavailableError() error {
	return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable(detailUnavailable), http.Header{"Retry-After": {retryAfterUnavailable}})
}

// serverError answers from a middleware a failure that is not the
// caller's: 503 with Retry-After when the database is unavailable, else a
// 500 whose cause goes to the log.
func serverError(api huma.API, ctx huma.Context, err error, msg string) {
	if errors.Is(err, app.ErrUnavailable) {
		zerolog.Ctx(ctx.Context()).Warn().Err(err).Msg(msg)
		ctx.SetHeader("Retry-After", retryAfterUnavailable)
		writeProblem(api, ctx, http.StatusServiceUnavailable, "%s", detailUnavailable)
		return
	}
	zerolog.Ctx(ctx.Context()).Error().Err(err).Msg(msg)
	writeProblem(api, ctx, http.StatusInternalServerError, "%s", detailInternal)
}

// publicMessage is the text of an error that the domain meant for people,
// as a sentence (domain.Say): what was not found or what clashed, built
// from the request's own words and ids, without the sentinels' words.
func publicMessage(err error) string {
	text, _ := domain.Say(err)
	return text
}

// op registers an operation whose handler's errors all go through problem.
func op[I, O any](api huma.API, o huma.Operation, h func(context.Context, *I) (*O, error)) {
	huma.Register(api, o, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, problem(ctx, err)
		}
		return out, nil
	})
}

// badParam is a 422 naming a query, path or header parameter.
func badParam(location string, value any, reason string) error {
	return huma.Error422UnprocessableEntity("validation failed", &huma.ErrorDetail{Location: location, Message: reason, Value: value})
}

// writeProblem answers from a middleware, before or instead of a handler.
func writeProblem(api huma.API, ctx huma.Context, status int, format string, args ...any) {
	_ = huma.WriteErr(api, ctx, status, fmt.Sprintf(format, args...))
}
