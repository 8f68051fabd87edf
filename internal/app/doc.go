// Package app holds LifeOps' use cases. It owns the interfaces (ports) it
// needs from storage and the outside world, draws every transaction boundary,
// and is the only place where domain rules meet stored facts. Adapters
// (postgres, httpapi, mqtt, hass, oura, jobs) depend on app; app depends on
// none of them.
package app
