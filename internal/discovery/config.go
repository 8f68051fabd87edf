package discovery

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/locale"
)

// ProjectURL is sent as the origin's support URL.
const ProjectURL = "https://github.com/lifeops/lifeops"

// originName is how LifeOps recognises its own retained configs.
const originName = "LifeOps"

// Platform is an HA MQTT platform.
type Platform string

// Platforms LifeOps uses.
const (
	PlatformSensor       Platform = "sensor"
	PlatformBinarySensor Platform = "binary_sensor"
	PlatformButton       Platform = "button"
	PlatformNumber       Platform = "number"
	PlatformSelect       Platform = "select"
	PlatformSwitch       Platform = "switch"
	PlatformEvent        Platform = "event"
)

type stateClass string

const (
	measurement stateClass = "measurement"
	// total is a running sum that may also go down (an undone check-in
	// takes its XP back): HA's long-term statistics then count the drop as
	// a change, where total_increasing would read it as a meter reset.
	total stateClass = "total"
)

type entityCategory string

const (
	diagnostic entityCategory = "diagnostic"
)

// Stat is one of the character's six stats.
type Stat string

// The six stats, in display order.
const (
	STR Stat = "STR"
	INT Stat = "INT"
	WIS Stat = "WIS"
	STA Stat = "STA"
	CHA Stat = "CHA"
	LCK Stat = "LCK"
)

// Stats lists the six stats in display order.
func Stats() []Stat { return []Stat{STR, INT, WIS, STA, CHA, LCK} }

func (s Stat) key() string { return strings.ToLower(string(s)) }

// long is the stat's long name, which seeds its entity id (English on
// purpose: ids never follow the language), and its icon.
func (s Stat) long() (name, icon string) {
	switch s {
	case STR:
		return "strength", "mdi:arm-flex"
	case INT:
		return "intelligence", "mdi:brain"
	case WIS:
		return "wisdom", "mdi:owl"
	case STA:
		return "stamina", "mdi:run"
	case CHA:
		return "charisma", "mdi:account-voice"
	default:
		return "luck", "mdi:clover"
	}
}

// EventType is a type the person's event entity fires.
type EventType string

// Event types.
const (
	EventLevelUp             EventType = "level_up"
	EventAchievementUnlocked EventType = "achievement_unlocked"
	EventStreakBroken        EventType = "streak_broken"
	EventStreakMilestone     EventType = "streak_milestone"
	EventRoutineMissed       EventType = "routine_missed"
	EventGoalMilestone       EventType = "goal_milestone"
)

// EventTypes lists every event type, in the order announced to HA.
func EventTypes() []EventType {
	return []EventType{EventLevelUp, EventAchievementUnlocked, EventStreakBroken, EventStreakMilestone, EventRoutineMissed, EventGoalMilestone}
}

// devicePayload is a device-based discovery payload. Full key names are used
// throughout: they are longer than the abbreviations but readable, and HA
// accepts both.
type devicePayload struct {
	Device            device               `json:"device"`
	Origin            origin               `json:"origin"`
	AvailabilityTopic string               `json:"availability_topic"`
	QoS               int                  `json:"qos"`
	Components        map[string]component `json:"components"`
}

type device struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	SWVersion    string   `json:"sw_version"`
	ViaDevice    string   `json:"via_device,omitempty"`
	// ConfigurationURL is the "Visit" link of HA's device page.
	ConfigurationURL string `json:"configuration_url,omitempty"`
}

type origin struct {
	Name       string `json:"name"`
	SWVersion  string `json:"sw_version"`
	SupportURL string `json:"support_url"`
}

