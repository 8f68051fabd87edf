package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/jobs"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/internal/sensors"
)

// sensorParts are the sensor readings' pieces: the storing ingester every
// feed (MQTT, the HA entity feed) hands its readings to, and the MQTT
// source of Zigbee2MQTT and ESPHome readings.
type sensorParts struct {
	readings *postgres.Readings
	ingester *sensors.Ingester
	source   *sensors.Source
	keep     time.Duration // raw readings' retention
}

// startIngester starts the ingester: readings are stored in batches, each
// handed to the evidence rules (svc.Observe) while it is written.
func (p *parts) startIngester(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, svc *app.Service, log zerolog.Logger) error {
	p.sensors.readings = postgres.NewReadings(pool)
	p.sensors.keep = time.Duration(cfg.ReadingsRetentionDays) * 24 * time.Hour
	ing, err := sensors.NewIngester(sensors.IngesterOptions{Store: p.sensors.readings, Observer: svc,
		Logger: log.With().Str("component", "readings").Logger()})
	if err != nil {
		return err
	}
	if err := ing.Start(ctx); err != nil {
		return err
	}
	p.sensors.ingester = ing
	return nil
}

// startSensorSource subscribes to Zigbee2MQTT (<z2m_base>/#) and to the
// ESPHome nodes the selection names (<node>/status and <node>/+/+/state,
// never a house-wide wildcard). The subscriptions are made on connect.
func (p *parts) startSensorSource(ctx context.Context, cfg config.Config, client *mqtt.Client, svc *app.Service, log zerolog.Logger) {
	if p.sensors.ingester == nil {
		return
	}
	src, err := sensors.NewSource(sensors.SourceOptions{
		Subscriber: sensorSubscriber{client}, Selection: sensors.NewSelection(sensors.ParseAllowList(cfg.SensorAllowList)),
		Sink: p.sensors.ingester, Rules: svc, Z2MBase: cfg.Z2MBaseTopic, ESPHome: true,
		// What Zigbee2MQTT's devices expose goes to the sensor catalog.
		Catalog: svc,
		// Each message's readings are stored with its key, so a redelivery
		// after a crash is stored once.
		ClientID: client.ClientID(),
		// Replicas of the household share the readings: each is handled once.
		ShareGroup: "lifeops",
		Logger:     log.With().Str("component", "sensors").Logger(),
	})
	if err == nil {
		err = src.Start(ctx)
	}
	if err != nil {
		log.Error().Err(err).Msg("sensor readings over MQTT disabled")
		return
	}
	svc.AddSink(src) // sensor_interest_changed: the sensors to select
	p.sensors.source = src
}

// sensorSubscriber hands the sensors package MQTT messages with their
// delivery details.
type sensorSubscriber struct{ c *mqtt.Client }

func (s sensorSubscriber) Subscribe(ctx context.Context, filter string, qos byte, h sensors.MessageHandler) error {
	return s.c.SubscribeMessages(ctx, filter, qos, func(ctx context.Context, m mqtt.Message) { h(ctx, sensors.Message(m)) })
}

func (s sensorSubscriber) Unsubscribe(ctx context.Context, filter string) error {
	return s.c.Unsubscribe(ctx, filter)
}

// addSensorJobs adds the readings' retention (roll up, then delete raw
// readings older than readings_retention_days) every five minutes, and the
// readings' metrics.
func (p *parts) addSensorJobs(r *jobs.Runner, metrics *httpapi.Metrics, log zerolog.Logger) error {
	if p.sensors.ingester == nil {
		return nil
	}
	metrics.Registry().MustRegister(sensors.NewCollector(p.sensors.ingester, p.sensors.source))
	keep := p.sensors.keep
	return r.Add(jobs.Job{Name: "readings_retention", Schedule: jobs.Every(5 * time.Minute), CatchUp: true,
		Run: func(ctx context.Context, slot time.Time) error {
			res, err := p.sensors.readings.ReadingsRetain(ctx, slot.Add(-keep))
			if err == nil && (res.RolledUp > 0 || res.Deleted > 0) {
				log.Debug().Int64("rolled_up", res.RolledUp).Int64("deleted", res.Deleted).Msg("readings retention")
			}
			return err
		}})
}

// stopSensors ends the source's refresh and writes what the ingester still
// holds; call it after the feeds have stopped.
func (p *parts) stopSensors(ctx context.Context, log zerolog.Logger) {
	if p.sensors.source != nil {
		_ = p.sensors.source.Stop(ctx)
	}
	if p.sensors.ingester != nil {
		if err := p.sensors.ingester.Stop(ctx); err != nil {
			log.Warn().Err(err).Msg("sensor readings stop")
		}
	}
}
