package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

// CatalogEntry is one sensor a source says exists: a Home Assistant entity,
// or a property a Zigbee2MQTT device exposes.
type CatalogEntry struct {
	Sensor      string // the key a rule names: binary_sensor.bed, zigbee2mqtt/<friendly_name>/<property>
	Name        string // what people call it: HA's friendly_name, "<device> <property>"
	Unit        string
	DeviceClass string
	// State is the state when listed ("" when the list says none) and
	// StateAt since when it held.
	State   string
	StateAt time.Time
}

// SensorSourceList is what the store keeps of a source's whole list.
type SensorSourceList struct {
	Source   string
	Sensors  int
	ListedAt time.Time
}

// CatalogChange is what replacing a source's list changed.
type CatalogChange struct {
	Added, Changed, Removed int
	// Skipped counts entries that were not sensor keys of the source (or
	// repeated one) and were left out.
	Skipped int
}

// SensorInfo is a sensor for pickers and the API: a catalog entry, a
// sensor with readings, or both.
type SensorInfo struct {
	Sensor      string
	Source      string
	Name        string
	Unit        string
	DeviceClass string
	// State is the latest state known, from a reading or from the list,
	// whichever is newer; At is when (nil: none known).
	State string
	At    *time.Time
	// Seen: LifeOps has readings of it. Listed: its source lists it.
	Seen, Listed bool
}

// CatalogStore keeps what the sources say exists.
type CatalogStore interface {
	// SensorCatalogReplace makes entries (sorted by key, each key once)
	// source's whole list, as announced at at, writing only what changed.
	SensorCatalogReplace(ctx context.Context, source string, entries []CatalogEntry, at time.Time) (CatalogChange, error)
	// SensorCatalogKnown reports which of keys are listed or have a
	// reading, and the sources that have announced a list.
	SensorCatalogKnown(ctx context.Context, keys []string) (known map[string]bool, listed []SensorSourceList, err error)
	// SensorCatalogList lists the catalog and the sensors seen, by key.
	SensorCatalogList(ctx context.Context) ([]SensorInfo, error)
	// SensorSourceLists lists the sources that have announced a list.
	SensorSourceLists(ctx context.Context) ([]SensorSourceList, error)
}

// Limits of what a source lists.
const (
	maxCatalogEntries = 100_000
	maxCatalogText    = 255
)

func catalogSource(source string) bool {
	switch source {
	case evidence.SourceHA, evidence.SourceZigbee2MQTT, evidence.SourceESPHome:
		return true
	}
	return false
}

// ListSensors makes entries the whole list of what source (ha, zigbee2mqtt,
// esphome) says exists, in one transaction: entries no longer listed leave
// the catalog, and an unchanged list writes nothing but the time it was
// announced. Entries that are not sensor keys of that source are skipped,
// a key listed twice keeps its last entry. The catalog is shared by
// replicas; from the first list on, rules refuse keys of that source that
// it neither lists nor has a reading of.
//
// It emits no event: nothing derived from the household's facts changes,
// and the picker and the API read the catalog when asked.
func (s *Service) ListSensors(ctx context.Context, source string, entries []CatalogEntry) (CatalogChange, error) {
	if !catalogSource(source) {
		return CatalogChange{}, domain.Invalid("source", source, "must be one of ha, zigbee2mqtt, esphome")
	}
	if len(entries) > maxCatalogEntries {
		return CatalogChange{}, domain.Invalid("sensors", len(entries), "must be at most 100000 entries")
	}
	by := make(map[string]CatalogEntry, len(entries))
	skipped := 0
	for _, e := range entries {
		if len(e.Sensor) > evidence.MaxSensorLen || !utf8.ValidString(e.Sensor) || !evidence.ValidSensorKey(e.Sensor) ||
			evidence.SourceOf(e.Sensor) != source {
			skipped++
			continue
		}
		if _, dup := by[e.Sensor]; dup {
			skipped++
		}
		e.Name, e.Unit, e.DeviceClass, e.State = catalogText(e.Name), catalogText(e.Unit), catalogText(e.DeviceClass), catalogText(e.State)
		if !e.StateAt.IsZero() {
			e.StateAt = e.StateAt.UTC().Truncate(time.Microsecond)
		}
		by[e.Sensor] = e
	}
	list := make([]CatalogEntry, 0, len(by))
	for _, e := range by {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b CatalogEntry) int { return strings.Compare(a.Sensor, b.Sensor) })
	var out CatalogChange
	err := s.inTx(ctx, func(tx Store) error {
		var err error
		out, err = tx.SensorCatalogReplace(ctx, source, list, s.now())
		return err
	})
	if err != nil {
		return CatalogChange{}, fmt.Errorf("list %s sensors: %w", source, err)
	}
	out.Skipped = skipped
	return out, nil
}

