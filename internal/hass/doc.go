// Package hass is LifeOps' client for the Home Assistant WebSocket API.
//
// It owns one connection at a time to HA Core (directly, with a long-lived
// token) or to the Supervisor proxy (ws://supervisor/core/websocket, with
// SUPERVISOR_TOKEN): the auth phase, message coalescing, strictly increasing
// command ids, an application-level ping, reconnecting forever with capped
// exponential backoff, and re-issuing every subscription after a reconnect.
//
// Concurrency model: per connection there is exactly one reader goroutine.
// It only decodes frames, completes waiting calls and hands events to
// per-subscription queues; it never runs business logic. Handlers run on a
// goroutine owned by their subscription, one at a time and in order.
//
// Slow-consumer policy (HA cancels a client that cannot drain its queue, so
// the reader must never wait for a handler):
//   - SubscribeEvents: a bounded FIFO (Options.EventQueue, default 1024). When
//     it is full, new events are dropped, counted (Status.DroppedEvents) and
//     logged. Events are actions people took, so the limit is generous.
//   - SubscribeEntities: state changes coalesce per entity. Pending changes
//     for an entity the handler has not seen yet are merged, keeping the
//     oldest Old and the newest New, so memory is bounded by the number of
//     subscribed entities and nothing is ever dropped except intermediate
//     states.
//
// HA's "unknown" and "unavailable" states are not values: State.Available
// reports them and State.Float returns ErrNotAvailable for them.
package hass
