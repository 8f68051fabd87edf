package discovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/locale"
)

// Source is what the bridge reads from and commands into the app; the
// app's *Service satisfies it.
type Source interface {
	People(ctx context.Context) ([]app.Versioned[domain.Person], error)
	// PersonView is everything a person's entities show, read in one pass.
	PersonView(ctx context.Context, person string) (app.PersonView, error)
	Tree() *character.Tree
	CheckIn(ctx context.Context, in app.CheckInInput) (app.CheckInResult, error)
	Allocate(ctx context.Context, person, node string) (app.CharacterView, error)
	SetVacation(ctx context.Context, person string, on bool) error
	CompleteRoutineItem(ctx context.Context, person, item, status string) error
}

var _ Source = (*app.Service)(nil)

// OuraSource is what the bridge reads of the Oura connection.
type OuraSource interface {
	StatusOf(ctx context.Context, personID int64) (app.OuraStatus, error)
}

var _ OuraSource = (*app.Oura)(nil)

// BridgeOptions wire a Bridge.
type BridgeOptions struct {
	Source    Source
	Publisher *Publisher
	Transport Transport
	Logger    zerolog.Logger
	Version   string
	BaseTopic string
	Prefix    string
	// Health tells the household device which connections are up.
	Health *app.Health
	// Oura says when each person's ring last synced; nil: never.
	Oura OuraSource
	// Insights feeds each person's insight sensor; nil leaves it unknown.
	Insights InsightSource
	// Refresh re-publishes everything this often even without events
	// (the day rolls over, a time window passes). Default one minute.
	Refresh time.Duration
	// Debounce is the least time between two syncs: a change after a quiet
	// spell is published at once, a burst in one publish per Debounce.
	// Default 250 ms.
	Debounce time.Duration
	Now      func() time.Time
	// Language names the entities and words the event texts; nil: English.
	Language *locale.Setting
	// ConfigurationURL is the devices' link to the panel, asked on every
	// sync (it may become known after the start); nil or "": no link.
	ConfigurationURL func() string
}

// Bridge keeps Home Assistant's MQTT entities in step with the app: it
// implements app.EventSink, rebuilds configs and states after changes, sends
// the event entity's events, and turns HA's commands into use cases.
type Bridge struct {
	o          BridgeOptions
	wake       chan struct{}
	events     chan []domain.Event
	stop       chan struct{}
	done       chan struct{} // loop ended
	eventsDone chan struct{} // eventLoop ended
	started    bool
	mu         sync.Mutex
	stopped    bool

	// dirty are the people whose rows changed since the last sync (from
	// the events' person ids); dirtyAll asks for everyone. Guarded by mu.
	dirty    map[int64]bool
	dirtyAll bool
	// cache is each person's last read, reused for people nothing happened
	// to; only the loop touches it.
	cache map[int64]personRead
	// presses are the runs of check-in presses under way, by command
	// topic. Guarded by mu.
	presses map[string]press
	// insights are each person's last computed insights, until an
	// insights_changed event drops them. Guarded by mu.
	insights map[int64]cachedInsights
}

// personRead is what one person's part of a sync read.
type personRead struct {
	person Person
	state  PersonState
}

var _ app.EventSink = (*Bridge)(nil)

