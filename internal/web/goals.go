package web

import (
	"math"
	"net/http"
	"strconv"
)

type goalsData struct {
	Goals []goalRow
}

type goalRow struct {
	Name     string
	Period   string
	Progress string // "12 of 40 km"
	Bar      float64
	Pace     string
	Finish   string
	Reached  string
}

// getGoals shows a person's goals with a progress bar and the pace; goals
// are set through the API (docs/goals.md).
func (h *Handler) getGoals(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "goals", "Goals")
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	var d goalsData
	if p.Person != nil {
		list, err := h.opts.Service.Goals(r.Context(), p.Person.Slug)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, g := range list {
			pr := g.Progress
			row := goalRow{Name: g.Goal.Name, Period: g.Goal.From.String() + " – " + g.Goal.Until.String(),
				Progress: num(pr.Current) + " of " + num(g.Goal.Target) + " " + g.Unit,
				Bar:      math.Min(100, math.Max(0, pr.Percent)), Pace: g.PaceText}
			if !pr.ProjectedFinish.IsZero() {
				row.Finish = pr.ProjectedFinish.String()
			}
			for i, m := range g.Reached {
				if i > 0 {
					row.Reached += ", "
				}
				row.Reached += strconv.Itoa(m.Percent) + " %"
			}
			d.Goals = append(d.Goals, row)
		}
	}
	p.Data = d
	h.render(w, r, "goals", p)
}

func num(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }
