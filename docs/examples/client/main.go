// Command client is the Go example of docs/api.md: it drives the LifeOps
// REST API through the client generated from openapi.json. Run it with the
// server's URL and a write or admin token:
//
//	LIFEOPS_URL=http://homeassistant.local:8000 TOKEN=… go run ./docs/examples/client
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/lifeops/lifeops/apiclient"
)

func main() {
	if err := run(context.Background(), os.Getenv("LIFEOPS_URL"), os.Getenv("TOKEN")); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, baseURL, token string) error {
	c, err := apiclient.NewClientWithResponses(baseURL,
		apiclient.WithHTTPClient(&http.Client{Transport: retryOn429{http.DefaultTransport}, Timeout: time.Minute}),
		apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		return err
	}

	// Add a person.
	person, err := c.CreatePersonWithResponse(ctx, apiclient.CreatePersonJSONRequestBody{Name: "Robin"})
	if err != nil {
		return err
	}
	if person.JSON201 == nil {
		return problem("add a person", person.HTTPResponse, person.ApplicationproblemJSON422, person.ApplicationproblemJSON409)
	}
	slug := person.JSON201.Slug

	// Log an activity. The Idempotency-Key makes a retry safe: the second
	// call replays the first answer instead of logging the run twice.
	key := "robin-run-1"
	for range 2 {
		run, err := c.LogActivityWithResponse(ctx, slug, &apiclient.LogActivityParams{IdempotencyKey: &key},
			apiclient.LogActivityJSONRequestBody{Type: "run", Amount: 5})
		if err != nil {
			return err
		}
		if run.JSON201 == nil {
			return problem("log a run", run.HTTPResponse, run.ApplicationproblemJSON422, run.ApplicationproblemJSON404)
		}
		fmt.Printf("run %d: %d XP (replayed: %s)\n", run.JSON201.Id, run.JSON201.Xp, run.HTTPResponse.Header.Get("Idempotent-Replayed"))
	}

	// Read today's score and its explanation.
	today, err := c.GetTodayWithResponse(ctx, slug)
	if err != nil {
		return err
	}
	if today.JSON200 == nil {
		return problem("read today", today.HTTPResponse, today.ApplicationproblemJSON404)
	}
	fmt.Printf("%s: score %d, %q, level %d\n", today.JSON200.Day, today.JSON200.Score.Score,
		today.JSON200.Score.Explanation, today.JSON200.Xp.Level)

	// Page through the activity history, two at a time.
	params := &apiclient.ListActivitiesParams{Limit: ptr(int64(2))}
	for {
		page, err := c.ListActivitiesWithResponse(ctx, slug, params)
		if err != nil {
			return err
		}
		if page.JSON200 == nil {
			return problem("list activities", page.HTTPResponse, page.ApplicationproblemJSON422)
		}
		for _, a := range *page.JSON200.Items {
			fmt.Printf("activity %d: %s %g\n", a.Id, a.Type, a.Amount)
		}
		if page.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = page.JSON200.NextCursor
	}

	// A problem+json error: an unknown person answers 404 with a detail
	// that says what is wrong.
	missing, err := c.GetTodayWithResponse(ctx, "nobody")
	if err != nil {
		return err
	}
	if p := missing.ApplicationproblemJSON404; p != nil {
		fmt.Printf("%d: %s\n", *p.Status, *p.Detail)
	}
	return nil
}

// problem turns an unexpected answer into an error carrying the
// problem+json detail, when there is one.
func problem(what string, res *http.Response, problems ...*apiclient.ErrorModel) error {
	for _, p := range problems {
		if p != nil && p.Detail != nil {
			return fmt.Errorf("%s: %s: %s", what, res.Status, *p.Detail)
		}
	}
	return fmt.Errorf("%s: %s", what, res.Status)
}

// retryOn429 waits as long as a 429's Retry-After says and sends the
// request again, a few times at most.
type retryOn429 struct{ next http.RoundTripper }

func (t retryOn429) RoundTrip(r *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		res, err := t.next.RoundTrip(r)
		if err != nil || res.StatusCode != http.StatusTooManyRequests || attempt == 3 {
			return res, err
		}
		wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		res.Body.Close()
		select {
		case <-time.After(time.Duration(wait) * time.Second):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
		// A RoundTripper must not change its request: send a copy with
		// a fresh body.
		r = r.Clone(r.Context())
		if r.GetBody != nil {
			if r.Body, err = r.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