// NewBridge returns a Bridge; Start runs it.
func NewBridge(o BridgeOptions) *Bridge {
	if o.Refresh <= 0 {
		o.Refresh = time.Minute
	}
	if o.Debounce <= 0 {
		o.Debounce = 250 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Bridge{o: o, wake: make(chan struct{}, 1), events: make(chan []domain.Event, 256),
		stop: make(chan struct{}), done: make(chan struct{}), eventsDone: make(chan struct{}), dirty: map[int64]bool{},
		presses: map[string]press{}, insights: map[int64]cachedInsights{}}
}

// Publish implements app.EventSink: it never blocks; when the queue is full
// the event entity misses events but the states still catch up on the next
// refresh.
func (b *Bridge) Publish(_ context.Context, events []domain.Event) {
	b.mu.Lock()
	for _, ev := range events {
		b.forgetInsights(ev)
		if ev.Kind == domain.EventConnectionChanged {
			// The connections are read on every sync; no person to reread.
			continue
		}
		if ev.Kind == domain.EventSensorInterestChanged {
			continue // what the feeds follow; no entity shows it
		}
		if ev.PersonID == 0 {
			b.dirtyAll = true
		} else {
			b.dirty[ev.PersonID] = true
		}
	}
	b.mu.Unlock()
	select {
	case b.events <- events:
	default:
		b.o.Logger.Warn().Int("events", len(events)).Msg("entity bridge queue full: events dropped, states will catch up")
	}
	b.poke()
}

// Refresh asks for a full sync soon: something every entity shows changed
// outside the app (the language, the panel's address).
func (b *Bridge) Refresh() {
	b.mu.Lock()
	b.dirtyAll = true
	b.mu.Unlock()
	b.poke()
}

func (b *Bridge) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Start announces the household, subscribes to commands and runs the loop.
func (b *Bridge) Start(ctx context.Context) error {
	h, _, err := b.read(ctx)
	if err != nil {
		return err
	}
	if err := b.o.Publisher.Start(ctx, h); err != nil {
		return err
	}
	for _, filter := range CommandFilters(b.o.BaseTopic) {
		if err := b.o.Transport.Subscribe(ctx, filter, 1, b.onCommand); err != nil {
			return fmt.Errorf("subscribe %s: %w", filter, err)
		}
	}
	b.mu.Lock()
	b.started = true
	b.mu.Unlock()
	go b.loop()
	go b.eventLoop()
	b.poke()
	return nil
}

// Stop ends the loop; stopping twice is safe.
func (b *Bridge) Stop(ctx context.Context) error {
	b.mu.Lock()
	if b.stopped || !b.started {
		b.stopped = true
		b.mu.Unlock()
		return nil
	}
	b.stopped = true
	b.mu.Unlock()
	close(b.stop)
	select {
	case <-b.done:
		<-b.eventsDone
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.o.Publisher.Stop(ctx)
}

func (b *Bridge) loop() {
	defer close(b.done)
	tick := time.NewTicker(b.o.Refresh)
	defer tick.Stop()
	var last time.Time // when the last sync started
	for {
		select {
		case <-b.stop:
			return
		case <-b.wake:
			// A change after a quiet spell is published at once; during a
			// burst, syncs are at least Debounce apart, and the changes
			// that arrive meanwhile are published together by the next.
			if wait := b.o.Debounce - time.Since(last); wait > 0 {
				select {
				case <-time.After(wait):
				case <-b.stop:
					return
				}
			}
			last = time.Now()
			b.sync(false)
		case <-tick.C:
			// Time moves values nothing announces (a due habit, the
			// connections, Oura's sync): read everyone.
			last = time.Now()
			b.sync(true)
		}
	}
}

// sync republishes configs (when the household's shape changed) and states.
// Unless full, only the people events named since the last sync are read
// again; the others' last read is reused.
func (b *Bridge) sync(full bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b.mu.Lock()
	dirty, all := b.dirty, b.dirtyAll || full
	b.dirty, b.dirtyAll = map[int64]bool{}, false
	b.mu.Unlock()
	// Patches made after this point are newer than what the read sees.
	mark := b.o.Publisher.PatchMark()
	h, snap, err := b.readChanged(ctx, func(id int64) bool { return all || dirty[id] })
	if err != nil {
		b.mu.Lock()
		b.dirtyAll = true // read everyone next time
		b.mu.Unlock()
		b.o.Logger.Error().Err(err).Msg("entity bridge: read household")
		return
	}
	if err := b.o.Publisher.Update(ctx, h); err != nil {
		b.o.Logger.Warn().Err(err).Msg("entity bridge: publish configs")
		return
	}
	if err := b.o.Publisher.SetStatesReadAt(ctx, snap, mark); err != nil {
		b.o.Logger.Warn().Err(err).Msg("entity bridge: publish states")
	}
}

// eventLoop handles events apart from the syncs, so a sync's reads (a
// full one reads the whole household) never hold them up.
func (b *Bridge) eventLoop() {
	defer close(b.eventsDone)
	for {
		select {
		case <-b.stop:
			return
		case evs := <-b.events:
			b.handleEvents(evs)
		}
	}
}

// handleEvents publishes at once the states the events carry (a streak
// that grew today) and fires the event entity. Every event also marked its
// person for the next sync, which reads the rest (score, XP, done today)
// and corrects a patch that a later change has overtaken.
func (b *Bridge) handleEvents(evs []domain.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var patch []Message
	for _, ev := range evs {
		if ev.Kind == domain.EventStreakExtended && ev.Streak != nil {
			patch = append(patch, streakStateMessage(b.o.BaseTopic, ev.PersonID, ev.Streak.HabitID, ev.Streak.Current))
		}
	}
	if len(patch) > 0 {
		if err := b.o.Publisher.PatchStates(ctx, patch); err != nil {
			b.o.Logger.Warn().Err(err).Msg("entity bridge: publish streaks")
		}
	}
	b.sendEvents(ctx, evs)
}

func (b *Bridge) sendEvents(ctx context.Context, evs []domain.Event) {
	tx := b.o.Language.Texts()
	for _, ev := range evs {
		e, ok := EventFor(ev, tx)
		if !ok {
			continue
		}
		if err := b.o.Publisher.PublishEvent(ctx, ev.PersonID, e); err != nil {
			b.o.Logger.Warn().Err(err).Str("event", string(ev.Kind)).Int64("person", ev.PersonID).Msg("entity bridge: event not sent")
		}
	}
}

// EventFor maps a domain event to what the person's event entity fires, in
// tx's language; false for events it does not show. Every event
// carries "message", a sentence in the household's language that a card or
// an automation can show as it is; the other keys are data and never
// change with the language.
func EventFor(ev domain.Event, tx locale.Texts) (Event, bool) {
	var e Event
	switch {
	case ev.Kind == domain.EventLevelUp && ev.LevelUp != nil:
		e = Event{Type: EventLevelUp, Data: map[string]any{"level": ev.LevelUp.Level, "total_xp": ev.LevelUp.TotalXP, "points": ev.LevelUp.Points}}
		e.Data["message"] = tx.T("event.level_up", "level", ev.LevelUp.Level)
	case ev.Kind == domain.EventAchievementUnlocked && ev.Achievement != nil:
		e = Event{Type: EventAchievementUnlocked, Data: map[string]any{"key": ev.Achievement.Key, "name": ev.Achievement.Name, "xp": ev.Achievement.XP}}
		e.Data["message"] = tx.T("event.achievement_unlocked", "name", ev.Achievement.Name)
	case ev.Kind == domain.EventStreakBroken && ev.Streak != nil:
		e = Event{Type: EventStreakBroken, Data: map[string]any{"habit_id": ev.Streak.HabitID, "previous": ev.Streak.Previous, "day": ev.Streak.Day.String()}}
		e.Data["message"] = tx.T("event.streak_broken", "previous", ev.Streak.Previous)
	case ev.Kind == domain.EventStreakMilestone && ev.Streak != nil:
		e = Event{Type: EventStreakMilestone, Data: map[string]any{"habit_id": ev.Streak.HabitID, "milestone": ev.Streak.Milestone}}
		e.Data["message"] = tx.T("event.streak_milestone", "milestone", ev.Streak.Milestone)
	case ev.Kind == domain.EventRoutineMissed && ev.Item != nil:
		e = Event{Type: EventRoutineMissed, Data: map[string]any{"item_id": ev.Item.ItemID, "title": ev.Item.Title,
			"day": ev.Item.Day.String(), "planned": ev.Item.Planned.UTC().Format(time.RFC3339)}}
		e.Data["message"] = tx.T("event.routine_missed", "title", ev.Item.Title)
	case ev.Kind == domain.EventGoalMilestone && ev.Goal != nil:
		e = Event{Type: EventGoalMilestone, Data: map[string]any{"goal_id": ev.Goal.GoalID, "name": ev.Goal.Name, "percent": ev.Goal.Percent,
			"current": ev.Goal.Current, "target": ev.Goal.Target, "xp": ev.Goal.XP}}
		e.Data["message"] = tx.T("event.goal_milestone", "name", ev.Goal.Name, "percent", ev.Goal.Percent)
	default:
		return Event{}, false
	}
	return e, true
}

// read gathers, in one pass over the household, both what HA's configs are
// built from and the states they show: each person's habits, today's
// timeline, character and day are read once per sync.
func (b *Bridge) read(ctx context.Context) (Household, Snapshot, error) {
	return b.readPeople(ctx, func(int64) bool { return true }, nil)
}

// readChanged is read that rereads only the people reread names and takes
// the others from the loop's cache, which it then replaces.
func (b *Bridge) readChanged(ctx context.Context, reread func(id int64) bool) (Household, Snapshot, error) {
	next := map[int64]personRead{}
	h, snap, err := b.readPeople(ctx, func(id int64) bool {
		_, cached := b.cache[id]
		return !cached || reread(id)
	}, func(id int64) (personRead, bool) {
		r, ok := b.cache[id]
		return r, ok
	})
	if err != nil {
		return h, snap, err
	}
	for i, p := range h.People {
		next[p.ID] = personRead{person: p, state: snap.People[i]}
	}
	b.cache = next
	return h, snap, nil
}

func (b *Bridge) readPeople(ctx context.Context, reread func(id int64) bool, cached func(id int64) (personRead, bool)) (Household, Snapshot, error) {
	h := Household{Version: b.o.Version, BaseTopic: b.o.BaseTopic, Prefix: b.o.Prefix, Language: b.o.Language.Lang()}
	if b.o.ConfigurationURL != nil {
		h.ConfigurationURL = b.o.ConfigurationURL()
	}
	snap := Snapshot{BaseTopic: b.o.BaseTopic}
	if b.o.Health != nil {
		checks := b.o.Health.Check(ctx)
		snap.Connections = Connections{
			HomeAssistant: connection(checks["home_assistant"]),
			Oura:          connection(checks["oura"]),
			Database:      connection(checks["database"]),
		}
		h.NotConfigured = NotConfigured{
			HomeAssistant: snap.Connections.HomeAssistant.State == ConnNotConfigured,
			Oura:          snap.Connections.Oura.State == ConnNotConfigured,
		}
	}
	people, err := b.o.Source.People(ctx)
	if err != nil {
		return h, snap, err
	}
	tree := b.o.Source.Tree()
	for _, p := range people {
		if !reread(p.Value.ID) {
			if r, ok := cached(p.Value.ID); ok {
				h.People = append(h.People, r.person)
				snap.People = append(snap.People, r.state)
				continue
			}
		}
		person := Person{ID: p.Value.ID, Slug: p.Value.Slug, Name: p.Value.Name}
		view, err := b.o.Source.PersonView(ctx, strconv.FormatInt(p.Value.ID, 10))
		if err != nil {
			return h, snap, err
		}
		today, c, timeline := view.Today, view.Character, view.Timeline
		for _, hb := range today.Habits {
			habit := Habit{ID: hb.Habit.ID, Slug: hb.Habit.Slug, Name: hb.Habit.Name, Negative: hb.Habit.Kind == domain.HabitNegative}
			if tg := hb.Habit.Target; tg.Kind != domain.TargetCheck && tg.Kind != "" {
				habit.Amount = &Amount{Target: tg.Value, Unit: tg.Unit}
			}
			person.Habits = append(person.Habits, habit)
		}
		for _, e := range timeline {
			person.RoutineItems = append(person.RoutineItems, Item{ID: e.ItemID, Title: e.Title})
		}
		if c.Sheet.UnspentPoints > 0 {
			for _, id := range c.Allocatable {
				if n, ok := tree.Node(id); ok {
					person.AllocatableNodes = append(person.AllocatableNodes, Node{ID: string(id), Name: n.Name})
				}
			}
		}
		var goals []GoalState
		if gs, ok := b.o.Source.(GoalSource); ok {
			views, err := gs.ActiveGoals(ctx, strconv.FormatInt(p.Value.ID, 10))
			if err != nil {
				return h, snap, err
			}
			person.Goals, goals = goalSensors(views)
		}
		ps := personState(today, c)
		ps.Goals = goals
		ps.Routine = routineState(timeline)
		ps.Insights = b.insightsOf(ctx, p.Value.ID, strconv.FormatInt(p.Value.ID, 10))
		if b.o.Oura != nil {
			st, err := b.o.Oura.StatusOf(ctx, p.Value.ID)
			if err != nil {
				return h, snap, err
			}
			if st.Sync.LastSync != nil {
				ps.OuraLastSync = *st.Sync.LastSync
			}
			ps.Oura = OuraState{Connected: st.Connected, NeedsReauth: st.NeedsReauth, ReauthReason: st.ReauthReason, LastError: st.Sync.LastError}
			person.OuraLinked = st.Connected
			if ps.LifeScore != nil && st.Connected && st.Sync.LastSync != nil {
				// Stale while last night's sleep has not arrived: the score
				// leaves sleep out until it does.
				ps.LifeScore.Freshness = append(ps.LifeScore.Freshness, Freshness{Source: "oura", UpdatedAt: *st.Sync.LastSync, Stale: today.SleepNotInYet})
			}
		}
		h.People = append(h.People, person)
		snap.People = append(snap.People, ps)
	}
	return h, snap, nil
}

// connection maps a health check to a diagnostic.
func connection(d app.DepStatus) Connection {
	c := Connection{Error: d.Error}
	if d.Since != nil {
		c.Since = *d.Since
	}
	switch d.State {
	case app.DepOK:
		c.State, c.Error = ConnOK, ""
	case app.DepDisabled:
		c.State, c.Error = ConnNotConfigured, ""
	default:
		c.State = ConnDown
	}
	return c
}

func personState(t app.TodayView, c app.CharacterView) PersonState {
	ps := PersonState{
		PersonID: t.Person.ID, Level: t.Level, XP: t.TotalXP, XPToNextLevel: t.XPToNext,
		UnspentPoints: c.Sheet.UnspentPoints, NextRespecAt: c.NextRespecAt, Mood: t.Mood, Vacation: t.Vacation,
	}
	if sc := t.Score.Score; sc.HasData {
		ls := &LifeScore{Value: float64(sc.Score), Explanation: sc.Explanation}
		for _, con := range sc.Contributors {
			if !con.Present {
				continue
			}
			ls.Contributors = append(ls.Contributors, Contributor{Name: string(con.Component), Score: con.Value, Weight: con.Share, Points: con.Share * con.Value})
		}
		if !sc.Freshness.IsZero() {
			ls.Freshness = append(ls.Freshness, Freshness{Source: "inputs", UpdatedAt: sc.Freshness})
		}
		ps.LifeScore = ls
	}
	for _, line := range c.Sheet.Stats {
		ps.Stats = append(ps.Stats, StatState{Stat: Stat(line.Stat.String()), Value: line.Value, Breakdown: []StatPart{
			{Source: "base", Points: int(line.Base)}, {Source: "level", Points: int(line.Level)},
			{Source: "growth", Points: int(line.Growth)}, {Source: "tree", Points: int(line.Tree)}, {Source: "buffs", Points: int(line.Buffs)},
		}})
	}
	for _, h := range t.Habits {
		done := h.Result.Status == domain.StatusDone
		if h.Habit.Kind == domain.HabitNegative {
			done = h.Result.CheckIns == 0
		}
		hs := HabitState{HabitID: h.Habit.ID, Streak: h.Streak.Current, Best: h.Streak.Best,
			Strength: h.Strength, AtRisk: h.Streak.AtRisk, DoneToday: done}
		if k := h.Habit.Target.Kind; k != domain.TargetCheck && k != "" {
			logged := h.Result.Value
			hs.Logged = &logged
		}
		ps.Habits = append(ps.Habits, hs)
	}
	return ps
}

// routineState is today's progress and the next open item.
func routineState(timeline []app.TimelineEntry) RoutineState {
	var rs RoutineState
	for _, e := range timeline {
		rs.Total++
		switch e.Status {
		case routine.StatusDone, routine.StatusSkipped:
			rs.Done++
		case routine.StatusPending, routine.StatusSnoozed:
			if rs.Next == nil || e.DueAt().Before(rs.Next.Due) {
				rs.Next = &NextItem{ItemID: e.ItemID, Title: e.Title, Due: e.DueAt()}
			}
		}
	}
	return rs
}

// commandWindow is how long a repeated command on the same topic counts
// once. MQTT QoS 1 redelivers a command whose acknowledgement was lost; the
// redelivery arrives right after the reconnect, well inside the window.
const commandWindow = 10 * time.Second

// press is the first press of a run on one command topic.
type press struct {
	at  time.Time
	key string
}

// pressKey is the idempotency key of a press on topic at now: presses less
// than commandWindow after the first of their run share its key, so they
// check in once. The first press's key is named after its commandWindow
// bucket, so replicas that each receive the same press agree on it.
func (b *Bridge) pressKey(topic string, now time.Time) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.presses[topic]; ok && now.Sub(p.at) >= 0 && now.Sub(p.at) < commandWindow {
		return p.key
	}
	for t, p := range b.presses {
		if now.Sub(p.at) >= commandWindow {
			delete(b.presses, t)
		}
	}
	p := press{at: now, key: fmt.Sprintf("mqtt:%s:%d", topic, now.Truncate(commandWindow).Unix())}
	b.presses[topic] = p
	return p.key
}

// onCommand runs on the MQTT client's worker, never on paho's callback.
func (b *Bridge) onCommand(ctx context.Context, topic string, payload []byte, retained bool) {
	log := b.o.Logger.With().Str("topic", topic).Logger()
	if retained {
		// A retained command is stale state someone left on the broker, not
		// a press.
		log.Warn().Msg("ignoring a retained command")
		return
	}
	cmd, err := ParseCommand(b.o.BaseTopic, topic, payload)
	if err != nil {
		log.Warn().Err(err).Msg("bad command")
		return
	}
	person := strconv.FormatInt(cmd.PersonID, 10)
	switch cmd.Kind {
	case CommandCheckIn:
		_, err = b.o.Source.CheckIn(ctx, app.CheckInInput{Person: person, Habit: strconv.FormatInt(cmd.HabitID, 10),
			Source: domain.SourceHA, IdempotencyKey: b.pressKey(topic, b.o.Now())})
	case CommandAmount:
		// The same amount again within the window is MQTT's redelivery of
		// one set, not a second one; another amount is a new check-in.
		_, err = b.o.Source.CheckIn(ctx, app.CheckInInput{Person: person, Habit: strconv.FormatInt(cmd.HabitID, 10),
			Quantity: cmd.Amount, Source: domain.SourceHA,
			IdempotencyKey: b.pressKey(topic+"="+strconv.FormatFloat(cmd.Amount, 'g', -1, 64), b.o.Now())})
	case CommandCompleteItem:
		err = b.o.Source.CompleteRoutineItem(ctx, person, strconv.FormatInt(cmd.ItemID, 10), "done")
	case CommandAllocate:
		_, err = b.o.Source.Allocate(ctx, person, cmd.NodeID)
	case CommandVacation:
		err = b.o.Source.SetVacation(ctx, person, cmd.On)
	default:
		err = fmt.Errorf("command %s is not handled yet", cmd.Kind)
	}
	if err != nil && isCallerError(err) {
		// Nothing changed, but HA's optimistic entity may show the refused
		// value: read the person again so their states are set back.
		b.mu.Lock()
		b.dirty[cmd.PersonID] = true
		b.mu.Unlock()
	}
	if err != nil {
		level := log.Warn()
		if !isCallerError(err) {
			level = log.Error()
		}
		level.Err(err).Str("command", string(cmd.Kind)).Msg("command failed")
	}
	b.poke()
}

func isCallerError(err error) bool {
	var v *domain.ValidationError
	return errors.As(err, &v) || errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict)
}