// component is one entity in a device payload. Every field but Platform is
// omitempty so that a removal can cut a component down to {"platform": …}.
type component struct {
	Platform        Platform       `json:"platform"`
	Name            string         `json:"name,omitempty"`
	UniqueID        string         `json:"unique_id,omitempty"`
	DefaultEntityID string         `json:"default_entity_id,omitempty"`
	Icon            string         `json:"icon,omitempty"`
	EntityCategory  entityCategory `json:"entity_category,omitempty"`
	// EnabledByDefault false registers the entity disabled (HA reads it
	// only when it first registers the entity); nil leaves HA's default.
	EnabledByDefault    *bool       `json:"enabled_by_default,omitempty"`
	DeviceClass         string      `json:"device_class,omitempty"`
	StateClass          stateClass  `json:"state_class,omitempty"`
	Unit                string      `json:"unit_of_measurement,omitempty"`
	DisplayPrecision    *int        `json:"suggested_display_precision,omitempty"`
	StateTopic          string      `json:"state_topic,omitempty"`
	JSONAttributesTopic string      `json:"json_attributes_topic,omitempty"`
	CommandTopic        string      `json:"command_topic,omitempty"`
	PayloadPress        string      `json:"payload_press,omitempty"`
	PayloadOn           string      `json:"payload_on,omitempty"`
	PayloadOff          string      `json:"payload_off,omitempty"`
	Options             []string    `json:"options,omitempty"`
	EventTypes          []EventType `json:"event_types,omitempty"`
	// Number entities: min, max and step are always sent (HA's defaults
	// differ between versions), hence pointers: 0 is a real min.
	Min  *float64 `json:"min,omitempty"`
	Max  *float64 `json:"max,omitempty"`
	Step *float64 `json:"step,omitempty"`
	Mode string   `json:"mode,omitempty"`
}

type deviceConfig struct {
	topic   string
	payload devicePayload
}

// Configs builds the retained discovery messages for h: the household device
// first, then one device per person. h should pass Validate.
func Configs(h Household) []Message {
	devs := devices(h)
	msgs := make([]Message, 0, len(devs))
	for _, d := range devs {
		msgs = append(msgs, Message{Topic: d.topic, Payload: mustJSON(d.payload), Retain: true})
	}
	return msgs
}

// Removals returns what must be published before Configs(next) so that HA
// drops what prev had and next does not: an empty retained payload on the
// topic of every device that is gone (a removed person, a changed prefix),
// and, for a device that stays but lost components, its next payload with
// each lost component cut down to {"platform": …}; publishing Configs(next)
// afterwards leaves them out entirely, which is the sequence HA expects.
func Removals(prev, next Household) []Message {
	nextDevs := map[string]devicePayload{}
	for _, d := range devices(next) {
		nextDevs[d.topic] = d.payload
	}
	var msgs []Message
	for _, d := range devices(prev) {
		np, ok := nextDevs[d.topic]
		if !ok {
			msgs = append(msgs, Message{Topic: d.topic, Payload: []byte{}, Retain: true})
			continue
		}
		var gone []string
		for id := range d.payload.Components {
			if _, ok := np.Components[id]; !ok {
				gone = append(gone, id)
			}
		}
		if len(gone) == 0 {
			continue
		}
		cut := np
		cut.Components = make(map[string]component, len(np.Components)+len(gone))
		for id, c := range np.Components {
			cut.Components[id] = c
		}
		for _, id := range gone {
			cut.Components[id] = component{Platform: d.payload.Components[id].Platform}
		}
		msgs = append(msgs, Message{Topic: d.topic, Payload: mustJSON(cut), Retain: true})
	}
	return msgs
}

// ClearMessage is the retained empty payload that deletes a device (or
// anything else) on topic.
func ClearMessage(topic string) Message {
	return Message{Topic: topic, Payload: []byte{}, Retain: true}
}

func devices(h Household) []deviceConfig {
	devs := []deviceConfig{householdDevice(h)}
	for _, p := range h.People {
		devs = append(devs, personDevice(h, p))
	}
	return devs
}

func newPayload(h Household, dev device) devicePayload {
	return devicePayload{
		Device:            dev,
		Origin:            origin{Name: originName, SWVersion: h.Version, SupportURL: ProjectURL},
		AvailabilityTopic: StatusTopic(h.BaseTopic),
		QoS:               1,
		Components:        map[string]component{},
	}
}

