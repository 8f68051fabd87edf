package main

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/jobs"
	"github.com/lifeops/lifeops/internal/locale"
	"github.com/lifeops/lifeops/internal/mqtt"
	"github.com/lifeops/lifeops/internal/supervisor"
)

// zone is the household's time zone: the configured one, else Home
// Assistant's once it has told us, else the system's.
type zone struct {
	fixed  *time.Location
	fromHA atomic.Pointer[time.Location]
}

func newZone(cfg config.Config) (*zone, error) {
	z := &zone{}
	if cfg.Timezone != "" {
		loc, err := time.LoadLocation(cfg.Timezone)
		if err != nil {
			return nil, err
		}
		z.fixed = loc
	}
	return z, nil
}

func (z *zone) Location() *time.Location {
	if z.fixed != nil {
		return z.fixed
	}
	if loc := z.fromHA.Load(); loc != nil {
		return loc
	}
	return time.Local
}

// parts are the long-running pieces serve starts and stops in order.
type parts struct {
	mqtt   *mqtt.Client
	bridge *discovery.Bridge
	ha     *hass.Client
	jobs   *jobs.Runner
	wg     sync.WaitGroup

	oura      *app.Oura      // the Oura connection; syncs on the job runner
	insights  *app.Insights  // insights; refreshed nightly on the job runner
	ouraNotes *laterNotifier // where Oura's "connect again" goes, once HA is wired
	sensors   sensorParts    // sensor readings: the storing ingester and the MQTT source

	caldav *hass.CalDAVRefresher // nil without HA or CalDAV

	lang  *locale.Setting // names and notifications: the option, else HA's language
	panel devicePanelLink // where HA's device pages link to

	mqttSessions *mqttSessions // nil without MQTT: replicas' client ids and their broker sessions
}

// devicePanelLink is the address of the panel that HA's device pages link to:
// the panel_url option, else (in the add-on) the ingress panel once the
// Supervisor has told us the add-on's slug, else none.
type devicePanelLink struct {
	url      atomic.Pointer[string]
	mu       sync.Mutex
	onChange func()
}

func (u *devicePanelLink) get() string {
	if s := u.url.Load(); s != nil {
		return *s
	}
	return ""
}

func (u *devicePanelLink) set(s string) {
	u.url.Store(&s)
	u.mu.Lock()
	f := u.onChange
	u.mu.Unlock()
	if f != nil {
		f()
	}
}

func (u *devicePanelLink) notify(f func()) {
	u.mu.Lock()
	u.onChange = f
	u.mu.Unlock()
}

// resolvePanelURL sets p.panel: at once from the option, or in the
// add-on from the Supervisor (retried until it answers; the link is not
// worth failing anything for).
func (p *parts) resolvePanelURL(ctx context.Context, cfg config.Config, log zerolog.Logger) {
	if cfg.PanelURL != "" {
		p.panel.set(cfg.PanelURL)
		return
	}
	if cfg.SupervisorToken == "" {
		return
	}
	p.wg.Go(func() {
		sup := supervisor.New(cfg.SupervisorURL, cfg.SupervisorToken, nil)
		slug, err := backoff.Retry(ctx, func() (string, error) { return sup.SelfSlug(ctx) },
			backoff.WithBackOff(waitingBackOff(time.Second, 5*time.Minute)), backoff.WithMaxElapsedTime(0),
			backoff.WithNotify(func(err error, wait time.Duration) {
				log.Warn().Err(err).Dur("retry_in", wait).Msg("add-on slug not known yet: HA's device pages have no link to the panel")
			}))
		if err == nil {
			p.panel.set("homeassistant://hassio/ingress/" + slug)
		}
	})
}

