package main

import (
	"context"
	"encoding/json"
	"io"

	"github.com/lifeops/lifeops/internal/caldav"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/hass"
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
	// CalDAV is where Home Assistant's CalDAV integration finds each
	// person's to-do lists and calendar (absent when caldav_addr is off).
	CalDAV *caldavSetup `json:"caldav,omitempty"`
}

// caldavSetup is the three fields of Home Assistant's CalDAV integration
// and the collections they bring in.
type caldavSetup struct {
	URL         string                  `json:"url"`
	Username    string                  `json:"username"`
	Password    string                  `json:"password"`
	Collections []caldav.CollectionInfo `json:"collections"`
}

// cmdEntities prints, as JSON, the entity ids (with attributes) the
// household in the database gets in Home Assistant, the event entity's
// event types and the action events' fields: what the files in
// homeassistant/ may name, for adapting them to a household.
func cmdEntities(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o, err := openOffline(ctx, "entities", args, stderr, getenv)
	if err != nil {
		return err
	}
	defer o.pool.Close()
	b := discovery.NewBridge(discovery.BridgeOptions{Source: o.svc, Version: version, BaseTopic: o.cfg.BaseTopic, Prefix: o.cfg.DiscoveryPrefix})
	h, err := b.Household(ctx)
	if err != nil {
		return err
	}
	out := published{Catalog: discovery.NewCatalog(h), Actions: hass.ActionFields(),
		Result: hass.ResultEvent, ResultFields: hass.ResultFields()}
	if caldavEnabled(o.cfg) {
		people, err := o.svc.People(ctx)
		if err != nil {
			return err
		}
		out.CalDAV = &caldavSetup{URL: caldavURL(o.cfg.CalDAVAddr), Username: "lifeops (any name works)",
			Password:    "a LifeOps token: a household write token shows everyone, a person's token only that person (lifeops token create)",
			Collections: []caldav.CollectionInfo{}}
		for _, p := range people {
			out.CalDAV.Collections = append(out.CalDAV.Collections, caldav.Collections(p.Value)...)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
