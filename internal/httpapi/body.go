package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
)

// MaxBodyBytes caps every request body.
const MaxBodyBytes = 1 << 20

// bodyReadTimeout bounds how long a client may take to send its body.
const bodyReadTimeout = 5 * time.Second

// headerIdempotencyKey makes a POST safe to retry.
const headerIdempotencyKey = "Idempotency-Key"

// metaIdempotent marks operations that honour Idempotency-Key.
const metaIdempotent = "lifeops.idempotent"

// metaUpload marks a file upload and holds its size limit (int64 bytes).
const metaUpload = "lifeops.upload"

type hctx = huma.Context

// bufferedContext hands the next handler a body already read, and records
// what it answers so an idempotent answer can be kept.
type bufferedContext struct {
	hctx // embedded under another name: huma.Context has a method called Context
	body []byte

	record      bool
	status      int
	contentType string
	out         bytes.Buffer
}

func (c *bufferedContext) BodyReader() io.Reader { return bytes.NewReader(c.body) }

// SetReadDeadline does nothing: the body is already read. Huma sets one
// before it decodes a body (BodyReadTimeout, 5 s) and never clears it; on
// the real connection it would fire during net/http's background read
// after the body, cancel the connection's context, and with it the request
// under way (when it takes longer, e.g. while the database is retried) and
// every later request on that keep-alive connection.
func (c *bufferedContext) SetReadDeadline(time.Time) error { return nil }

func (c *bufferedContext) SetStatus(code int) {
	c.status = code
	c.hctx.SetStatus(code)
}

func (c *bufferedContext) SetHeader(name, value string) {
	if http.CanonicalHeaderKey(name) == "Content-Type" {
		c.contentType = value
	}
	c.hctx.SetHeader(name, value)
}

func (c *bufferedContext) BodyWriter() io.Writer {
	if !c.record {
		return c.hctx.BodyWriter()
	}
	return io.MultiWriter(c.hctx.BodyWriter(), &c.out)
}

// readBody checks what a request carries before any handler sees it: bad
// text in a path or query parameter or anywhere in a JSON body is a 422
// naming the field (text.go); a body larger than MaxBodyBytes is 413 on every
// method, also where the operation takes none; a body that is not UTF-8
// outside its strings is 400 (encoding/json would silently turn it into
// U+FFFD and store garbled names).
func (s *Server) readBody(ctx huma.Context, next func(huma.Context)) {
	o := ctx.Operation()
	if o != nil {
		if d := checkParams(ctx, o); d != nil {
			textProblem(s.api, ctx, d)
			return
		}
	}
	// A NUL or invalid UTF-8 outside any declared parameter would still
	// reach the database through a handler that reads the URL.
	if u := ctx.URL(); strings.ContainsRune(u.Path, 0) || strings.Contains(u.RawQuery, "%00") || !utf8.ValidString(u.Path) {
		writeProblem(s.api, ctx, 400, "the request path or query holds a NUL character or invalid UTF-8")
		return
	}
	if o != nil && o.RequestBody != nil {
		if limit, ok := o.Metadata[metaUpload].(int64); ok {
			// A file upload (multipart, binary) is read by the handler
			// itself, bounded by its own limit.
			r, w := humago.Unwrap(ctx)
			if r.ContentLength > limit {
				writeProblem(s.api, ctx, 413, "the upload is larger than its limit of %d MiB", limit>>20)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next(ctx)
			return
		}
	}
	// A slow client gets bodyReadTimeout for its body, as Huma would give
	// it; the deadline is cleared once the body is in.
	_ = ctx.SetReadDeadline(time.Now().Add(bodyReadTimeout))
	b, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), MaxBodyBytes+1))
	_ = ctx.SetReadDeadline(time.Time{})
	switch {
	case err != nil:
		writeProblem(s.api, ctx, 400, "could not read the request body")
		return
	case len(b) > MaxBodyBytes:
		writeProblem(s.api, ctx, 413, "the request body is larger than 1 MiB")
		return
	}
	if o == nil || o.RequestBody == nil {
		next(ctx)
		return
	}
	if d := checkBody(b); d != nil {
		textProblem(s.api, ctx, d)
		return
	}
	if !utf8.Valid(b) {
		writeProblem(s.api, ctx, 400, "the request body is not valid UTF-8")
		return
	}
	next(&bufferedContext{hctx: ctx, body: b})
}

// idempotencyStale is how long a claimed key may run before a duplicate
// takes it over (its first request died with its process); idempotencyWait
// is how long a duplicate waits for the first answer before giving up with
// 409. The wait outlasts the staleness, so a duplicate waiting on a request
// that died takes over instead of giving up.
const (
	idempotencyStale = 30 * time.Second
	idempotencyWait  = 40 * time.Second
)

