package app

import (
	"context"
	"sync"
	"time"
)

// DepState is how one dependency is doing.
type DepState string

// The states of a dependency, as /readyz and the diagnostic entities show them.
const (
	DepOK       DepState = "ok"
	DepDisabled DepState = "disabled"
	DepDown     DepState = "down"
)

// DepStatus is one dependency's state and, when down, why.
type DepStatus struct {
	State DepState   `json:"status" enum:"ok,disabled,down" doc:"ok, disabled (not configured) or down"`
	Error string     `json:"error,omitempty" doc:"the last error, when down"`
	Since *time.Time `json:"since,omitempty" doc:"when the dependency entered this state"`
}

// Probe reports a dependency's current state. It must answer quickly: it is
// called on every /readyz request.
type Probe func(ctx context.Context) DepStatus

// Disabled is the probe of a dependency that is not configured.
func Disabled(context.Context) DepStatus { return DepStatus{State: DepDisabled} }

// Health gathers the probes of every dependency LifeOps talks to.
type Health struct {
	mu     sync.RWMutex
	probes map[string]Probe
	order  []string
}

// NewHealth returns a Health with every named dependency disabled until a
// probe is set for it.
func NewHealth(names ...string) *Health {
	h := &Health{probes: map[string]Probe{}}
	for _, n := range names {
		h.Set(n, Disabled)
	}
	return h
}

// Set installs the probe for dependency name.
func (h *Health) Set(name string, p Probe) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.probes[name]; !ok {
		h.order = append(h.order, name)
	}
	h.probes[name] = p
}

// Check runs every probe.
func (h *Health) Check(ctx context.Context) map[string]DepStatus {
	h.mu.RLock()
	probes := make(map[string]Probe, len(h.probes))
	for k, v := range h.probes {
		probes[k] = v
	}
	h.mu.RUnlock()
	out := make(map[string]DepStatus, len(probes))
	for name, p := range probes {
		out[name] = p(ctx)
	}
	return out
}

// Tracker remembers a dependency's last state change, for adapters whose
// state is pushed to them (connection callbacks) rather than polled.
type Tracker struct {
	mu     sync.Mutex
	status DepStatus
}

// NewTracker starts in state s.
func NewTracker(s DepState) *Tracker { return &Tracker{status: DepStatus{State: s}} }

// Set records a state; since is kept when the state does not change.
func (t *Tracker) Set(now time.Time, s DepState, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.status.State != s || t.status.Since == nil {
		t.status.Since = &now
	}
	t.status.State = s
	t.status.Error = ""
	if err != nil {
		t.status.Error = err.Error()
	}
}

// Probe reports the last recorded state.
func (t *Tracker) Probe(context.Context) DepStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}
