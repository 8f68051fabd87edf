package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// todayTTL bounds how stale a cached day can be: a change made through
// another replica, or the clock passing midnight, shows within this time.
// Changes through this process show at once (forget).
const todayTTL = 2 * time.Second

const maxTodayEntries = 256

// todayCache keeps recently computed days by person reference. A dashboard
// polls "today" far more often than anything changes, and computing it
// reads half a dozen tables.
type todayCache struct {
	mu      sync.Mutex
	entries map[string]todayEntry
	gen     uint64 // bumped by forget, so a computation racing a write is not kept
}

type todayEntry struct {
	body *TodayBody
	at   time.Time
}

var _ app.EventSink = (*todayCache)(nil)

func newTodayCache() *todayCache { return &todayCache{entries: map[string]todayEntry{}} }

// get returns the cached day of ref, or computes and keeps it.
func (c *todayCache) get(ctx context.Context, ref string, compute func() (*TodayBody, error)) (*TodayBody, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[ref]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(e.at) < todayTTL {
		return e.body, nil
	}
	body, err := compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		if len(c.entries) >= maxTodayEntries {
			clear(c.entries)
		}
		c.entries[ref] = todayEntry{body: body, at: now}
	}
	return body, nil
}

// forget drops every cached day. Writes are rare next to reads, and a
// write may touch several people's days (renames, deletions), so dropping
// all is simpler than knowing which.
func (c *todayCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// Publish implements app.EventSink: a change made by any adapter (an HA
// event, an MQTT command, a job) ends the cached days.
func (c *todayCache) Publish(context.Context, []domain.Event) { c.forget() }
