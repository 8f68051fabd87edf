// Package discovery owns how LifeOps appears in Home Assistant over MQTT: the
// device-based discovery payloads (one device per person plus a household
// device for diagnostics), the topic layout for states and commands, the
// parsing of commands, the state payloads, and a Publisher that announces all
// of it over a small Transport port and keeps HA's view current across HA and
// broker restarts.
//
// Everything but the Publisher is pure: a snapshot in, messages out.
//
// Topic layout (base = LIFEOPS_BASE_TOPIC, pid = the person's stable id, so a
// rename keeps every topic):
//
//	<base>/status                                    availability (mqtt package)
//	<base>/<pid>/<key>/state                         sensor states
//	<base>/<pid>/<key>/attributes                    JSON attributes
//	<base>/<pid>/stat/<str|int|wis|sta|cha|lck>/state|attributes
//	<base>/<pid>/habit/<hid>/streak/state|attributes
//	<base>/<pid>/habit/<hid>/done_today/state
//	<base>/<pid>/habit/<hid>/amount/state            today's total (quantity habits)
//	<base>/<pid>/events                              event entity (not retained)
//	<base>/<pid>/habit/<hid>/check_in/set            commands end in /set
//	<base>/<pid>/habit/<hid>/amount/set              an amount to log
//	<base>/<pid>/routine/item/<iid>/complete/set
//	<base>/<pid>/stat_tree/allocate/set
//	<base>/<pid>/vacation/set  (state: <base>/<pid>/vacation/state)
//	<base>/household/connection/<ha|oura|database>/state|attributes
package discovery

import (
	"fmt"
	"regexp"
	"strings"
)

// Household is what the discovery payloads are built from: who lives here and
// which habits, routine items and stat-tree nodes each person has right now.
type Household struct {
	Version   string // LifeOps version, sent as sw_version
	BaseTopic string // root of LifeOps' topics, e.g. "lifeops"
	Prefix    string // HA discovery prefix, e.g. "homeassistant"
	People    []Person
	// Language names the entities (locale.For); ids never depend on it.
	Language string
	// ConfigurationURL is the device pages' link to the panel: the add-on's
	// ingress panel (homeassistant://hassio/ingress/<slug>) or an http(s)
	// address; empty leaves the link out.
	ConfigurationURL string
	// NotConfigured are the connections this installation has no settings
	// for; their diagnostics are disabled by default in HA.
	NotConfigured NotConfigured
}

// NotConfigured says which optional connections are not set up at all.
type NotConfigured struct {
	HomeAssistant bool
	Oura          bool
}

// Person is one household member; one HA device each.
type Person struct {
	ID   int64  // stable id: device identifiers, unique_ids and topics use it
	Slug string // seeds entity ids only (HA keeps an entity id once registered)
	Name string
	// Habits, in the order they should be listed.
	Habits []Habit
	// RoutineItems are today's timeline items, one button each.
	RoutineItems []Item
	// AllocatableNodes are the stat-tree nodes the person can put a point in
	// now; the select entity is left out when there are none.
	AllocatableNodes []Node
	// Goals are the person's active goals, a sensor each.
	Goals []Goal
	// OuraLinked is true when the person has connected a ring; their Oura
	// entities are disabled by default otherwise.
	OuraLinked bool
}

// Habit is a habit to check in.
type Habit struct {
	ID   int64
	Slug string
	Name string
	// Negative habits are ones to avoid ("no smoking"): a check-in records a
	// slip, and "done today" means no slip yet.
	Negative bool
	// Amount is set for a quantity habit ("at least 2 l"): HA gets a
	// number entity to log an amount instead of a check-in button.
	Amount *Amount
}

// Amount is what a quantity habit counts.
type Amount struct {
	Target float64 // the day's target or limit, > 0
	Unit   string  // free text, may be empty
}

// Item is one routine item on today's timeline.
type Item struct {
	ID    int64
	Title string
}

// Node is a stat-tree node.
type Node struct {
	ID   string // the tree's node id, e.g. "str_1"
	Name string
}

