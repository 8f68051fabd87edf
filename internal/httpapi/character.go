package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// StatBody is one stat on the character sheet.
type StatBody struct {
	Stat   string  `json:"stat" enum:"STR,INT,WIS,STA,CHA,LCK"`
	Value  int     `json:"value" doc:"the rounded total to show"`
	Base   float64 `json:"base"`
	Level  float64 `json:"level"`
	Growth float64 `json:"growth" doc:"passive growth from activities"`
	Tree   float64 `json:"tree" doc:"from allocated stat-tree nodes"`
	Buffs  float64 `json:"buffs"`
	Total  float64 `json:"total"`
}

// CharacterBody is a person's character sheet.
type CharacterBody struct {
	PersonID      int64      `json:"person_id"`
	Level         int        `json:"level"`
	XP            int64      `json:"xp"`
	XPIntoLevel   int64      `json:"xp_into_level"`
	XPToNext      int64      `json:"xp_to_next"`
	UnspentPoints int        `json:"unspent_points"`
	Stats         []StatBody `json:"stats" doc:"STR, INT, WIS, STA, CHA, LCK"`
	Allocated     []string   `json:"allocated" doc:"allocated stat-tree node ids"`
	Allocatable   []string   `json:"allocatable" doc:"nodes a point may go to next"`
	NextRespecAt  *time.Time `json:"next_respec_at,omitempty" doc:"the earliest time of the next respec (a respec that refunded points starts a 7-day cooldown); absent when a respec is possible now"`
}

func characterBody(v app.CharacterView) CharacterBody {
	s := v.Sheet
	b := CharacterBody{PersonID: v.Person.ID, Level: s.Level, XP: s.XP, XPIntoLevel: s.XPIntoLevel, XPToNext: s.XPToNext,
		UnspentPoints: s.UnspentPoints, Stats: make([]StatBody, len(s.Stats)), Allocated: nodeStrings(s.Allocated),
		Allocatable: nodeStrings(v.Allocatable)}
	if !v.NextRespecAt.IsZero() {
		next := v.NextRespecAt
		b.NextRespecAt = &next
	}
	for i, l := range s.Stats {
		b.Stats[i] = StatBody{Stat: l.Stat.String(), Value: l.Value, Base: l.Base, Level: l.Level, Growth: l.Growth,
			Tree: l.Tree, Buffs: l.Buffs, Total: l.Total}
	}
	return b
}

func nodeStrings(ids []character.NodeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// AllocationInput is the body of POST …/character/allocations.
type AllocationInput struct {
	Node string `json:"node" minLength:"1" maxLength:"80" doc:"a stat-tree node id adjacent to an allocated node"`
}

// StatTreeBody is the stat tree in its file format (see tree.json).
type StatTreeBody struct {
	Version int            `json:"version"`
	Start   string         `json:"start"`
	Nodes   []TreeNodeBody `json:"nodes"`
	Edges   [][]string     `json:"edges" doc:"undirected pairs of node ids"`
}

// TreeNodeBody is one node of the stat tree.
type TreeNodeBody struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Kind        string           `json:"kind" enum:"start,minor,notable,keystone"`
	X           float64          `json:"x"`
	Y           float64          `json:"y"`
	Stats       map[string]int   `json:"stats,omitempty" doc:"flat stat grants by stat code"`
	Effects     []map[string]any `json:"effects,omitempty" doc:"typed effects: kind plus its parameters"`
}

type svgOutput struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

