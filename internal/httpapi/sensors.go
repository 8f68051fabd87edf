package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
)

// SensorBody is one sensor LifeOps knows: listed by its source, seen in
// readings, or both.
type SensorBody struct {
	Sensor      string     `json:"sensor" doc:"the key an evidence rule names: an HA entity id, zigbee2mqtt/<friendly_name>/<property> or esphome/<node>/<component>/<object_id>"`
	Source      string     `json:"source" enum:"ha,zigbee2mqtt,esphome"`
	Name        string     `json:"name,omitempty" doc:"what people call it: HA's friendly name, or the Zigbee2MQTT device and property"`
	Unit        string     `json:"unit,omitempty"`
	DeviceClass string     `json:"device_class,omitempty" doc:"HA's device_class"`
	State       *string    `json:"state,omitempty" doc:"the latest state known, from a reading or the source's list, whichever is newer"`
	At          *time.Time `json:"at,omitempty" doc:"since when that state holds (when it was observed, for a reading)"`
	Seen        bool       `json:"seen" doc:"LifeOps has readings of it"`
	Listed      bool       `json:"listed" doc:"its source lists it now"`
}

// SensorSourceBody is a source that has announced its list of sensors.
type SensorSourceBody struct {
	Source   string    `json:"source" enum:"ha,zigbee2mqtt,esphome"`
	Sensors  int       `json:"sensors" doc:"how many sensors it listed"`
	ListedAt time.Time `json:"listed_at" doc:"when it last announced its whole list"`
}

// SensorList is the sensors LifeOps knows and the sources that listed theirs.
type SensorList struct {
	Items   []SensorBody       `json:"items"`
	Sources []SensorSourceBody `json:"sources" doc:"the sources that have announced a list: an evidence rule naming a new key of one of them that it does not list (and LifeOps has no readings of) is refused"`
}

func sensorBody(s app.SensorInfo) SensorBody {
	b := SensorBody{Sensor: s.Sensor, Source: s.Source, Name: s.Name, Unit: s.Unit, DeviceClass: s.DeviceClass, At: s.At, Seen: s.Seen, Listed: s.Listed}
	if s.At != nil {
		state := s.State
		b.State = &state
	}
	return b
}

func registerSensors(api huma.API, svc *app.Service) {
	op(api, guard(huma.Operation{
		OperationID: "list-sensors", Method: http.MethodGet, Path: "/api/v1/sensors",
		Summary: "The household's sensors",
		Description: "Every sensor an evidence rule can name: the entities Home Assistant has (asked on each connection), the properties " +
			"Zigbee2MQTT's devices expose (from its bridge/devices) and whatever LifeOps has readings of (ESPHome keys appear once read), " +
			"with the latest state. Evidence rules refuse a new key of a source that has listed its sensors when it is not in this list. " +
			"The states are the whole household's (presence, doors): a token bound to one person is refused.",
		Tags: []string{"evidence"}, Errors: []int{422},
	}, access{scope: app.ScopeRead}), func(ctx context.Context, in *struct {
		Source string `query:"source" enum:"ha,zigbee2mqtt,esphome" doc:"only this source's sensors"`
		Q      string `query:"q" maxLength:"100" doc:"only sensors whose key or name contains this text (case does not matter)"`
	}) (*struct{ Body SensorList }, error) {
		all, err := svc.Sensors(ctx, app.SensorFilter{Source: in.Source, Query: in.Q})
		if err != nil {
			return nil, err
		}
		lists, err := svc.SensorSources(ctx)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body SensorList }{}
		out.Body.Items = make([]SensorBody, len(all))
		for i, s := range all {
			out.Body.Items[i] = sensorBody(s)
		}
		out.Body.Sources = make([]SensorSourceBody, len(lists))
		for i, l := range lists {
			out.Body.Sources[i] = SensorSourceBody{Source: l.Source, Sensors: l.Sensors, ListedAt: l.ListedAt}
		}
		return out, nil
	})
}