// Message is one MQTT message to publish. Discovery and state messages are
// retained and sent with QoS 1.
type Message struct {
	Topic   string
	Payload []byte
	Retain  bool
}

var (
	topicLevel = regexp.MustCompile(`^[^/+#]+(/[^/+#]+)*$`)
	slugChars  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// Validate reports every problem that would make the payloads wrong: empty or
// wildcard topics, missing ids, duplicate ids, slugs HA cannot use.
func (h Household) Validate() error {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if !topicLevel.MatchString(h.BaseTopic) {
		add("base_topic (%q): must be a topic without wildcards or empty levels", h.BaseTopic)
	}
	if !topicLevel.MatchString(h.Prefix) {
		add("prefix (%q): must be a topic without wildcards or empty levels", h.Prefix)
	}
	if u := h.ConfigurationURL; u != "" && !validConfigurationURL(u) {
		add("configuration_url (%q): must be an http(s) URL or homeassistant://<path>", u)
	}
	if h.Version == "" {
		add("version: must not be empty")
	}
	people := map[int64]bool{}
	slugs := map[string]bool{}
	for i, p := range h.People {
		at := fmt.Sprintf("people[%d]", i)
		if p.ID <= 0 {
			add("%s.id (%d): must be positive", at, p.ID)
		}
		if people[p.ID] {
			add("%s.id (%d): duplicate person", at, p.ID)
		}
		people[p.ID] = true
		if !slugChars.MatchString(p.Slug) {
			add("%s.slug (%q): must be lowercase letters, digits, '_' or '-'", at, p.Slug)
		}
		if slugs[p.Slug] {
			add("%s.slug (%q): duplicate slug", at, p.Slug)
		}
		slugs[p.Slug] = true
		if strings.TrimSpace(p.Name) == "" {
			add("%s.name: must not be empty", at)
		}
		habits := map[int64]bool{}
		for j, hb := range p.Habits {
			hat := fmt.Sprintf("%s.habits[%d]", at, j)
			if hb.ID <= 0 {
				add("%s.id (%d): must be positive", hat, hb.ID)
			}
			if habits[hb.ID] {
				add("%s.id (%d): duplicate habit", hat, hb.ID)
			}
			habits[hb.ID] = true
			if !slugChars.MatchString(hb.Slug) {
				add("%s.slug (%q): must be lowercase letters, digits, '_' or '-'", hat, hb.Slug)
			}
			if strings.TrimSpace(hb.Name) == "" {
				add("%s.name: must not be empty", hat)
			}
			if a := hb.Amount; a != nil && !(a.Target > 0 && a.Target <= maxAmount) {
				add("%s.amount.target (%v): must be more than 0 and at most %v", hat, a.Target, maxAmount)
			}
		}
		items := map[int64]bool{}
		for j, it := range p.RoutineItems {
			if it.ID <= 0 || items[it.ID] {
				add("%s.routine_items[%d].id (%d): must be positive and unique", at, j, it.ID)
			}
			items[it.ID] = true
			if strings.TrimSpace(it.Title) == "" {
				add("%s.routine_items[%d].title: must not be empty", at, j)
			}
		}
		nodes := map[string]bool{}
		for j, n := range p.AllocatableNodes {
			if !validNodeID(n.ID) || nodes[n.ID] {
				add("%s.allocatable_nodes[%d].id (%q): must be unique lowercase letters, digits or _", at, j, n.ID)
			}
			nodes[n.ID] = true
			if strings.TrimSpace(n.Name) == "" {
				add("%s.allocatable_nodes[%d].name: must not be empty", at, j)
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("discovery household: %s", strings.Join(problems, "; "))
	}
	return nil
}

// entitySlug turns a slug or title into the part of an entity id HA accepts:
// lowercase letters, digits and single underscores.
func entitySlug(s string) string {
	var b strings.Builder
	underscore := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			underscore = false
		default:
			if !underscore && b.Len() > 0 {
				b.WriteByte('_')
				underscore = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
