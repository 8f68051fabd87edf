package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
)

// VariableBody is one daily variable.
type VariableBody struct {
	Key   string `json:"key" doc:"stable key: score.life, ring.sleep, habit.<id>, activity.<type>, mood, routine.on_time, sensor.<sensor>.<mean|min|max|on>"`
	Name  string `json:"name"`
	Unit  string `json:"unit"`
	Group string `json:"group" enum:"score,ring,habit,routine,activity,mood,sensor"`
	Night bool   `json:"night" doc:"measured over the night ending on the day (22:00-07:00 local)"`
}

// InsightBody is one insight: a pair of variables whose days go together.
type InsightBody struct {
	ID       string       `json:"id" doc:"A's key, B's key and the lag, joined by ~"`
	Sentence string       `json:"sentence" doc:"the insight in one plain sentence with its numbers"`
	A        VariableBody `json:"a" doc:"the variable on day d"`
	B        VariableBody `json:"b" doc:"the outcome on day d + lag"`
	Lag      int          `json:"lag" doc:"0: the same day; 1: the next day"`
	Days     int          `json:"days" doc:"paired days tested"`
	Rho      float64      `json:"rho" doc:"Spearman's rank correlation"`
	P        float64      `json:"p" doc:"two-sided p-value (t approximation)"`
	Q        float64      `json:"q" doc:"Benjamini-Hochberg adjusted p-value over every pair tested"`
	Strength string       `json:"strength" enum:"weak,moderate,strong" doc:"|rho| from 0.1 weak, from 0.3 moderate, from 0.5 strong"`
	Low      float64      `json:"low" doc:"A's bottom-third cut: those days have A at most this"`
	High     float64      `json:"high" doc:"A's top-third cut: those days have A at least this"`
	LowDays  int          `json:"low_days"`
	HighDays int          `json:"high_days"`
	LowMean  float64      `json:"low_mean" doc:"B's mean over the bottom third, in B's unit"`
	HighMean float64      `json:"high_mean" doc:"B's mean over the top third, in B's unit"`
	// Difference is HighMean − LowMean.
	Difference float64 `json:"difference" doc:"high_mean - low_mean, in B's unit"`
}

