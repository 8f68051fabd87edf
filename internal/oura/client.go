package oura

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// maxBody bounds one answer; a whole account's history arrives in one page
// (about 0.8 MB for 2,141 days of readiness), so this is generous.
const maxBody = 64 << 20

// maxPages stops a server that keeps answering with next tokens.
const maxPages = 10_000

// Config configures a Client. Zero values take the documented defaults.
type Config struct {
	ClientID     string // required
	ClientSecret string // required
	BaseURL      string // default DefaultBaseURL
	AuthorizeURL string // default DefaultAuthorizeURL
	TokenURL     string // default BaseURL + "/oauth/token"

	HTTPClient *http.Client // default: 60 s timeout per request
	Limiter    *Limiter     // default: a new one; share one per client id
	Breaker    *Breaker     // default: opens after 5 failures, probes after 30 s

	MaxAttempts int           // per request, for 429, 5xx and timeouts; default 4
	BackoffBase time.Duration // first retry delay; default 500 ms
	BackoffMax  time.Duration // retry delay cap; default 30 s
	Now         func() time.Time
}

// Client talks to Oura on behalf of every person of the household.
type Client struct {
	cfg    Config
	tokens *tokens
}

// New checks cfg, fills in defaults and returns a Client that reads and
// stores tokens in store.
func New(cfg Config, store TokenStore) (*Client, error) {
	var v domain.ValidationError
	if cfg.ClientID == "" {
		v.Add("oura_client_id", nil, "must not be empty")
	}
	if cfg.ClientSecret == "" {
		v.Add("oura_client_secret", nil, "must not be empty")
	}
	if store == nil {
		v.Add("token_store", nil, "must not be nil")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add("oura_api_url", cfg.BaseURL, "must be an absolute http or https URL")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if cfg.AuthorizeURL == "" {
		cfg.AuthorizeURL = DefaultAuthorizeURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = cfg.BaseURL + "/oauth/token"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewLimiter(cfg.Now)
	}
	if cfg.Breaker == nil {
		cfg.Breaker = NewBreaker(5, 30*time.Second, cfg.Now)
	}
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 4
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 500 * time.Millisecond
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 30 * time.Second
	}
	c := &Client{cfg: cfg}
	c.tokens = &tokens{client: c, store: store, persons: map[int64]*personTokens{}}
	return c, nil
}

// Breaker returns the client's circuit breaker, for /readyz.
func (c *Client) Breaker() *Breaker { return c.cfg.Breaker }

// Limiter returns the client's rate-limit gate.
func (c *Client) Limiter() *Limiter { return c.cfg.Limiter }

// Document is one item of a collection as Oura sent it, with the keys the
// store upserts by.
type Document struct {
	ID  string          // Oura's id; rows without one get a stable substitute: "day:<day>" or "ts:<timestamp>:<source>"
	Day string          // YYYY-MM-DD the document belongs to; empty when it has none
	Raw json.RawMessage // the item exactly as received
}

