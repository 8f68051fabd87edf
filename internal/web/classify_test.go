package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
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

// TestTwoReasonsOfOneField: two refusals of one field read as two
// sentences, not "….; …".
func TestTwoReasonsOfOneField(t *testing.T) {
	t.Parallel()
	p := &page{Errors: map[string]string{}}
	var ve domain.ValidationError
	ve.Add("sensors[0]", "bed", "is not a sensor key")
	ve.Add("sensors[1]", "binary_sensor.bedd", "is not an entity Home Assistant has")
	if !formFailed(p, ve.Err()) {
		t.Fatal("a validation error was taken for a server failure")
	}
	got := p.Errors["sensors"]
	if strings.Contains(got, ".;") || strings.Count(got, ".") < 2 {
		t.Errorf("field error %q, want two sentences", got)
	}
}
