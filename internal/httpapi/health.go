package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
)

// ReadyBody is /readyz's answer: one entry per dependency.
type ReadyBody struct {
	Status string                   `json:"status" enum:"ready,not_ready" doc:"ready when the database answers and its schema is current"`
	Checks map[string]app.DepStatus `json:"checks" doc:"database, mqtt, home_assistant and oura"`
}

type readyOutput struct {
	Status int
	Body   ReadyBody
}

// HealthBody is /healthz's answer.
type HealthBody struct {
	Status string `json:"status" enum:"ok" doc:"always ok: the process is alive"`
}

type healthOutput struct {
	Body HealthBody
}

// readinessGate is the dependency whose state decides readiness. MQTT, Home
// Assistant and Oura may be down while LifeOps keeps serving what it can.
const readinessGate = "database"

func registerHealth(api huma.API, health *app.Health) {
	live := func(context.Context, *struct{}) (*healthOutput, error) {
		out := &healthOutput{}
		out.Body.Status = "ok"
		return out, nil
	}
	op(api, guard(huma.Operation{
		OperationID: "get-healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "Liveness", Description: "Answers 200 while the process runs.", Tags: []string{"health"},
	}, access{}), live)
	op(api, guard(huma.Operation{
		OperationID: "get-health", Method: http.MethodGet, Path: "/health",
		Summary: "Liveness (alias of /healthz)", Description: "Kept for clients of the first release.", Tags: []string{"health"},
	}, access{}), live)
	op(api, guard(huma.Operation{
		OperationID: "get-readyz", Method: http.MethodGet, Path: "/readyz",
		Summary:     "Readiness",
		Description: "200 only when the database answers and the schema is current; 503 otherwise. Lists every dependency.",
		Tags:        []string{"health"},
		Responses: map[string]*huma.Response{
			"503": {Description: "Not ready: see the checks", Content: map[string]*huma.MediaType{
				"application/json": {Schema: &huma.Schema{Ref: "#/components/schemas/ReadyBody"}},
			}},
		},
	}, access{}), func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
		checks := health.Check(ctx)
		out := &readyOutput{Status: http.StatusOK, Body: ReadyBody{Status: "ready", Checks: checks}}
		if checks[readinessGate].State != app.DepOK {
			out.Status, out.Body.Status = http.StatusServiceUnavailable, "not_ready"
		}
		return out, nil
	})
}
