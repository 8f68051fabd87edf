package main

import (
	"context"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/httpapi"
)

// ouraSyncs lists every person's last Oura sync for /metrics.
func ouraSyncs(svc *app.Service, oura *app.Oura) httpapi.OuraSyncs {
	return func(ctx context.Context) (map[string]time.Time, error) {
		people, err := svc.People(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[string]time.Time, len(people))
		for _, p := range people {
			if out[p.Value.Slug], err = oura.LastSync(ctx, p.Value.ID); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}
