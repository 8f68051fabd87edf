package main

import (
	"context"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/jobs"
)

// insightsRefreshAt is when the nightly insights job runs, local time:
// after the rollover has closed the day and the ring has usually synced
// the night's sleep.
var insightsRefreshAt = domain.Clock(3, 30)

// insightsJob tells the entity bridge every night to recompute each
// person's insights. Like every job it runs once per slot across replicas.
func insightsJob(ins *app.Insights, loc *time.Location) jobs.Job {
	return jobs.Job{Name: "insights", Schedule: jobs.Daily(insightsRefreshAt, loc),
		Run: func(ctx context.Context, _ time.Time) error { return ins.Refresh(ctx) }}
}

// recordedSensors are the sensors whose readings LifeOps records besides
// the allow-list: those evidence rules read and those people link for
// insights.
type recordedSensors struct {
	svc      *app.Service
	insights *app.Insights
}

// EvidenceSensors implements sensors.SensorSource (the name is the sensors
// package's; the list holds both kinds).
func (r recordedSensors) EvidenceSensors(ctx context.Context) ([]string, error) {
	keys, err := r.svc.EvidenceSensors(ctx)
	if err != nil || r.insights == nil {
		return keys, err
	}
	linked, err := r.insights.LinkedSensors(ctx)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		seen[k] = true
	}
	for _, k := range linked {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