// startMQTT connects to the broker (asking the Supervisor for it in the
// add-on) and starts the entity bridge. A broker that is not there yet is
// not fatal: the client keeps trying and /readyz says mqtt is down.
func (p *parts) startMQTT(ctx context.Context, cfg config.Config, svc *app.Service, health *app.Health, log zerolog.Logger) {
	if cfg.MQTTURL == "" && !cfg.MQTTFromSupervisor {
		return
	}
	tracker := app.NewTracker(app.DepDown)
	tracker.Set(time.Now(), app.DepDown, errors.New("connecting"))
	health.Set("mqtt", tracker.Probe)
	if p.mqttSessions != nil {
		p.wg.Go(func() { p.mqttSessions.run(ctx) })
	}

	if !cfg.MQTTFromSupervisor {
		p.connectMQTT(ctx, cfg, cfg.MQTTURL, cfg.MQTTUsername, cfg.MQTTPassword, svc, health, tracker, log)
		return
	}
	// In the add-on the broker comes from the Supervisor, which may not
	// have one yet: ask in the background, so that /healthz (the image's
	// HEALTHCHECK) and the API answer meanwhile.
	p.wg.Go(func() {
		sup := supervisor.New(cfg.SupervisorURL, cfg.SupervisorToken, nil)
		svcInfo, err := backoff.Retry(ctx, func() (supervisor.MQTTService, error) { return sup.MQTT(ctx) },
			backoff.WithBackOff(waitingBackOff(time.Second, time.Minute)), backoff.WithMaxElapsedTime(0),
			backoff.WithNotify(func(err error, wait time.Duration) {
				tracker.Set(time.Now(), app.DepDown, err)
				log.Warn().Err(err).Dur("retry_in", wait).Msg("no MQTT broker from the Supervisor yet")
			}))
		if err == nil {
			p.connectMQTT(ctx, cfg, svcInfo.URL(), svcInfo.Username, svcInfo.Password, svc, health, tracker, log)
		}
	})
}

// waitingBackOff is the schedule for waiting on a dependency at start-up
// (the database, the Supervisor's broker): capped exponential with jitter,
// without an end, since the add-on may start before them.
func waitingBackOff(first, most time.Duration) backoff.BackOff {
	return &backoff.ExponentialBackOff{InitialInterval: first, RandomizationFactor: 0.2, Multiplier: 2, MaxInterval: most}
}

// mqttClientID is mqtt_client_id, else one derived from the host name:
// stable across restarts of this replica (its persistent session, and the
// redeliveries it holds, survive them) and distinct from the other
// replicas', which would otherwise take the id from each other in a loop.
func mqttClientID(cfg config.Config) string {
	if cfg.MQTTClientID != "" {
		return cfg.MQTTClientID
	}
	host, _ := os.Hostname() // none: the id LifeOps had before replicas
	return mqtt.DefaultClientID(cfg.BaseTopic, host)
}

// connectMQTT starts the MQTT client on a known broker, the sensor source
// and, once the broker answers, the entity bridge.
func (p *parts) connectMQTT(ctx context.Context, cfg config.Config, url, user, pass string, svc *app.Service, health *app.Health, tracker *app.Tracker, log zerolog.Logger) {
	client, err := mqtt.New(mqtt.Options{URL: url, Username: user, Password: pass, BaseTopic: cfg.BaseTopic, ClientID: mqttClientID(cfg), Logger: log})
	if err != nil {
		tracker.Set(time.Now(), app.DepDown, err)
		log.Error().Err(err).Msg("mqtt disabled")
		return
	}
	health.Set("mqtt", func(context.Context) app.DepStatus {
		st := client.Status()
		if st.Connected {
			return app.DepStatus{State: app.DepOK, Since: &st.Since}
		}
		s := app.DepStatus{State: app.DepDown, Error: "not connected"}
		if st.LastError != nil {
			s.Error = st.LastError.Error()
		}
		if !st.Since.IsZero() {
			s.Since = &st.Since
		}
		return s
	})
	pub, err := discovery.NewPublisher(discovery.PublisherOptions{Transport: client, Logger: log})
	if err != nil {
		log.Error().Err(err).Msg("mqtt discovery disabled")
		return
	}
	bridge := discovery.NewBridge(discovery.BridgeOptions{
		Source: svc, Publisher: pub, Transport: client, Logger: log.With().Str("component", "entities").Logger(),
		Version: version, BaseTopic: cfg.BaseTopic, Prefix: cfg.DiscoveryPrefix, Health: health, Oura: p.oura,
		Insights: p.insights, Language: p.lang, ConfigurationURL: p.panel.get,
	})
	// A new language or panel address renames or relinks every entity.
	p.lang.OnChange(bridge.Refresh)
	p.panel.notify(bridge.Refresh)
	if p.mqttSessions != nil {
		p.mqttSessions.use(client, mqtt.Options{URL: url, Username: user, Password: pass, ClientID: client.ClientID()})
	}
	client.OnConnect(pub.Reannounce)
	// The connection diagnostics follow the link at once, not at the next
	// full refresh.
	client.OnConnect(func() { svc.ConnectionChanged(context.Background(), "mqtt", true) })
	client.OnConnectionLost(func() { svc.ConnectionChanged(context.Background(), "mqtt", false) })
	p.startSensorSource(ctx, cfg, client, svc, log)
	if err := client.Start(ctx); err != nil {
		log.Error().Err(err).Msg("mqtt start")
		return
	}
	p.mqtt = client
	// The bridge's start announces; wait for the broker in the background so
	// serving does not depend on it.
	p.wg.Go(func() {
		if err := client.WaitConnected(ctx); err != nil {
			return
		}
		// Subscribed before the start's first read, so a change committed
		// meanwhile is not lost until the next full refresh: the bridge
		// queues events until its loop runs.
		svc.AddSink(bridge)
		if err := bridge.Start(ctx); err != nil {
			log.Error().Err(err).Msg("entity bridge start")
			return
		}
		if p.insights != nil {
			p.insights.AddSink(bridge)
		}
		p.bridge = bridge
	})
}

