package main

import (
	"context"

	"github.com/lifeops/lifeops/internal/app"
)

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
