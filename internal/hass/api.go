package hass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidArgument means a caller passed a value HA would reject; the
// message names the field and the reason.
var ErrInvalidArgument = errors.New("invalid argument")

// invalid collects "field: reason" problems into one error.
type invalid []string

func (v *invalid) add(field, reason string) { *v = append(*v, field+": "+reason) }

func (v invalid) err() error {
	if len(v) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidArgument, strings.Join(v, "; "))
}

// Call sends one command and returns its result. msgType is HA's "type";
// fields (a struct or map marshalling to a JSON object, or nil) are the
// command's other members. It fails with ErrDisconnected when HA is not
// connected or the link drops before the answer, and with *ResultError when
// HA answers success=false. A command cannot be interleaved with others'
// ids, so it is safe from any goroutine, including handlers.
func (c *Client) Call(ctx context.Context, msgType string, fields any) (json.RawMessage, error) {
	if msgType == "" {
		return nil, fmt.Errorf("%w: type: must not be empty", ErrInvalidArgument)
	}
	s := c.current()
	if s == nil {
		return nil, fmt.Errorf("%s: %w", msgType, ErrDisconnected)
	}
	return s.request(ctx, msgType, fields)
}

// Config is the part of get_config LifeOps uses.
type Config struct {
	LocationName string            `json:"location_name"`
	TimeZone     string            `json:"time_zone"`
	Version      string            `json:"version"`
	Latitude     float64           `json:"latitude"`
	Longitude    float64           `json:"longitude"`
	Elevation    float64           `json:"elevation"`
	Country      string            `json:"country"`
	Language     string            `json:"language"`
	Currency     string            `json:"currency"`
	UnitSystem   map[string]string `json:"unit_system"`
	State        string            `json:"state"` // "RUNNING" once HA has started
}

// Location loads the household's time zone.
func (cfg Config) Location() (*time.Location, error) {
	if cfg.TimeZone == "" {
		return nil, fmt.Errorf("%w: time_zone: home assistant has none configured", ErrInvalidArgument)
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("%w: time_zone %q: %w", ErrInvalidArgument, cfg.TimeZone, err)
	}
	return loc, nil
}

// GetConfig returns HA's core configuration.
func (c *Client) GetConfig(ctx context.Context) (Config, error) {
	var cfg Config
	raw, err := c.Call(ctx, "get_config", nil)
	if err != nil {
		return cfg, err
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, fmt.Errorf("get_config: decode: %w", err)
	}
	return cfg, nil
}

// GetStates returns every entity's state in one answer (HA does not page).
func (c *Client) GetStates(ctx context.Context) ([]State, error) {
	raw, err := c.Call(ctx, "get_states", nil)
	if err != nil {
		return nil, err
	}
	var states []State
	if err := json.Unmarshal(raw, &states); err != nil {
		return nil, fmt.Errorf("get_states: decode: %w", err)
	}
	return states, nil
}

// FireEvent fires eventType on HA's bus with data (nil for none). Needs an
// admin token; the Supervisor proxy user is one.
func (c *Client) FireEvent(ctx context.Context, eventType string, data any) error {
	if eventType == "" {
		return fmt.Errorf("%w: event_type: must not be empty", ErrInvalidArgument)
	}
	fields := struct {
		EventType string `json:"event_type"`
		EventData any    `json:"event_data,omitempty"`
	}{eventType, data}
	if _, err := c.Call(ctx, "fire_event", fields); err != nil {
		return fmt.Errorf("fire %s: %w", eventType, err)
	}
	return nil
}

// Target selects what a service acts on; HA accepts each member as a list.
type Target struct {
	EntityID []string `json:"entity_id,omitempty"`
	DeviceID []string `json:"device_id,omitempty"`
	AreaID   []string `json:"area_id,omitempty"`
	FloorID  []string `json:"floor_id,omitempty"`
	LabelID  []string `json:"label_id,omitempty"`
}

// CallService calls domain.service with data (nil for none) on target (nil
// for none) and waits until HA reports it finished.
func (c *Client) CallService(ctx context.Context, svcDomain, service string, data any, target *Target) error {
	var v invalid
	if svcDomain == "" {
		v.add("domain", "must not be empty")
	}
	if service == "" {
		v.add("service", "must not be empty")
	}
	if err := v.err(); err != nil {
		return err
	}
	fields := struct {
		Domain      string  `json:"domain"`
		Service     string  `json:"service"`
		ServiceData any     `json:"service_data,omitempty"`
		Target      *Target `json:"target,omitempty"`
	}{svcDomain, service, data, target}
	if _, err := c.Call(ctx, "call_service", fields); err != nil {
		return fmt.Errorf("call %s.%s: %w", svcDomain, service, err)
	}
	return nil
}

// ExposeEntity exposes (or hides) entityIDs to an Assist assistant such as
// "conversation", so voice commands can reach LifeOps' own entities.
func (c *Client) ExposeEntity(ctx context.Context, entityIDs []string, assistant string, expose bool) error {
	var v invalid
	if len(entityIDs) == 0 {
		v.add("entity_ids", "must name at least one entity")
	}
	if assistant == "" {
		v.add("assistant", "must not be empty")
	}
	if err := v.err(); err != nil {
		return err
	}
	fields := struct {
		Assistants   []string `json:"assistants"`
		EntityIDs    []string `json:"entity_ids"`
		ShouldExpose bool     `json:"should_expose"`
	}{[]string{assistant}, entityIDs, expose}
	if _, err := c.Call(ctx, "homeassistant/expose_entity", fields); err != nil {
		return fmt.Errorf("expose %v to %s: %w", entityIDs, assistant, err)
	}
	return nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}
