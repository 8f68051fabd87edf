package oura_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

// memStore is an in-memory TokenStore whose Save can be made to fail, to
// play a crash or a database outage between receiving and storing a pair.
type memStore struct {
	mu       sync.Mutex
	tokens   map[int64]oura.Token
	saves    int
	failSave int // fail this many Save calls
}

var _ oura.TokenStore = (*memStore)(nil)

func newMemStore() *memStore { return &memStore{tokens: map[int64]oura.Token{}} }

func (m *memStore) Load(_ context.Context, personID int64) (oura.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[personID]
	if !ok {
		return oura.Token{}, fmt.Errorf("token of person %d: %w", personID, domain.ErrNotFound)
	}
	return t, nil
}

func (m *memStore) Save(_ context.Context, personID int64, tok oura.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failSave > 0 {
		m.failSave--
		return errors.New("database is down")
	}
	m.saves++
	m.tokens[personID] = tok
	return nil
}

func (m *memStore) get(personID int64) oura.Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[personID]
}

func (m *memStore) setFailSave(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failSave = n
}

// connect gives personID a fresh pair issued by the fake.
func connect(fake *ouratest.Server, store *memStore, personID int64) oura.Token {
	access, refresh := fake.IssueTokens()
	tok := oura.Token{AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(time.Hour)}
	store.tokens[personID] = tok
	return tok
}

// newClient is a client for fake with fast retries.
func newClient(t *testing.T, fake *ouratest.Server, store oura.TokenStore, mod func(*oura.Config)) *oura.Client {
	t.Helper()
	cfg := oura.Config{
		ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), BaseURL: fake.URL,
		HTTPClient:  &http.Client{Timeout: 5 * time.Second},
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := oura.New(cfg, store)
	if err != nil {
		t.Fatalf("oura.New: %v", err)
	}
	return c
}

// recorded reads the data items of a recorded list response.
func recorded(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	body := ouratest.Response(t, name)
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Data
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return ouratest.Response(t, name)
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// manualClock is a settable clock for the breaker.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