// AchievementBody is an achievement and, once unlocked, when.
type AchievementBody struct {
	Key         string     `json:"key"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	XP          int        `json:"xp"`
	Custom      bool       `json:"custom,omitempty"`
	UnlockedAt  *time.Time `json:"unlocked_at,omitempty"`
	Metric      string     `json:"metric" doc:"what the condition counts, like best_current_streak"`
	Progress    float64    `json:"progress" doc:"the person's value of the metric now, at most at_least; at_least once unlocked. Counted from the record on every read"`
	AtLeast     float64    `json:"at_least" doc:"the value that unlocks the achievement"`
	Unit        string     `json:"unit,omitempty" doc:"what progress counts (days, check-ins, XP, an activity's unit); empty for a level"`
	FromHistory bool       `json:"from_history,omitempty" doc:"unlocked only by imported history (another tracker's), so it paid no XP"`
}

func registerCharacter(api huma.API, svc *app.Service) {
	tags := []string{"character"}
	type characterOut struct{ Body CharacterBody }
	op(api, scoped(huma.Operation{
		OperationID: "get-character", Method: http.MethodGet, Path: "/api/v1/people/{person}/character",
		Summary: "A person's character sheet", Description: "Level, XP, the six stats with their breakdown, allocated nodes, unspent points and the nodes a point may go to next.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*characterOut, error) {
		v, err := svc.Character(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		return &characterOut{characterBody(v)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "allocate-stat-point", Method: http.MethodPost, Path: "/api/v1/people/{person}/character/allocations",
		Summary: "Spend a stat point on a tree node", Description: "409 when no point is left, the node is taken or not adjacent; 404 for an unknown node.",
		Tags: tags, Errors: []int{404, 409, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Body AllocationInput
	}) (*characterOut, error) {
		v, err := svc.Allocate(ctx, in.Person, in.Body.Node)
		if err != nil {
			return nil, err
		}
		return &characterOut{characterBody(v)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "respec-character", Method: http.MethodPost, Path: "/api/v1/people/{person}/character/respec",
		Summary: "Refund every allocated point", Description: "At most once a week (409 before that).",
		Tags: tags, Errors: []int{404, 409},
	}, "path"), func(ctx context.Context, in *PersonPath) (*characterOut, error) {
		v, err := svc.Respec(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		return &characterOut{characterBody(v)}, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "get-stat-tree", Method: http.MethodGet, Path: "/api/v1/stat-tree",
		Summary: "The stat tree", Description: "Every node with its position, stat grants and effects, and the edges between nodes.", Tags: tags,
	}, access{scope: app.ScopeRead, shared: true}), func(ctx context.Context, _ *struct{}) (*struct{ Body StatTreeBody }, error) {
		raw, err := json.Marshal(svc.Tree())
		if err != nil {
			return nil, err
		}
		out := &struct{ Body StatTreeBody }{}
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			return nil, err
		}
		return out, nil
	})
	op(api, guard(huma.Operation{
		OperationID: "get-stat-tree-svg", Method: http.MethodGet, Path: "/api/v1/stat-tree.svg",
		Summary: "The stat tree drawn for a person", Description: "Allocated nodes and paths highlighted, allocatable ones outlined.",
		Tags: tags, Errors: []int{404},
		Responses: map[string]*huma.Response{"200": {Description: "SVG image", Content: map[string]*huma.MediaType{
			"image/svg+xml": {Schema: &huma.Schema{Type: huma.TypeString}},
		}}},
	}, access{scope: app.ScopeRead, person: "query"}), func(ctx context.Context, in *struct {
		Person string `query:"person" required:"true" minLength:"1" doc:"the person's id or slug"`
	}) (*svgOutput, error) {
		v, err := svc.Character(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		svg := character.RenderSVG(svc.Tree(), v.Sheet.Allocated, v.Allocatable)
		return &svgOutput{ContentType: "image/svg+xml", CacheControl: "no-cache", Body: svg}, nil
	})
}

func registerAchievements(api huma.API, svc *app.Service) {
	op(api, scoped(huma.Operation{
		OperationID: "list-achievements", Method: http.MethodGet, Path: "/api/v1/people/{person}/achievements",
		Summary: "Every achievement with the person's unlocks", Description: "Every shipped and household achievement, with the time the person unlocked it when they have, and the progress toward each: " +
			"progress of at_least in unit (\"12 of 30 days\"), counted from the person's record on every read; from_history marks one only imported history made hold (it paid no XP).", Tags: []string{"character"}, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body AchievementList }, error) {
		list, err := svc.Achievements(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body AchievementList }{}
		out.Body.Items = make([]AchievementBody, len(list))
		for i, a := range list {
			out.Body.Items[i] = AchievementBody{Key: a.Key, Name: a.Name, Description: a.Description, XP: a.XP, Custom: a.Custom, UnlockedAt: a.UnlockedAt,
				Metric: string(a.Condition.Metric), Progress: a.Progress, AtLeast: a.Condition.AtLeast, Unit: a.Unit, FromHistory: a.FromHistory}
		}
		return out, nil
	})
}

// AchievementList is a list of achievements.
type AchievementList struct {
	Items []AchievementBody `json:"items"`
}
