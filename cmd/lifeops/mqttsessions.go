package main

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/jobs"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/postgres"
)

// mqttGoneAfter is how long a replica's client id may stay unconnected
// before another replica ends its session at the broker: longer than a
// restart, an upgrade or a broker outage; short enough that the share of
// the readings Mosquitto keeps handing an offline member of a shared
// subscription does not wait long for a replica that never comes back.
const mqttGoneAfter = time.Hour

// mqttSessions keeps this replica's MQTT client id in the database while it
// is connected (a minute at most between two marks) and, as the job
// mqtt_sessions, ends the broker sessions of the client ids that have not
// been connected for mqttGoneAfter.
type mqttSessions struct {
	store *postgres.MQTTClients
	log   zerolog.Logger
	seen  chan struct{}

	mu     sync.Mutex
	client *mqtt.Client
	broker mqtt.Options // the broker and this replica's client id, once known
}

func newMQTTSessions(pool *pgxpool.Pool, log zerolog.Logger) *mqttSessions {
	return &mqttSessions{store: postgres.NewMQTTClients(pool), log: log.With().Str("component", "mqtt_sessions").Logger(),
		seen: make(chan struct{}, 1)}
}

// use records the client and how to reach its broker; its connects mark it
// seen at once.
func (s *mqttSessions) use(client *mqtt.Client, broker mqtt.Options) {
	s.mu.Lock()
	s.client, s.broker = client, broker
	s.mu.Unlock()
	client.OnConnect(func() {
		select {
		case s.seen <- struct{}{}:
		default:
		}
	})
}

// run marks this replica's client id seen on every connect and every
// minute while connected, until ctx ends.
func (s *mqttSessions) run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.seen:
		}
		s.mu.Lock()
		c := s.client
		s.mu.Unlock()
		if c == nil || !c.Status().Connected {
			continue
		}
		if err := s.store.MQTTClientSeen(ctx, c.ClientID()); err != nil && ctx.Err() == nil {
			s.log.Warn().Err(err).Msg("mqtt client id not marked as connected")
		}
	}
}

// sweep ends the broker session of every client id but this replica's that
// has not been connected since now - mqttGoneAfter, then forgets it and its
// delivery keys.
func (s *mqttSessions) sweep(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	broker := s.broker
	s.mu.Unlock()
	if broker.ClientID == "" {
		return nil // no broker yet
	}
	before := now.Add(-mqttGoneAfter)
	gone, err := s.store.MQTTClientsGone(ctx, before)
	if err != nil {
		return err
	}
	for _, id := range gone {
		if id == broker.ClientID {
			continue
		}
		o := broker
		o.ClientID = id
		if err := mqtt.EndSession(ctx, o); err != nil {
			return err
		}
		forgot, err := s.store.MQTTClientForget(ctx, id, before)
		if err != nil {
			return err
		}
		if forgot {
			s.log.Info().Str("client_id", id).Msg("mqtt session of a replica gone for good ended")
		}
	}
	return nil
}

// addJob adds the sweep as the job mqtt_sessions, every ten minutes, once
// across replicas.
func (s *mqttSessions) addJob(r *jobs.Runner) error {
	return r.Add(jobs.Job{Name: "mqtt_sessions", Schedule: jobs.Every(10 * time.Minute),
		Run: func(ctx context.Context, slot time.Time) error { return s.sweep(ctx, slot) }})
}
