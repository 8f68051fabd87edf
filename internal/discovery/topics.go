package discovery

import "strconv"

// Fixed words of LifeOps' topics and payloads.
const (
	// PayloadPress is what a LifeOps button sends.
	PayloadPress = "PRESS"
	// PayloadOn and PayloadOff are binary states and the vacation switch's commands.
	PayloadOn  = "ON"
	PayloadOff = "OFF"
	// PayloadNone makes an MQTT sensor or binary sensor unknown in HA.
	PayloadNone = "None"
	// HABirthOnline is what HA publishes on <prefix>/status when its MQTT
	// integration (re)starts.
	HABirthOnline = "online"

	householdObjectID = "lifeops_household"
)

// StatusTopic is LifeOps' availability topic, <base>/status.
func StatusTopic(base string) string { return base + "/status" }

// BirthTopic is HA's birth and will topic, <prefix>/status.
func BirthTopic(prefix string) string { return prefix + "/status" }

// DeviceConfigFilter matches every device-based discovery config topic.
func DeviceConfigFilter(prefix string) string { return prefix + "/device/+/config" }

// CommandFilters are the subscriptions that receive every LifeOps command.
// They are narrow on purpose: <base>/# would also replay every retained state.
func CommandFilters(base string) []string {
	return []string{
		base + "/+/habit/+/check_in/set",
		base + "/+/habit/+/amount/set",
		base + "/+/routine/item/+/complete/set",
		base + "/+/stat_tree/allocate/set",
		base + "/+/vacation/set",
	}
}

func deviceTopic(prefix, objectID string) string {
	return prefix + "/device/" + objectID + "/config"
}

func personObjectID(id int64) string { return "lifeops_" + itoa(id) }

func personRoot(base string, id int64) string { return base + "/" + itoa(id) }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// topics of one person; every builder goes through here so the config and
// the state payloads cannot disagree.
type personTopics struct{ root string }

func topicsFor(base string, id int64) personTopics { return personTopics{root: personRoot(base, id)} }

func (t personTopics) state(key string) string      { return t.root + "/" + key + "/state" }
func (t personTopics) attributes(key string) string { return t.root + "/" + key + "/attributes" }
func (t personTopics) stat(s Stat) string           { return "stat/" + s.key() }
func (t personTopics) goal(id int64) string         { return "goal/" + itoa(id) + "/progress" }
func (t personTopics) habit(id int64, what string) string {
	return "habit/" + itoa(id) + "/" + what
}
func (t personTopics) events() string { return t.root + "/events" }
func (t personTopics) checkIn(habitID int64) string {
	return t.root + "/habit/" + itoa(habitID) + "/check_in/set"
}
func (t personTopics) amount(habitID int64) string {
	return t.root + "/habit/" + itoa(habitID) + "/amount/set"
}
func (t personTopics) completeItem(itemID int64) string {
	return t.root + "/routine/item/" + itoa(itemID) + "/complete/set"
}
func (t personTopics) allocate() string    { return t.root + "/stat_tree/allocate/set" }
func (t personTopics) vacationSet() string { return t.root + "/vacation/set" }

func connectionStateTopic(base, name string) string {
	return base + "/household/connection/" + name + "/state"
}

func connectionAttributesTopic(base, name string) string {
	return base + "/household/connection/" + name + "/attributes"
}
