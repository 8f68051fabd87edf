package hatest

import (
	"encoding/json"
)

type handlerFunc func(c *conn, id int64, msg map[string]json.RawMessage)

// handlerFor is the fake's command table (a switch, not a mutable map).
func handlerFor(msgType string) (handlerFunc, bool) {
	switch msgType {
	case "ping":
		return handlePing, true
	case "supported_features":
		return handleSupportedFeatures, true
	case "get_states":
		return handleGetStates, true
	case "get_config":
		return handleGetConfig, true
	case "get_services":
		return handleGetServices, true
	case "subscribe_events":
		return handleSubscribeEvents, true
	case "unsubscribe_events":
		return handleUnsubscribe, true
	case "subscribe_entities":
		return handleSubscribeEntities, true
	case "call_service":
		return handleCallService, true
	case "fire_event":
		return handleFireEvent, true
	case "homeassistant/expose_entity":
		return handleExposeEntity, true
	case "config/entity_registry/list":
		return handleEntityRegistryList, true
	}
	return nil, false
}

func handlePing(c *conn, id int64, _ map[string]json.RawMessage) {
	if c.s.ignorePing {
		return
	}
	c.send(map[string]any{"id": id, "type": "pong"})
}

// handleGetServices answers as HA does: domain → service → its description
// (the fake's descriptions are empty).
func handleGetServices(c *conn, id int64, _ map[string]json.RawMessage) {
	services := c.s.opts.Services
	if services == nil {
		services = map[string][]string{
			"persistent_notification": {"create", "dismiss"},
			"notify":                  {"persistent_notification"},
		}
	}
	out := map[string]map[string]any{}
	for domain, names := range services {
		out[domain] = map[string]any{}
		for _, n := range names {
			out[domain][n] = map[string]any{"name": "", "description": "", "fields": map[string]any{}}
		}
	}
	c.sendResult(id, out)
}

func handleSupportedFeatures(c *conn, id int64, msg map[string]json.RawMessage) {
	var features map[string]any
	if !c.field(id, msg, "features", true, &features) {
		return
	}
	on := features["coalesce_messages"] == float64(1) || features["coalesce_messages"] == true
	c.qmu.Lock()
	c.coalesceW = on
	c.qmu.Unlock()
	c.sendResult(id, nil)
}

func handleGetStates(c *conn, id int64, _ map[string]json.RawMessage) {
	states := make([]*State, 0, len(c.s.order))
	for _, eid := range c.s.order {
		states = append(states, c.s.states[eid])
	}
	c.sendResult(id, states)
}

func handleGetConfig(c *conn, id int64, _ map[string]json.RawMessage) {
	state := c.s.coreState
	if state == "" {
		state = "RUNNING"
	}
	c.sendResult(id, map[string]any{
		"latitude": 52.37, "longitude": 4.89, "elevation": 0, "radius": 100,
		"unit_system": map[string]string{
			"length": "km", "accumulated_precipitation": "mm", "mass": "g", "pressure": "Pa",
			"temperature": "°C", "volume": "L", "wind_speed": "m/s",
		},
		"location_name": "Home", "time_zone": c.s.opts.TimeZone,
		"components": []string{"homeassistant", "websocket_api", "mqtt"},
		"config_dir": "/config", "allowlist_external_dirs": []string{}, "allowlist_external_urls": []string{},
		"version": c.s.opts.HAVersion, "config_source": "storage", "recovery_mode": false, "safe_mode": false,
		"state": state, "external_url": nil, "internal_url": nil,
		"currency": "EUR", "country": "NL", "language": c.s.opts.Language,
	})
}

func handleSubscribeEvents(c *conn, id int64, msg map[string]json.RawMessage) {
	var eventType string
	if !c.field(id, msg, "event_type", false, &eventType) {
		return
	}
	c.subs[id] = subscription{eventType: eventType}
	c.sendResult(id, nil)
}

func handleUnsubscribe(c *conn, id int64, msg map[string]json.RawMessage) {
	var sub int64
	if !c.field(id, msg, "subscription", true, &sub) {
		return
	}
	if _, ok := c.subs[sub]; !ok {
		c.sendError(id, "not_found", "Subscription not found.")
		return
	}
	delete(c.subs, sub)
	c.sendResult(id, nil)
}