// catalogText is s as valid text of at most maxCatalogText bytes.
func catalogText(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if len(s) <= maxCatalogText {
		return s
	}
	i := maxCatalogText
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// SensorFilter narrows Sensors: Source (ha, zigbee2mqtt, esphome) exactly,
// Query as text in the key or the name, without regard to case.
type SensorFilter struct {
	Source string
	Query  string
}

// SensorSources lists the sources that have announced their list of
// sensors, with when they last did: rules refuse keys of these sources
// that they do not list (and LifeOps has no readings of).
func (s *Service) SensorSources(ctx context.Context) ([]SensorSourceList, error) {
	return s.store.SensorSourceLists(ctx)
}

// Sensors lists what LifeOps knows of the household's sensors, by key: what
// the sources list and what it has readings of, with the latest state.
func (s *Service) Sensors(ctx context.Context, f SensorFilter) ([]SensorInfo, error) {
	if f.Source != "" && !catalogSource(f.Source) {
		return nil, domain.Invalid("source", f.Source, "must be one of ha, zigbee2mqtt, esphome")
	}
	all, err := s.store.SensorCatalogList(ctx)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	out := all[:0]
	for _, si := range all {
		if si.Source == "" {
			si.Source = evidence.SourceOf(si.Sensor)
		}
		if f.Source != "" && si.Source != f.Source {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(si.Sensor), q) && !strings.Contains(strings.ToLower(si.Name), q) {
			continue
		}
		out = append(out, si)
	}
	return out, nil
}

// sourceWords say, per source, what a key it does not list is not, and
// what to do.
var sourceWords = map[string]string{
	evidence.SourceHA: "is not an entity Home Assistant has; pick one from the sensor list " +
		"(the rule form offers it, or GET /api/v1/sensors) or copy the entity id from Home Assistant's Settings → Entities",
	evidence.SourceZigbee2MQTT: "is not a property any Zigbee2MQTT device exposes; pick one from the sensor list " +
		"(the rule form offers it, or GET /api/v1/sensors): keys are zigbee2mqtt/<device's friendly name>/<property>",
	evidence.SourceESPHome: "is not an entity the ESPHome nodes list; pick one from the sensor list " +
		"(the rule form offers it, or GET /api/v1/sensors)",
}

// checkSensorsExist refuses the sensors of r that are new (not in keep)
// when their source has announced its list and neither lists them nor has
// a reading of them. A source that never announced one (HA not configured
// or not connected yet, no bridge/devices seen) cannot say no: its keys
// pass. Sensors a rule already had pass even if they have gone since, so
// an edit of something else is not refused.
func (s *Service) checkSensorsExist(ctx context.Context, tx Store, r evidence.Rule, keep []string) error {
	var fresh []string
	for _, k := range r.Sensors {
		if !slices.Contains(keep, k) {
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	known, lists, err := tx.SensorCatalogKnown(ctx, fresh)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, l := range lists {
		listed[l.Source] = true
	}
	var v domain.ValidationError
	for i, k := range r.Sensors {
		src := evidence.SourceOf(k)
		if !slices.Contains(fresh, k) || known[k] || !listed[src] {
			continue
		}
		v.Add("sensors["+strconv.Itoa(i)+"]", k, sourceWords[src])
	}
	return v.Err()
}