// idempotency replays the first answer to a POST retried with the same
// Idempotency-Key and body, and refuses the key with another body. Keys are
// scoped to the caller. Bodies are compared as canonical JSON, so key order,
// spacing and 10.0 against 10 do not make another request. The first
// request claims the key in PostgreSQL before it runs; a duplicate that
// arrives meanwhile (on any replica) waits for its answer and replays it.
// Only successful answers are kept: an error may be transient, and retrying
// it must be able to succeed, so a failed request releases its claim and
// the next duplicate runs.
func (s *Server) idempotency(ctx huma.Context, next func(huma.Context)) {
	o := ctx.Operation()
	key := ctx.Header(headerIdempotencyKey)
	if key == "" || o == nil || o.Metadata[metaIdempotent] != true || s.opts.Idempotency == nil {
		next(ctx)
		return
	}
	if len(key) > 200 || !validRequestID(key) {
		_ = huma.WriteErr(s.api, ctx, 422, "validation failed", &huma.ErrorDetail{
			Location: "header." + headerIdempotencyKey, Message: "must be 1 to 200 printable ASCII characters without spaces"})
		return
	}
	bc, ok := ctx.(*bufferedContext)
	p, known := principalFrom(ctx.Context())
	if !ok || !known {
		next(ctx)
		return
	}
	h := sha256.New()
	h.Write([]byte(o.OperationID + "\n" + ctx.URL().Path + "\n"))
	h.Write(canonicalJSON(bc.body))
	hash := h.Sum(nil)
	scope := p.key()
	store := s.opts.Idempotency

	deadline := time.Now().Add(idempotencyWait)
	delay := 5 * time.Millisecond
	for {
		prior, claimed, err := store.IdempotencyClaim(ctx.Context(), scope, key, hash, idempotencyStale)
		switch {
		case err != nil:
			serverError(s.api, ctx, err, "idempotency claim failed")
			return
		case claimed:
			s.runClaimed(ctx, bc, next, scope, key, hash)
			return
		case !bytes.Equal(prior.RequestHash, hash):
			_ = huma.WriteErr(s.api, ctx, 422, "idempotency key reused", &huma.ErrorDetail{
				Location: "header." + headerIdempotencyKey, Value: key,
				Message: "was already used for a different request; use a new key for a new request"})
			return
		case prior.Status != 0:
			ctx.SetHeader("Content-Type", prior.ContentType)
			ctx.SetHeader("Idempotent-Replayed", "true")
			ctx.SetStatus(prior.Status)
			_, _ = ctx.BodyWriter().Write(prior.Body)
			return
		}
		// The first request with this key is still running: wait for it.
		if time.Now().After(deadline) {
			_ = huma.WriteErr(s.api, ctx, 409, "a request with this Idempotency-Key is still running; retry later", &huma.ErrorDetail{
				Location: "header." + headerIdempotencyKey, Value: key, Message: "is in use by a request that has not answered yet"})
			return
		}
		select {
		case <-ctx.Context().Done():
			writeProblem(s.api, ctx, 499, "client closed request")
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// runClaimed runs the request that owns key and keeps its answer, or
// releases the key when the answer is not a success.
func (s *Server) runClaimed(ctx huma.Context, bc *bufferedContext, next func(huma.Context), scope, key string, hash []byte) {
	store := s.opts.Idempotency
	log := zerolog.Ctx(ctx.Context())
	// The claim must be settled even when the client has gone away.
	settle := context.WithoutCancel(ctx.Context())
	done := false
	defer func() {
		if !done {
			if err := store.IdempotencyRelease(settle, scope, key); err != nil {
				log.Warn().Err(err).Msg("release idempotency key")
			}
		}
	}()
	bc.record = true
	next(bc)
	if bc.status < 200 || bc.status > 299 {
		return
	}
	done = true
	if _, err := store.IdempotencyPut(settle, scope, key, app.StoredResponse{
		RequestHash: hash, Status: bc.status, ContentType: bc.contentType, Body: bc.out.Bytes(),
	}); err != nil {
		// The answer is already out; a lost record only weakens the next
		// retry to the app's own dedup by key.
		log.Warn().Err(err).Msg("keep idempotent answer")
		done = false
	}
}

// canonicalJSON rewrites a JSON body so that equal documents read the same:
// object keys sorted, no insignificant space, numbers by value (10.0, 1e1
// and 10 are one number). A body that is not JSON is returned as it is.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	var b bytes.Buffer
	writeCanonical(&b, v)
	return b.Bytes()
}

func writeCanonical(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeCanonical(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(canonicalNumber(string(x)))
	default:
		eb, _ := json.Marshal(x)
		b.Write(eb)
	}
}

// canonicalNumber writes a JSON number by its value. Integers keep their
// digits (exact beyond float64); anything with a fraction or exponent is
// read as a float64 and written in its shortest form, which turns an
// integral value such as 10.0 or 1e1 into the same digits as 10.
func canonicalNumber(n string) string {
	if !strings.ContainsAny(n, ".eE") {
		if n == "-0" {
			return "0"
		}
		return n
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return n
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// callerKey scopes an Idempotency-Key to the caller before the app sees it:
// the app deduplicates per person, and two callers acting for one person
// must not collide on a key they chose independently.
func callerKey(ctx context.Context, key string) string {
	if key == "" {
		return ""
	}
	p, _ := principalFrom(ctx)
	return p.key() + ":" + key
}
