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