// startHA connects to Home Assistant's WebSocket API: actions as events,
// the time zone from get_config, the entity list from get_states.
func (p *parts) startHA(ctx context.Context, cfg config.Config, svc *app.Service, z *zone, health *app.Health, log zerolog.Logger) {
	if cfg.HAURL == "" {
		return
	}
	client := hass.New(hass.Options{URL: cfg.HAURL, Token: cfg.HAToken, Logger: log})
	hass.NewActions(client, svc, svc, log.With().Str("component", "actions").Logger()).KeepResults(svc)
	client.OnLinkChange(func(up bool) { svc.ConnectionChanged(context.Background(), "home_assistant", up) })
	hass.NewNotificationActions(client, svc, personEntity(svc), log.With().Str("component", "notification_actions").Logger())
	// Every entity HA has goes to the sensor catalog on each connection:
	// the rule form offers them, and rules refuse ids HA does not have.
	// The get_config it asks first also brings the household's language
	// and time zone.
	hass.ListEntitiesOnConnect(client, hass.EntityListOptions{Lister: svc, Logger: log.With().Str("component", "sensor_catalog").Logger(),
		OnConfig: func(c hass.Config) {
			p.lang.SetFromHA(c.Language)
			if loc, err := c.Location(); err == nil && z.fixed == nil {
				z.fromHA.Store(loc)
				log.Info().Str("time_zone", loc.String()).Str("ha_version", c.Version).Msg("household time zone from Home Assistant")
			}
		}})
	health.Set("home_assistant", func(context.Context) app.DepStatus {
		st := client.Status()
		s := app.DepStatus{Error: st.LastError}
		if !st.Since.IsZero() {
			s.Since = &st.Since
		}
		if st.State == hass.LinkOK {
			s.State, s.Error = app.DepOK, ""
		} else {
			s.State = app.DepDown
			if s.Error == "" {
				s.Error = string(st.State)
			}
		}
		return s
	})
	if cfg.ExposeToAssist {
		exposer := hass.NewExposer(client, func(ctx context.Context) ([]string, error) {
			people, err := svc.People(ctx)
			var ids []string
			for _, person := range people {
				ids = append(ids, discovery.AssistUniqueIDs(person.Value.ID)...)
			}
			return ids, err
		}, 10*time.Minute, log.With().Str("component", "assist").Logger())
		p.wg.Go(func() { exposer.Run(ctx) })
	}
	// Evidence rules read HA entities through this feed. The sensors
	// package's storing ingester goes in front of the app by replacing
	// observer (it forwards newly stored readings to svc.Observe).
	var observer hass.Observer = svc
	if p.sensors.ingester != nil {
		observer = p.sensors.ingester
	}
	feed := hass.NewEntityFeed(client, hass.FeedOptions{Entities: svc.SensorInterest, Observer: observer,
		Logger: log.With().Str("component", "evidence_feed").Logger()})
	svc.AddSink(feed) // sensor_interest_changed: the entities to follow
	p.wg.Go(func() { feed.Run(ctx) })
	startCalDAVRefresher(ctx, p, cfg, client, svc, log)
	if err := client.Start(ctx); err != nil {
		log.Error().Err(err).Msg("home assistant start")
		return
	}
	p.ha = client
}