func householdDevice(h Household) deviceConfig {
	tx := locale.For(h.Language)
	p := newPayload(h, device{
		Identifiers:      []string{householdObjectID},
		Name:             "LifeOps",
		Manufacturer:     "LifeOps",
		Model:            "LifeOps add-on",
		SWVersion:        h.Version,
		ConfigurationURL: h.ConfigurationURL,
	})
	for _, c := range []struct {
		key, entity, name string
		off               bool
	}{
		{"ha", "home_assistant", tx.T("entity.ha_connection"), h.NotConfigured.HomeAssistant},
		{"oura", "oura", tx.T("entity.oura_connection"), h.NotConfigured.Oura},
		{"database", "database", tx.T("entity.database_connection"), false},
	} {
		id := c.key + "_connection"
		p.Components[id] = component{
			Platform:            PlatformBinarySensor,
			Name:                c.name,
			UniqueID:            householdObjectID + "_" + id,
			DefaultEntityID:     "binary_sensor.lifeops_" + c.entity + "_connection",
			DeviceClass:         "connectivity",
			EntityCategory:      diagnostic,
			EnabledByDefault:    disabledIf(c.off),
			StateTopic:          connectionStateTopic(h.BaseTopic, c.key),
			JSONAttributesTopic: connectionAttributesTopic(h.BaseTopic, c.key),
			PayloadOn:           PayloadOn,
			PayloadOff:          PayloadOff,
		}
	}
	return deviceConfig{topic: deviceTopic(h.Prefix, householdObjectID), payload: p}
}

