package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/postgres"
)

// published is what `lifeops entities` prints: everything a household can
// name of LifeOps in Home Assistant's YAML.
type published struct {
	discovery.Catalog
	// Actions are the events LifeOps listens to, with their data fields.
	Actions map[string][]hass.ActionField `json:"actions"`
	// Result is the event that answers each action, with its data keys.
	Result       string   `json:"result_event"`
	ResultFields []string `json:"result_fields"`
}

// cmdEntities prints, as JSON, the entity ids (with attributes) the
// household in the database gets in Home Assistant, the event entity's
// event types and the action events' fields: what the files in
// homeassistant/ may name, for adapting them to a household.
func cmdEntities(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, _, err := loadConfig("entities", args, stderr, getenv)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	m, _, err := migratorFor(pool)
	if err != nil {
		return err
	}
	if _, err := m.Current(ctx); err != nil {
		return fmt.Errorf("entities: %w (run lifeops migrate up)", err)
	}
	tree, err := character.Default()
	if err != nil {
		return err
	}
	z, err := newZone(cfg)
	if err != nil {
		return err
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree, Location: z.Location})
	b := discovery.NewBridge(discovery.BridgeOptions{Source: svc, Version: version, BaseTopic: cfg.BaseTopic, Prefix: cfg.DiscoveryPrefix})
	h, err := b.Household(ctx)
	if err != nil {
		return err
	}
	out := published{Catalog: discovery.NewCatalog(h), Actions: hass.ActionFields(),
		Result: hass.ResultEvent, ResultFields: hass.ResultFields()}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