// handleSubscribeEntities answers result, then one "a" event with every
// matching state, then (via fan-out) one event per change.
func handleSubscribeEntities(c *conn, id int64, msg map[string]json.RawMessage) {
	var ids []string
	if !c.field(id, msg, "entity_ids", false, &ids) {
		return
	}
	sub := subscription{entities: true}
	if _, ok := msg["entity_ids"]; ok {
		sub.entityIDs = make(map[string]bool, len(ids))
		for _, e := range ids {
			sub.entityIDs[e] = true
		}
	}
	c.subs[id] = sub
	c.sendResult(id, nil)
	all := map[string]compressed{}
	for _, eid := range c.s.order {
		if sub.wants(eid) {
			all[eid] = compress(c.s.states[eid])
		}
	}
	payload, err := json.Marshal(map[string]any{"a": all})
	if err != nil {
		panic(err)
	}
	c.enqueue(eventMessage(id, payload), nil)
}

func handleCallService(c *conn, id int64, msg map[string]json.RawMessage) {
	var call ServiceCall
	if !c.field(id, msg, "domain", true, &call.Domain) ||
		!c.field(id, msg, "service", true, &call.Service) ||
		!c.field(id, msg, "service_data", false, &call.ServiceData) ||
		!c.field(id, msg, "target", false, &call.Target) {
		return
	}
	var returnResponse bool
	if !c.field(id, msg, "return_response", false, &returnResponse) {
		return
	}
	call.Conn = c.num
	call.Context = Context{ID: c.s.newContextID(), UserID: c.s.opts.UserID}
	c.s.calls = append(c.s.calls, call)
	if c.s.opts.ServiceHandler == nil {
		c.sendResult(id, map[string]any{"context": call.Context, "response": nil})
		return
	}
	// Services run as tasks in HA: the connection keeps serving meanwhile.
	c.s.wg.Go(func() {
		resp, err := c.s.opts.ServiceHandler(c.ctx, call)
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		if c.ctx.Err() != nil {
			return
		}
		if err != nil {
			var herr *Error
			if e, ok := err.(*Error); ok {
				herr = e
			} else {
				herr = &Error{Code: "home_assistant_error", Message: err.Error()}
			}
			c.sendError(id, herr.Code, herr.Message)
			return
		}
		c.sendResult(id, map[string]any{"context": call.Context, "response": resp})
	})
}

// handleFireEvent delivers to every subscriber, the sender included, before
// the result, as HA's bus runs callback listeners synchronously.
func handleFireEvent(c *conn, id int64, msg map[string]json.RawMessage) {
	var eventType string
	var data map[string]any
	if !c.field(id, msg, "event_type", true, &eventType) || !c.field(id, msg, "event_data", false, &data) {
		return
	}
	raw := msg["event_data"]
	ctx := Context{ID: c.s.newContextID(), UserID: c.s.opts.UserID}
	c.s.fireLocked(eventType, raw, ctx)
	c.sendResult(id, map[string]any{"context": ctx})
}

// handleEntityRegistryList lists the registry with the keys HA's partial
// entry representation has (the ones the fake does not model are null).
func handleEntityRegistryList(c *conn, id int64, _ map[string]json.RawMessage) {
	out := make([]map[string]any, 0, len(c.s.registry))
	for _, e := range c.s.registry {
		out = append(out, map[string]any{
			"area_id": nil, "categories": map[string]any{}, "config_entry_id": nil, "device_id": nil,
			"disabled_by": nil, "entity_category": nil, "entity_id": e.EntityID, "has_entity_name": true,
			"hidden_by": nil, "icon": nil, "id": "reg-" + e.EntityID, "labels": []string{}, "name": nil,
			"options": map[string]any{}, "original_name": nil, "platform": e.Platform, "translation_key": nil,
			"unique_id": e.UniqueID,
		})
	}
	c.sendResult(id, out)
}

// handleExposeEntity refuses entities HA does not know, as HA does.
func handleExposeEntity(c *conn, id int64, msg map[string]json.RawMessage) {
	var assistants, entityIDs []string
	var expose bool
	if !c.field(id, msg, "assistants", true, &assistants) ||
		!c.field(id, msg, "entity_ids", true, &entityIDs) ||
		!c.field(id, msg, "should_expose", true, &expose) {
		return
	}
	for _, e := range entityIDs {
		known := c.s.states[e] != nil
		for _, r := range c.s.registry {
			known = known || r.EntityID == e
		}
		if !known {
			c.sendError(id, "not_found", "can't expose '"+e+"'")
			return
		}
	}
	for _, e := range entityIDs {
		if c.s.exposed[e] == nil {
			c.s.exposed[e] = map[string]bool{}
		}
		for _, a := range assistants {
			c.s.exposed[e][a] = expose
		}
	}
	c.sendResult(id, nil)
}