// Documents fetches every document of coll for the days from..to (inclusive,
// read as calendar dates) for one person, following next_token. It asks for
// one day more because some routes treat end_date as exclusive, so a document
// of the day after to may be included. Heartrate is read as the datetime
// range [from, to].
func (c *Client) Documents(ctx context.Context, personID int64, coll Collection, from, to time.Time) ([]Document, error) {
	q := url.Values{}
	switch coll.kind() {
	case kindDaily:
		if to.Before(from) {
			return nil, domain.Invalid("to", to.Format(time.DateOnly), "must not be before from")
		}
		q.Set("start_date", from.Format(time.DateOnly))
		q.Set("end_date", to.AddDate(0, 0, 1).Format(time.DateOnly))
	case kindTimeSeries:
		if to.Before(from) {
			return nil, domain.Invalid("to", to.Format(time.RFC3339), "must not be before from")
		}
		q.Set("start_datetime", from.Format(time.RFC3339))
		q.Set("end_datetime", to.Format(time.RFC3339))
	case kindUndated:
	default:
		return nil, domain.Invalid("collection", string(coll), "is not a list collection Oura serves")
	}
	var docs []Document
	seen := map[string]bool{}
	for range maxPages {
		body, err := c.get(ctx, personID, "/v2/usercollection/"+string(coll), q)
		if err != nil {
			return nil, fmt.Errorf("person %d %s: %w", personID, coll, err)
		}
		var page struct {
			Data      []json.RawMessage `json:"data"`
			NextToken *string           `json:"next_token"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("person %d %s: decode page: %w", personID, coll, err)
		}
		for _, raw := range page.Data {
			d, err := newDocument(raw)
			if err != nil {
				return nil, fmt.Errorf("person %d %s: %w", personID, coll, err)
			}
			docs = append(docs, d)
		}
		if page.NextToken == nil || *page.NextToken == "" {
			return docs, nil
		}
		if seen[*page.NextToken] {
			return nil, fmt.Errorf("person %d %s: next_token %q repeated", personID, coll, *page.NextToken)
		}
		seen[*page.NextToken] = true
		q.Set("next_token", *page.NextToken)
	}
	return nil, fmt.Errorf("person %d %s: more than %d pages", personID, coll, maxPages)
}

// Document fetches one document by id; a missing one is an *APIError that
// matches domain.ErrNotFound.
func (c *Client) Document(ctx context.Context, personID int64, coll Collection, id string) (Document, error) {
	if coll.kind() != kindDaily && coll != RingConfiguration {
		return Document{}, domain.Invalid("collection", string(coll), "has no single-document route")
	}
	if id == "" {
		return Document{}, domain.Invalid("id", nil, "must not be empty")
	}
	body, err := c.get(ctx, personID, "/v2/usercollection/"+string(coll)+"/"+url.PathEscape(id), nil)
	if err != nil {
		return Document{}, fmt.Errorf("person %d %s %s: %w", personID, coll, id, err)
	}
	d, err := newDocument(body)
	if err != nil {
		return Document{}, fmt.Errorf("person %d %s %s: %w", personID, coll, id, err)
	}
	return d, nil
}

// PersonalInfo fetches the person's Oura profile (needs the personal and
// email scopes).
func (c *Client) PersonalInfo(ctx context.Context, personID int64) (PersonalInfo, error) {
	body, err := c.get(ctx, personID, "/v2/usercollection/personal_info", nil)
	if err != nil {
		return PersonalInfo{}, fmt.Errorf("person %d personal_info: %w", personID, err)
	}
	var p PersonalInfo
	if err := json.Unmarshal(body, &p); err != nil {
		return PersonalInfo{}, fmt.Errorf("person %d personal_info: decode: %w", personID, err)
	}
	return p, nil
}

// get performs one logical GET with the whole failure policy: the shared
// pause, the breaker, retries with backoff for 429/5xx/timeouts, and one
// refresh on 401.
func (c *Client) get(ctx context.Context, personID int64, path string, q url.Values) ([]byte, error) {
	u := c.cfg.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	tok, err := c.tokens.token(ctx, personID, "")
	if err != nil {
		return nil, err
	}
	refreshed := false
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := c.cfg.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
		if err := c.cfg.Breaker.Allow(); err != nil {
			return nil, err
		}
		status, header, body, err := c.send(ctx, u, tok.AccessToken)
		if ctx.Err() != nil {
			c.cfg.Breaker.release()
			return nil, ctx.Err()
		}
		switch {
		case err != nil:
			lastErr = fmt.Errorf("%w: %w", ErrUnavailable, err)
			c.cfg.Breaker.Failure(lastErr)
		case status >= 500:
			lastErr = parseAPIError(status, body)
			c.cfg.Breaker.Failure(lastErr)
		case status == http.StatusTooManyRequests:
			// Not an outage: Oura is up and told us when to come back.
			c.cfg.Breaker.Success()
			lastErr = parseAPIError(status, body)
			c.cfg.Limiter.PauseUntil(c.cfg.Now().Add(retryAfter(header, c.cfg.Now())))
		case status == http.StatusUnauthorized:
			c.cfg.Breaker.Success()
			if refreshed {
				return nil, fmt.Errorf("%w: fresh access token refused", ErrReauthRequired)
			}
			refreshed = true
			if tok, err = c.tokens.token(ctx, personID, tok.AccessToken); err != nil {
				return nil, err
			}
			attempt-- // the refresh is not a retry of a failure
			continue
		case status >= 200 && status < 300:
			c.cfg.Breaker.Success()
			return body, nil
		default:
			c.cfg.Breaker.Success()
			return nil, parseAPIError(status, body)
		}
		if attempt >= c.cfg.MaxAttempts {
			return nil, lastErr
		}
		if status != http.StatusTooManyRequests {
			if err := sleep(ctx, c.backoff(attempt)); err != nil {
				return nil, err
			}
		}
	}
}

func (c *Client) send(ctx context.Context, u, accessToken string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read answer: %w", err)
	}
	if len(body) > maxBody {
		return 0, nil, nil, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// backoff is capped exponential with jitter in [d/2, d], so clients that
// failed together do not come back together.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BackoffMax
	if attempt < 31 {
		d = min(c.cfg.BackoffBase<<(attempt-1), c.cfg.BackoffMax)
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads how long a 429 asks us to wait: Retry-After (seconds or
// an HTTP date), else X-RateLimit-Reset (Unix seconds), else a minute.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
			return max(time.Duration(s)*time.Second, time.Second)
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), time.Second)
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(s, 0).Sub(now), time.Second)
		}
	}
	return time.Minute
}

// newDocument pulls the upsert keys out of one item. Items are tolerated
// without id (cardiovascular age in the recordings, heart-rate rows): they
// get a substitute that is stable across syncs.
func newDocument(raw json.RawMessage) (Document, error) {
	var keys struct {
		ID        string `json:"id"`
		Day       string `json:"day"`
		StartDay  string `json:"start_day"`
		Timestamp string `json:"timestamp"`
		Source    string `json:"source"`
	}
	if err := json.Unmarshal(raw, &keys); err != nil {
		return Document{}, fmt.Errorf("decode document: %w", err)
	}
	d := Document{ID: keys.ID, Day: keys.Day, Raw: raw}
	if d.Day == "" {
		d.Day = keys.StartDay
	}
	switch {
	case d.ID != "":
	case d.Day != "":
		d.ID = "day:" + d.Day
	case keys.Timestamp != "":
		d.ID = "ts:" + keys.Timestamp + ":" + keys.Source
	default:
		return Document{}, errors.New("document has neither id, day nor timestamp")
	}
	return d, nil
}