// personEntity finds the HA person entity a LifeOps person is linked to.
func personEntity(svc *app.Service) hass.PersonEntity {
	return func(ctx context.Context, personID int64) (string, error) {
		person, err := svc.Person(ctx, strconv.FormatInt(personID, 10))
		return person.Value.EntityID, err
	}
}

// logNotifier stands in for Home Assistant when it is not configured: the
// reminder is still due, and the log is where a person without HA looks.
type logNotifier struct{ log zerolog.Logger }

func (n logNotifier) Notify(_ context.Context, note app.Notification) error {
	n.log.Info().Int64("person", note.PersonID).Str("kind", string(note.Kind)).Str("title", note.Title).Msg(note.Message)
	return nil
}

// startJobs runs the scheduled work: the day rollover at local midnight
// (with catch-up for days missed while down) and the minutely timeline tick
// that sends reminders and marks misses.
func (p *parts) startJobs(ctx context.Context, pool *pgxpool.Pool, svc *app.Service, z *zone, metrics *httpapi.Metrics, log zerolog.Logger) error {
	var notifier app.Notifier = logNotifier{log: log.With().Str("component", "reminders").Logger()}
	if p.ha != nil {
		notifier = hass.NewNotifier(p.ha, personEntity(svc), p.lang)
		svc.AddSink(hass.NewCelebrations(ctx, notifier, p.lang, log.With().Str("component", "celebrations").Logger()))
	}
	if p.ouraNotes != nil {
		p.ouraNotes.set(notifier)
	}
	r := jobs.New(jobs.Options{Pool: pool, Location: z.Location(), Logger: log.With().Str("component", "jobs").Logger(),
		OnReport: func(rep jobs.Report) { metrics.JobRun(rep.Job, rep.Err, rep.Duration) }})
	if err := r.Add(jobs.Job{Name: "timeline_tick", Schedule: jobs.Every(time.Minute), CatchUp: true,
		Run: func(ctx context.Context, slot time.Time) error { return svc.TimelineTick(ctx, slot, notifier) }}); err != nil {
		return err
	}
	// Answers to HA actions are kept a day for callers that ask again.
	if err := r.Add(jobs.Job{Name: "action_results_prune", Schedule: jobs.Every(time.Hour),
		Run: func(ctx context.Context, _ time.Time) error { _, err := svc.PruneActionResults(ctx); return err }}); err != nil {
		return err
	}
	// A condition that holds long enough fires without a new reading.
	if err := r.Add(jobs.Job{Name: "evidence_tick", Schedule: jobs.Every(time.Minute),
		Run: func(ctx context.Context, _ time.Time) error { return svc.EvidenceTick(ctx) }}); err != nil {
		return err
	}
	if p.oura != nil {
		if err := addOuraJob(r, p.oura); err != nil {
			return err
		}
	}
	if err := r.Add(insightsJob(p.insights, z.Location())); err != nil {
		return err
	}
	if err := r.SetRollover(jobs.Rollover{
		Finalise: func(ctx context.Context, _ domain.Day) error {
			if err := svc.Rollover(ctx); err != nil {
				return err
			}
			p.refreshCalDAV(ctx, svc)
			return nil
		},
		LastFinalised: svc.LastFinalised,
	}); err != nil {
		return err
	}
	if err := p.addSensorJobs(r, metrics, log); err != nil {
		return err
	}
	if p.mqttSessions != nil {
		if err := p.mqttSessions.addJob(r); err != nil {
			return err
		}
	}
	if err := r.CatchUp(ctx); err != nil {
		log.Warn().Err(err).Msg("catch-up after downtime incomplete; the next rollover retries")
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	p.jobs = r
	return nil
}

// stop ends every part: jobs first (they write), then the entity bridge
// (it publishes through MQTT), then the connections.
func (p *parts) stop(log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p.jobs != nil {
		if err := p.jobs.Stop(ctx); err != nil {
			log.Warn().Err(err).Msg("jobs stop")
		}
	}
	p.wg.Wait()
	if p.bridge != nil {
		if err := p.bridge.Stop(ctx); err != nil {
			log.Warn().Err(err).Msg("entity bridge stop")
		}
	}
	if p.mqtt != nil {
		if err := p.mqtt.Stop(ctx); err != nil {
			log.Warn().Err(err).Msg("mqtt stop")
		}
	}
	if p.ha != nil {
		if err := p.ha.Stop(ctx); err != nil {
			log.Warn().Err(err).Msg("home assistant stop")
		}
	}
	p.stopSensors(ctx, log)
}