func personDevice(h Household, person Person) deviceConfig {
	tx := locale.For(h.Language)
	objectID := personObjectID(person.ID)
	p := newPayload(h, device{
		Identifiers:      []string{objectID},
		Name:             "LifeOps " + person.Name,
		Manufacturer:     "LifeOps",
		Model:            "LifeOps person",
		SWVersion:        h.Version,
		ViaDevice:        householdObjectID,
		ConfigurationURL: h.ConfigurationURL,
	})
	t := topicsFor(h.BaseTopic, person.ID)
	slug := entitySlug(person.Slug)
	// Entity ids come from slugs and fixed English words, never from the
	// (translated) names: a language switch renames, it never re-ids.
	add := func(id, entity string, c component) {
		c.UniqueID = objectID + "_" + id
		c.DefaultEntityID = string(c.Platform) + ".lifeops_" + slug + "_" + entity
		p.Components[id] = c
	}
	zero := 0

	add("life_score", "life_score", component{
		Platform: PlatformSensor, Name: tx.T("entity.life_score"), Icon: "mdi:heart-pulse",
		StateClass: measurement, DisplayPrecision: &zero,
		StateTopic: t.state("life_score"), JSONAttributesTopic: t.attributes("life_score"),
	})
	add("level", "level", component{
		Platform: PlatformSensor, Name: tx.T("entity.level"), Icon: "mdi:star-circle",
		StateClass: measurement, StateTopic: t.state("level"),
	})
	add("xp", "xp", component{
		Platform: PlatformSensor, Name: tx.T("entity.xp"), Icon: "mdi:star-four-points",
		StateClass: total, Unit: "XP", StateTopic: t.state("xp"),
	})
	add("xp_to_next_level", "xp_to_next_level", component{
		Platform: PlatformSensor, Name: tx.T("entity.xp_to_next_level"), Icon: "mdi:star-arrow-up",
		StateClass: measurement, Unit: "XP", StateTopic: t.state("xp_to_next_level"),
	})
	add("unspent_points", "unspent_points", component{
		Platform: PlatformSensor, Name: tx.T("entity.unspent_points"), Icon: "mdi:plus-circle-multiple",
		StateClass: measurement, StateTopic: t.state("unspent_points"), JSONAttributesTopic: t.attributes("unspent_points"),
	})
	for _, s := range Stats() {
		long, icon := s.long()
		key := t.stat(s)
		add("stat_"+s.key(), long, component{
			Platform: PlatformSensor, Name: tx.T("entity.stat_" + s.key()), Icon: icon,
			StateClass: measurement, StateTopic: t.state(key), JSONAttributesTopic: t.attributes(key),
		})
	}
	for _, g := range person.Goals {
		add("goal_"+itoa(g.ID), "goal_"+itoa(g.ID), component{
			Platform: PlatformSensor, Name: tx.T("entity.goal", "name", g.Name), Icon: "mdi:flag-checkered",
			Unit: "%", StateClass: measurement, StateTopic: t.state(t.goal(g.ID)), JSONAttributesTopic: t.attributes(t.goal(g.ID)),
		})
	}
	for _, hb := range person.Habits {
		hslug := entitySlug(hb.Slug)
		id := "habit_" + itoa(hb.ID)
		doneKey, pressKey, pressIcon := "entity.habit_done_today", "entity.habit_check_in", "mdi:check-circle-outline"
		if hb.Negative {
			doneKey, pressKey, pressIcon = "entity.habit_avoided_today", "entity.habit_slip", "mdi:alert-circle-outline"
		}
		add(id+"_streak", hslug+"_streak", component{
			Platform: PlatformSensor, Name: tx.T("entity.habit_streak", "habit", hb.Name), Icon: "mdi:fire",
			DeviceClass: "duration", Unit: "d", StateClass: measurement,
			StateTopic: t.state(t.habit(hb.ID, "streak")), JSONAttributesTopic: t.attributes(t.habit(hb.ID, "streak")),
		})
		add(id+"_done_today", hslug+"_done_today", component{
			Platform: PlatformBinarySensor, Name: tx.T(doneKey, "habit", hb.Name), Icon: "mdi:calendar-check",
			StateTopic: t.state(t.habit(hb.ID, "done_today")), PayloadOn: PayloadOn, PayloadOff: PayloadOff,
		})
		if a := hb.Amount; a != nil {
			// A quantity habit takes an amount, which a button cannot send:
			// the number entity replaces the check-in button (a check-in
			// without an amount would never count towards the target).
			lo, hi, step := 0.0, maxAmount, amountStep(a.Target)
			add(id+"_amount", hslug+"_amount", component{
				Platform: PlatformNumber, Name: tx.T("entity.habit_amount", "habit", hb.Name), Icon: "mdi:plus-box-multiple-outline",
				Unit: a.Unit, Min: &lo, Max: &hi, Step: &step, Mode: "box",
				StateTopic: t.state(t.habit(hb.ID, "amount")), CommandTopic: t.amount(hb.ID),
			})
			continue
		}
		add(id+"_check_in", hslug+"_check_in", component{
			Platform: PlatformButton, Name: tx.T(pressKey, "habit", hb.Name), Icon: pressIcon,
			CommandTopic: t.checkIn(hb.ID), PayloadPress: PayloadPress,
		})
	}
	add("routine_progress", "routine_progress", component{
		Platform: PlatformSensor, Name: tx.T("entity.routine_progress"), Icon: "mdi:timeline-check",
		StateClass: measurement, Unit: "%", DisplayPrecision: &zero,
		StateTopic: t.state("routine/progress"), JSONAttributesTopic: t.attributes("routine/progress"),
	})
	add("routine_next_item", "next_routine_item", component{
		Platform: PlatformSensor, Name: tx.T("entity.next_routine_item"), Icon: "mdi:timeline-clock",
		StateTopic: t.state("routine/next_item"), JSONAttributesTopic: t.attributes("routine/next_item"),
	})
	add("mood", "mood", component{
		Platform: PlatformSensor, Name: tx.T("entity.mood"), Icon: "mdi:emoticon-outline",
		StateClass: measurement, StateTopic: t.state("mood"),
	})
	add("top_insight", "top_insight", component{
		Platform: PlatformSensor, Name: tx.T("entity.top_insight"), Icon: "mdi:lightbulb-on-outline",
		StateTopic: t.state("insights/top"), JSONAttributesTopic: t.attributes("insights/top"),
	})
	add("oura_last_sync", "oura_last_sync", component{
		Platform: PlatformSensor, Name: tx.T("entity.oura_last_sync"), Icon: "mdi:ring",
		DeviceClass: "timestamp", EntityCategory: diagnostic, StateTopic: t.state("oura/last_sync"),
		JSONAttributesTopic: t.attributes("oura/last_sync"),
		// A person without a ring has no use for it (nor a household
		// without Oura settings); HA registers it disabled.
		EnabledByDefault: disabledIf(h.NotConfigured.Oura || !person.OuraLinked),
	})
	for _, it := range person.RoutineItems {
		entity := entitySlug(it.Title)
		if entity == "" {
			entity = "item_" + itoa(it.ID)
		}
		add("routine_item_"+itoa(it.ID)+"_complete", "complete_"+entity, component{
			Platform: PlatformButton, Name: tx.T("entity.complete_item", "item", it.Title), Icon: "mdi:checkbox-marked-circle-outline",
			CommandTopic: t.completeItem(it.ID), PayloadPress: PayloadPress,
		})
	}
	if len(person.AllocatableNodes) > 0 {
		opts := make([]string, len(person.AllocatableNodes))
		for i, n := range person.AllocatableNodes {
			opts[i] = NodeOption(n)
		}
		add("allocate_stat_point", "allocate_stat_point", component{
			Platform: PlatformSelect, Name: tx.T("entity.allocate_stat_point"), Icon: "mdi:family-tree",
			CommandTopic: t.allocate(), Options: opts,
		})
	}
	add("vacation", "vacation", component{
		Platform: PlatformSwitch, Name: tx.T("entity.vacation"), Icon: "mdi:palm-tree",
		StateTopic: t.state("vacation"), CommandTopic: t.vacationSet(),
		PayloadOn: PayloadOn, PayloadOff: PayloadOff,
	})
	add("events", "events", component{
		Platform: PlatformEvent, Name: tx.T("entity.events"), Icon: "mdi:party-popper",
		StateTopic: t.events(), EventTypes: EventTypes(),
	})
	return deviceConfig{topic: deviceTopic(h.Prefix, objectID), payload: p}
}

