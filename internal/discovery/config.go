package discovery

import (
	"encoding/json"
	"fmt"
	"strings"
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
}

type origin struct {
	Name       string `json:"name"`
	SWVersion  string `json:"sw_version"`
	SupportURL string `json:"support_url"`
}

// component is one entity in a device payload. Every field but Platform is
// omitempty so that a removal can cut a component down to {"platform": …}.
type component struct {
	Platform            Platform       `json:"platform"`
	Name                string         `json:"name,omitempty"`
	UniqueID            string         `json:"unique_id,omitempty"`
	DefaultEntityID     string         `json:"default_entity_id,omitempty"`
	Icon                string         `json:"icon,omitempty"`
	EntityCategory      entityCategory `json:"entity_category,omitempty"`
	DeviceClass         string         `json:"device_class,omitempty"`
	StateClass          stateClass     `json:"state_class,omitempty"`
	Unit                string         `json:"unit_of_measurement,omitempty"`
	DisplayPrecision    *int           `json:"suggested_display_precision,omitempty"`
	StateTopic          string         `json:"state_topic,omitempty"`
	JSONAttributesTopic string         `json:"json_attributes_topic,omitempty"`
	CommandTopic        string         `json:"command_topic,omitempty"`
	PayloadPress        string         `json:"payload_press,omitempty"`
	PayloadOn           string         `json:"payload_on,omitempty"`
	PayloadOff          string         `json:"payload_off,omitempty"`
	Options             []string       `json:"options,omitempty"`
	EventTypes          []EventType    `json:"event_types,omitempty"`
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
	p := newPayload(h, device{
		Identifiers:  []string{householdObjectID},
		Name:         "LifeOps",
		Manufacturer: "LifeOps",
		Model:        "LifeOps add-on",
		SWVersion:    h.Version,
	})
	for _, c := range []struct{ key, entity, name string }{
		{"ha", "home_assistant", "Home Assistant connection"},
		{"oura", "oura", "Oura connection"},
		{"database", "database", "Database connection"},
	} {
		id := c.key + "_connection"
		p.Components[id] = component{
			Platform:        PlatformBinarySensor,
			Name:            c.name,
			UniqueID:        householdObjectID + "_" + id,
			DefaultEntityID: "binary_sensor.lifeops_" + c.entity + "_connection",
			DeviceClass:     "connectivity",
			EntityCategory:  diagnostic,
			StateTopic:      connectionStateTopic(h.BaseTopic, c.key),
			PayloadOn:       PayloadOn,
			PayloadOff:      PayloadOff,
		}
	}
	return deviceConfig{topic: deviceTopic(h.Prefix, householdObjectID), payload: p}
}

