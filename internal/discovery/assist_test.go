package discovery

import (
	"encoding/json"
	"testing"
)

func TestAssistUniqueIDsExist(t *testing.T) {
	h := Household{Version: "1", BaseTopic: "lifeops", Prefix: "homeassistant",
		People: []Person{{ID: 7, Slug: "rita", Name: "Rita"}}}
	announced := map[string]bool{}
	for _, m := range Configs(h) {
		var p struct {
			Cmps map[string]struct {
				UniqueID string `json:"unique_id"`
				Platform string `json:"platform"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Cmps {
			announced[c.UniqueID] = c.Platform == "sensor"
		}
	}
	if len(announced) == 0 {
		t.Fatal("no components parsed")
	}
	ids := AssistUniqueIDs(7)
	if len(ids) != 13 {
		t.Errorf("%d ids: %v", len(ids), ids)
	}
	for _, id := range ids {
		if !announced[id] {
			t.Errorf("%s is not a sensor LifeOps announces (%d announced)", id, len(announced))
		}
	}
}
