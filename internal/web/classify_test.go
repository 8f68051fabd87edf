package web

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
)

// TestUnavailableIsNotAServerFault: a database that stays away through the
// store's retries is a 503 a person can act on ("try again"), not a 500.
func TestUnavailableIsNotAServerFault(t *testing.T) {
	t.Parallel()
	status, msg := classify(fmt.Errorf("habit 3 check-in: %w: %w", app.ErrUnavailable, errors.New("dial tcp: connection refused")))
	if status != http.StatusServiceUnavailable || msg == "" {
		t.Errorf("classify = %d %q, want 503 with a message", status, msg)
	}
	if status, _ := classify(errors.New("boom")); status != http.StatusInternalServerError {
		t.Errorf("an unknown error is %d, want 500", status)
	}
}