// maxAmount is the number entity's max: the most a check-in may log. Its
// state (today's total) must stay within min and max too, or HA drops it
// with an "Invalid value" error; a day's total above it is not credible.
const maxAmount = domain.MaxTargetValue

// amountStep is the number entity's step for a habit with target: a
// hundredth of the target's order of magnitude (2 l → 0.01, 30 min → 0.1,
// 2000 ml → 1), never coarser than 1 nor finer than HA's least step,
// 0.001. The box accepts any amount; the step is what its arrows add.
func amountStep(target float64) float64 {
	if !(target > 0) {
		return 1
	}
	step := math.Pow(10, math.Floor(math.Log10(target))-2)
	return math.Min(1, math.Max(0.001, step))
}

// disabledIf is the enabled_by_default of an entity that is of no use
// while off holds: false then, else left to HA (true).
func disabledIf(off bool) *bool {
	if !off {
		return nil
	}
	no := false
	return &no
}

// validConfigurationURL accepts what HA's device registry does: an
// http(s) URL with a host, or homeassistant://<path> (a page of HA's own
// frontend, such as an add-on's ingress panel).
func validConfigurationURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "homeassistant":
		return u.Host != "" || u.Path != ""
	}
	return false
}

// NodeOption is how a stat-tree node appears in the allocate select. The id
// travels inside the option because the select sends back only the option
// text; ParseCommand reads it out again.
func NodeOption(n Node) string { return n.Name + " (#" + n.ID + ")" }

func parseNodeOption(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if validNodeID(s) {
		return s, true
	}
	open := strings.LastIndex(s, "(#")
	if open < 0 || !strings.HasSuffix(s, ")") {
		return "", false
	}
	id := s[open+2 : len(s)-1]
	return id, validNodeID(id)
}

// validNodeID accepts the tree's ids: short, lowercase, digits and _.
func validNodeID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain structs, strings and numbers reach here.
		panic(fmt.Sprintf("discovery: marshal %T: %v", v, err))
	}
	return b
}