// InsightPage is one page of a person's insights, strongest first.
type InsightPage struct {
	Items      []InsightBody `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
	From       domain.Day    `json:"from" doc:"first day looked at"`
	To         domain.Day    `json:"to" doc:"last day looked at (yesterday: days still open are left out)"`
	Pairs      int           `json:"pairs" doc:"pairs tested (each with its lag): the family the false-discovery rate holds over"`
	MinDays    int           `json:"min_days" doc:"fewest paired days a pair is tested with"`
	FDR        float64       `json:"fdr" doc:"false-discovery rate held by the Benjamini-Hochberg procedure"`
}

// VariableStatusBody is a variable with how much data it has.
type VariableStatusBody struct {
	VariableBody
	Days    int    `json:"days" doc:"days with a value"`
	Needed  int    `json:"needed" doc:"days a variable needs before it is tested"`
	Testing bool   `json:"testing"`
	Status  string `json:"status" doc:"\"testing (40 days)\" or \"collecting (12 of 21 days)\""`
}

// SensorLinkBody links a sensor to a person for insights.
type SensorLinkBody struct {
	Sensor string `json:"sensor" maxLength:"200" doc:"the readings key: an entity id (sensor.bedroom_temperature), zigbee2mqtt/<device>/<property> or esphome/<node>/<component>/<object_id>"`
	Name   string `json:"name" maxLength:"80" doc:"what people call it: bedroom temperature"`
	Unit   string `json:"unit,omitempty" maxLength:"16"`
	Kind   string `json:"kind" enum:"numeric,binary" doc:"numeric: night-time mean, min and max; binary: minutes on at night"`
	Room   string `json:"room,omitempty" maxLength:"40" doc:"the room the sensor is in, when it is the room the person sleeps in"`
}

func variableBody(v insight.Variable) VariableBody {
	return VariableBody{Key: v.Key, Name: v.Name, Unit: v.Unit, Group: string(v.Group), Night: v.Night}
}

func insightBody(in insight.Insight) InsightBody {
	return InsightBody{ID: in.ID(), Sentence: in.Sentence(), A: variableBody(in.A), B: variableBody(in.B), Lag: in.Lag,
		Days: in.Days, Rho: round4(in.Rho), P: sig4(in.P), Q: sig4(in.Q), Strength: string(in.Strength),
		Low: round4(in.Low), High: round4(in.High), LowDays: in.LowDays, HighDays: in.HighDays,
		LowMean: round4(in.LowMean), HighMean: round4(in.HighMean), Difference: round4(in.Difference)}
}

// sig4 keeps four significant digits: p-values span many magnitudes.
func sig4(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return v
}

// round4 keeps four decimals, so payloads are stable to the last digit.
func round4(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 4, 64), 64)
	return v
}

func sensorLinkBody(l insight.SensorLink) SensorLinkBody {
	return SensorLinkBody{Sensor: l.Sensor, Name: l.Name, Unit: l.Unit, Kind: string(l.Kind), Room: l.Room}
}

func registerInsights(api huma.API, ins *app.Insights) {
	tags := []string{"insights"}
	op(api, scoped(huma.Operation{
		OperationID: "list-insights", Method: http.MethodGet, Path: "/api/v1/people/{person}/insights",
		Summary: "What goes with better sleep, mood and scores",
		Description: "Pairs of daily variables whose days go together (Spearman, lags 0 and 1, at least min_days paired days, " +
			"Benjamini-Hochberg over every pair tested), strongest first, each as one sentence. Computed from the stored facts on every call. " +
			"A correlation, not a cause. Pass next_cursor as cursor to read the next page.",
		Tags: tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		PageQuery
		Variable    string `query:"variable" maxLength:"300" doc:"keep insights with this variable key on either side"`
		Lag         string `query:"lag" enum:"0,1" doc:"keep insights of this lag"`
		MinStrength string `query:"min_strength" enum:"weak,moderate,strong" doc:"keep insights at least this strong"`
	}) (*struct{ Body InsightPage }, error) {
		f := app.InsightFilter{Variable: in.Variable, MinStrength: insight.Strength(in.MinStrength)}
		if in.Lag != "" {
			lag, err := strconv.Atoi(in.Lag)
			if err != nil {
				return nil, badParam("query.lag", in.Lag, "must be 0 or 1")
			}
			f.Lag = &lag
		}
		if err := f.Validate(); err != nil {
			return nil, err
		}
		start := 0
		if in.Cursor != "" {
			n, err := strconv.Atoi(in.Cursor)
			if err != nil || n <= 0 {
				return nil, badParam("query.cursor", in.Cursor, "is not a cursor this API gave out")
			}
			start = n
		}
		limit := min(max(in.Limit, 1), MaxPageSize)
		res, err := ins.Analyze(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body InsightPage }{Body: InsightPage{Items: []InsightBody{}, From: res.From, To: res.To,
			Pairs: res.Pairs, MinDays: res.MinDays, FDR: res.FDR}}
		kept := 0
		for _, x := range res.Insights {
			if !f.Keep(x) {
				continue
			}
			kept++
			if kept <= start {
				continue
			}
			if len(out.Body.Items) == limit {
				out.Body.NextCursor = strconv.Itoa(start + limit)
				break
			}
			out.Body.Items = append(out.Body.Items, insightBody(x))
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "list-insight-variables", Method: http.MethodGet, Path: "/api/v1/people/{person}/insights/variables",
		Summary: "A person's daily variables and how much data each has",
		Description: "Every daily variable insights are computed from, with its unit and how many days it has: " +
			"\"collecting (12 of 21 days)\" until it has enough to be tested.",
		Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *struct{ PersonPath }) (*struct{ Body []VariableStatusBody }, error) {
		res, err := ins.Analyze(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body []VariableStatusBody }{Body: make([]VariableStatusBody, 0, len(res.Variables))}
		for _, v := range res.Variables {
			out.Body = append(out.Body, VariableStatusBody{VariableBody: variableBody(v.Variable), Days: v.Days, Needed: v.Needed, Testing: v.Testing, Status: v.Label()})
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "list-insight-sensors", Method: http.MethodGet, Path: "/api/v1/people/{person}/insights/sensors",
		Summary: "Sensors linked to a person for insights", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *struct{ PersonPath }) (*struct{ Body []SensorLinkBody }, error) {
		links, err := ins.InsightSensors(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body []SensorLinkBody }{Body: make([]SensorLinkBody, 0, len(links))}
		for _, l := range links {
			out.Body = append(out.Body, sensorLinkBody(l))
		}
		return out, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "link-insight-sensor", Method: http.MethodPut, Path: "/api/v1/people/{person}/insights/sensors",
		Summary:     "Link a sensor to a person",
		Description: "A sensor of the person's own or of the room they sleep in; its nights become daily variables. A link to the same sensor is replaced.",
		Tags:        tags, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Body SensorLinkBody
	}) (*struct{ Body SensorLinkBody }, error) {
		l, err := ins.LinkSensor(ctx, in.Person, insight.SensorLink{Sensor: in.Body.Sensor, Name: in.Body.Name, Unit: in.Body.Unit,
			Kind: insight.SensorKind(in.Body.Kind), Room: in.Body.Room})
		if err != nil {
			return nil, err
		}
		return &struct{ Body SensorLinkBody }{sensorLinkBody(l)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "unlink-insight-sensor", Method: http.MethodDelete, Path: "/api/v1/people/{person}/insights/sensors",
		Summary: "Unlink a sensor from a person", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 422},
	}, "path"), func(ctx context.Context, in *struct {
		PersonPath
		Sensor string `query:"sensor" required:"true" minLength:"1" maxLength:"200" doc:"the linked sensor's key"`
	}) (*struct{}, error) {
		return nil, ins.UnlinkSensor(ctx, in.Person, in.Sensor)
	})
}