func personDevice(h Household, person Person) deviceConfig {
	objectID := personObjectID(person.ID)
	p := newPayload(h, device{
		Identifiers:  []string{objectID},
		Name:         "LifeOps " + person.Name,
		Manufacturer: "LifeOps",
		Model:        "LifeOps person",
		SWVersion:    h.Version,
		ViaDevice:    householdObjectID,
	})
	t := topicsFor(h.BaseTopic, person.ID)
	slug := entitySlug(person.Slug)
	add := func(id, entity string, c component) {
		c.UniqueID = objectID + "_" + id
		c.DefaultEntityID = string(c.Platform) + ".lifeops_" + slug + "_" + entity
		p.Components[id] = c
	}
	zero := 0

	add("life_score", "life_score", component{
		Platform: PlatformSensor, Name: "Life score", Icon: "mdi:heart-pulse",
		StateClass: measurement, DisplayPrecision: &zero,
		StateTopic: t.state("life_score"), JSONAttributesTopic: t.attributes("life_score"),
	})
	add("level", "level", component{
		Platform: PlatformSensor, Name: "Level", Icon: "mdi:star-circle",
		StateClass: measurement, StateTopic: t.state("level"),
	})
	add("xp", "xp", component{
		Platform: PlatformSensor, Name: "XP", Icon: "mdi:star-four-points",
		StateClass: total, Unit: "XP", StateTopic: t.state("xp"),
	})
	add("xp_to_next_level", "xp_to_next_level", component{
		Platform: PlatformSensor, Name: "XP to next level", Icon: "mdi:star-arrow-up",
		StateClass: measurement, Unit: "XP", StateTopic: t.state("xp_to_next_level"),
	})
	add("unspent_points", "unspent_points", component{
		Platform: PlatformSensor, Name: "Unspent points", Icon: "mdi:plus-circle-multiple",
		StateClass: measurement, StateTopic: t.state("unspent_points"), JSONAttributesTopic: t.attributes("unspent_points"),
	})
	for _, s := range Stats() {
		long, icon := s.long()
		key := t.stat(s)
		add("stat_"+s.key(), long, component{
			Platform: PlatformSensor, Name: strings.ToUpper(long[:1]) + long[1:] + " (" + string(s) + ")", Icon: icon,
			StateClass: measurement, StateTopic: t.state(key), JSONAttributesTopic: t.attributes(key),
		})
	}
	for _, g := range person.Goals {
		add("goal_"+itoa(g.ID), "goal_"+itoa(g.ID), component{
			Platform: PlatformSensor, Name: "Goal " + g.Name, Icon: "mdi:flag-checkered",
			Unit: "%", StateClass: measurement, StateTopic: t.state(t.goal(g.ID)), JSONAttributesTopic: t.attributes(t.goal(g.ID)),
		})
	}
	for _, hb := range person.Habits {
		hslug := entitySlug(hb.Slug)
		id := "habit_" + itoa(hb.ID)
		streakName, doneName, pressName, pressIcon := hb.Name+" streak", hb.Name+" done today", hb.Name+" check-in", "mdi:check-circle-outline"
		if hb.Negative {
			doneName, pressName, pressIcon = hb.Name+" avoided today", hb.Name+" slip", "mdi:alert-circle-outline"
		}
		add(id+"_streak", hslug+"_streak", component{
			Platform: PlatformSensor, Name: streakName, Icon: "mdi:fire",
			DeviceClass: "duration", Unit: "d", StateClass: measurement,
			StateTopic: t.state(t.habit(hb.ID, "streak")), JSONAttributesTopic: t.attributes(t.habit(hb.ID, "streak")),
		})
		add(id+"_done_today", hslug+"_done_today", component{
			Platform: PlatformBinarySensor, Name: doneName, Icon: "mdi:calendar-check",
			StateTopic: t.state(t.habit(hb.ID, "done_today")), PayloadOn: PayloadOn, PayloadOff: PayloadOff,
		})
		add(id+"_check_in", hslug+"_check_in", component{
			Platform: PlatformButton, Name: pressName, Icon: pressIcon,
			CommandTopic: t.checkIn(hb.ID), PayloadPress: PayloadPress,
		})
	}
	add("routine_progress", "routine_progress", component{
		Platform: PlatformSensor, Name: "Routine progress", Icon: "mdi:timeline-check",
		StateClass: measurement, Unit: "%", DisplayPrecision: &zero,
		StateTopic: t.state("routine/progress"), JSONAttributesTopic: t.attributes("routine/progress"),
	})
	add("routine_next_item", "next_routine_item", component{
		Platform: PlatformSensor, Name: "Next routine item", Icon: "mdi:timeline-clock",
		StateTopic: t.state("routine/next_item"), JSONAttributesTopic: t.attributes("routine/next_item"),
	})
	add("mood", "mood", component{
		Platform: PlatformSensor, Name: "Mood", Icon: "mdi:emoticon-outline",
		StateClass: measurement, StateTopic: t.state("mood"),
	})
	add("top_insight", "top_insight", component{
		Platform: PlatformSensor, Name: "Top insight", Icon: "mdi:lightbulb-on-outline",
		StateTopic: t.state("insights/top"), JSONAttributesTopic: t.attributes("insights/top"),
	})
	add("oura_last_sync", "oura_last_sync", component{
		Platform: PlatformSensor, Name: "Last Oura sync", Icon: "mdi:ring",
		DeviceClass: "timestamp", EntityCategory: diagnostic, StateTopic: t.state("oura/last_sync"),
		JSONAttributesTopic: t.attributes("oura/last_sync"),
	})
	for _, it := range person.RoutineItems {
		entity := entitySlug(it.Title)
		if entity == "" {
			entity = "item_" + itoa(it.ID)
		}
		add("routine_item_"+itoa(it.ID)+"_complete", "complete_"+entity, component{
			Platform: PlatformButton, Name: "Complete " + it.Title, Icon: "mdi:checkbox-marked-circle-outline",
			CommandTopic: t.completeItem(it.ID), PayloadPress: PayloadPress,
		})
	}
	if len(person.AllocatableNodes) > 0 {
		opts := make([]string, len(person.AllocatableNodes))
		for i, n := range person.AllocatableNodes {
			opts[i] = NodeOption(n)
		}
		add("allocate_stat_point", "allocate_stat_point", component{
			Platform: PlatformSelect, Name: "Allocate stat point", Icon: "mdi:family-tree",
			CommandTopic: t.allocate(), Options: opts,
		})
	}
	add("vacation", "vacation", component{
		Platform: PlatformSwitch, Name: "Vacation", Icon: "mdi:palm-tree",
		StateTopic: t.state("vacation"), CommandTopic: t.vacationSet(),
		PayloadOn: PayloadOn, PayloadOff: PayloadOff,
	})
	add("events", "events", component{
		Platform: PlatformEvent, Name: "Events", Icon: "mdi:party-popper",
		StateTopic: t.events(), EventTypes: EventTypes(),
	})
	return deviceConfig{topic: deviceTopic(h.Prefix, objectID), payload: p}
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
