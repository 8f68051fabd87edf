package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

type slowInput struct {
	Body struct {
		Wait string `json:"wait"`
	}
}

type slowOutput struct {
	Body struct {
		OK bool `json:"ok"`
	}
}

// TestSlowRequestKeepsItsContext: a request with a body that takes longer
// than Huma's body read timeout (5 s), as one does while the database is
// retried, keeps its context, and so does the next request on the same
// keep-alive connection. Huma's read deadline on the connection used to
// fire in net/http's background read and cancel both.
func TestSlowRequestKeepsItsContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	huma.Register(e.srv.api, guard(huma.Operation{OperationID: "test-slow", Method: http.MethodPost, Path: "/test/slow"}, access{}),
		func(ctx context.Context, in *slowInput) (*slowOutput, error) {
			d, err := time.ParseDuration(in.Body.Wait)
			if err != nil {
				return nil, huma.Error422UnprocessableEntity(err.Error())
			}
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, errors.New("the request's context ended: " + context.Cause(ctx).Error())
			}
			out := &slowOutput{}
			out.Body.OK = true
			return out, nil
		})
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()
	client := srv.Client()
	for i, wait := range []string{"6s", "10ms", "10ms"} {
		res, err := client.Post(srv.URL+"/test/slow", "application/json", strings.NewReader(`{"wait":"`+wait+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("request %d (waits %s): status %d, want 200", i, wait, res.StatusCode)
		}
	}
}
