package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"

	"github.com/lifeops/lifeops/internal/domain/insight"
)

// insightsData is the Insights page: one sentence and a small chart per
// insight, what is still collecting, and the person's linked sensors.
type insightsData struct {
	Enabled  bool
	Insights []insightRow
	Testing  []insight.VariableStatus
	Collect  []insight.VariableStatus
	Sensors  []insight.SensorLink
	Pairs    int
	MinDays  int
	FDR      string
	From, To string
	HasFacts bool
}

type insightRow struct {
	Sentence string
	Strength string
	Chart    template.HTML
}

func (h *Handler) getInsights(w http.ResponseWriter, r *http.Request) {
	h.showInsights(w, r, h.newPage(w, r, "insights", "Insights"))
}

func (h *Handler) showInsights(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := insightsData{Enabled: h.opts.Insights != nil}
	if p.Person != nil && d.Enabled {
		res, err := h.opts.Insights.Analyze(r.Context(), p.Person.Slug)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Pairs, d.MinDays, d.FDR = res.Pairs, res.MinDays, fmt.Sprintf("%g", res.FDR*100)
		d.From, d.To = res.From.String(), res.To.String()
		for _, in := range res.Insights {
			d.Insights = append(d.Insights, insightRow{Sentence: in.Sentence(), Strength: string(in.Strength), Chart: InsightChart(in)})
		}
		for _, v := range res.Variables {
			if v.Testing {
				d.Testing = append(d.Testing, v)
			} else {
				d.Collect = append(d.Collect, v)
			}
		}
		d.HasFacts = len(res.Variables) > 0
		if d.Sensors, err = h.opts.Insights.InsightSensors(r.Context(), p.Person.Slug); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	p.Data = d
	h.render(w, r, "insights", p)
}

func (h *Handler) postInsightSensor(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	_, err := h.opts.Insights.LinkSensor(r.Context(), person, insight.SensorLink{Sensor: strings.TrimSpace(r.FormValue("sensor")),
		Name: r.FormValue("name"), Unit: r.FormValue("unit"), Kind: insight.SensorKind(r.FormValue("kind")), Room: r.FormValue("room")})
	if err != nil {
		p := h.newPage(w, r, "insights", "Insights")
		p.Form = r.PostForm
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
		h.showInsights(w, r, p)
		return
	}
	done(w, r, withPerson("/insights", person), "Sensor linked: its nights count from the next look")
}

func (h *Handler) postInsightSensorDelete(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	if err := h.opts.Insights.UnlinkSensor(r.Context(), person, r.FormValue("sensor")); err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, withPerson("/insights", person), "Sensor unlinked")
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH = 240.0, 120.0
	chartPad       = 8.0
)

// InsightChart draws an insight's paired days as a small scatter plot: A
// across, B up, the bottom and top thirds of A shaded, and B's mean in each
// third as a bar across it. Only numbers reach the markup; names are in the
// sentence beside it.
func InsightChart(in insight.Insight) template.HTML {
	if len(in.Points) == 0 {
		return ""
	}
	minA, maxA := math.Inf(1), math.Inf(-1)
	minB, maxB := math.Inf(1), math.Inf(-1)
	for _, p := range in.Points {
		minA, maxA = math.Min(minA, p.A), math.Max(maxA, p.A)
		minB, maxB = math.Min(minB, p.B), math.Max(maxB, p.B)
	}
	if maxA == minA {
		maxA++
	}
	if maxB == minB {
		maxB++
	}
	x := func(a float64) float64 { return chartPad + (a-minA)/(maxA-minA)*(chartW-2*chartPad) }
	y := func(b float64) float64 { return chartH - chartPad - (b-minB)/(maxB-minB)*(chartH-2*chartPad) }
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="insight-chart" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="scatter of the paired days">`, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&s, `<rect class="third" x="%.1f" y="0" width="%.1f" height="%g"/>`, chartPad, x(in.Low)-chartPad, chartH)
	fmt.Fprintf(&s, `<rect class="third" x="%.1f" y="0" width="%.1f" height="%g"/>`, x(in.High), chartW-chartPad-x(in.High), chartH)
	for _, p := range in.Points {
		fmt.Fprintf(&s, `<circle cx="%.1f" cy="%.1f" r="2"/>`, x(p.A), y(p.B))
	}
	fmt.Fprintf(&s, `<line class="mean" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, chartPad, x(in.Low), y(in.LowMean), y(in.LowMean))
	fmt.Fprintf(&s, `<line class="mean" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x(in.High), chartW-chartPad, y(in.HighMean), y(in.HighMean))
	s.WriteString(`</svg>`)
	return template.HTML(s.String()) // numbers only, formatted above
}
