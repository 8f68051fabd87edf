package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// What a person logs from Today besides check-ins: an activity and a mood,
// and the last weeks of their score as a chart.

// historyDays is how far back Today's score chart reaches.
const historyDays = 30

// activityChoice is one entry of Today's activity picker.
type activityChoice struct {
	Key, Name, Unit string
}

// postActivity logs an activity from Today's form.
func (h *Handler) postActivity(w http.ResponseWriter, r *http.Request) {
	person, kind := r.FormValue("person"), r.FormValue("type")
	in := app.ActivityInput{Person: person, Type: kind, Source: domain.SourceManual, Note: r.FormValue("note")}
	if k := r.FormValue("key"); k != "" && len(k) <= 64 {
		in.IdempotencyKey = "web:" + k + ":activity"
	}
	amount, err := formNumber("amount", r.FormValue("amount"))
	in.Amount = amount
	var res app.ActivityResult
	if err == nil {
		res, err = h.opts.Service.LogActivity(r.Context(), in)
	}
	if err != nil {
		h.formAgain(w, r, err, "today", "Today", func(p *page) { h.showToday(w, r, p) })
		return
	}
	if res.Replayed {
		done(w, r, withPerson("/", person), "Already logged from this page")
		return
	}
	if res.Duplicate {
		done(w, r, withPerson("/", person), "The ring already recorded this "+res.Type.Name+": nothing added")
		return
	}
	done(w, r, withPerson("/", person), fmt.Sprintf("Logged %s %s of %s: +%d XP",
		strconv.FormatFloat(res.Activity.Amount, 'f', -1, 64), res.Type.Unit, res.Type.Name, res.Activity.XP))
}

// postMood logs a mood from Today's form.
func (h *Handler) postMood(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	in := app.MoodInput{Person: person, Source: domain.SourceManual, Note: r.FormValue("note")}
	if k := r.FormValue("key"); k != "" && len(k) <= 64 {
		in.IdempotencyKey = "web:" + k + ":mood"
	}
	v, err := strconv.Atoi(strings.TrimSpace(r.FormValue("value")))
	if err != nil {
		err = domain.Invalid("value", r.FormValue("value"), "must be a whole number from 1 to 9")
	}
	in.Value = v
	if err == nil {
		_, _, err = h.opts.Service.LogMood(r.Context(), in)
	}
	if err != nil {
		h.formAgain(w, r, err, "today", "Today", func(p *page) { h.showToday(w, r, p) })
		return
	}
	done(w, r, withPerson("/", person), fmt.Sprintf("Mood %d/9 logged", v))
}

// formNumber reads a number a person typed into field.
func formNumber(field, raw string) (float64, error) {
	raw = strings.TrimSpace(strings.ReplaceAll(raw, ",", "."))
	if raw == "" {
		return 0, domain.Invalid(field, raw, "is required")
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, domain.Invalid(field, raw, "must be a number")
	}
	return f, nil
}

// scoreChart draws the last historyDays of scores as bars, a day without
// data as a short grey mark, so a missed day is visible rather than left
// out.
func scoreChart(days []domain.Day, scores map[domain.Day]app.StoredScore) template.HTML {
	const w, h, gap = 8.0, 60.0, 2.0
	var b strings.Builder
	width := float64(len(days)) * (w + gap)
	fmt.Fprintf(&b, `<svg class="history" viewBox="0 0 %.0f %.0f" role="img" aria-label="score of the last %d days">`, width, h+14, len(days))
	for i, d := range days {
		x := float64(i) * (w + gap)
		s, ok := scores[d]
		if !ok || !s.Score.HasData {
			fmt.Fprintf(&b, `<rect class="nodata" x="%.0f" y="%.0f" width="%.0f" height="2"><title>%s: no data</title></rect>`, x, h-2, w, d)
			continue
		}
		bh := math.Max(2, h*float64(s.Score.Score)/100)
		fmt.Fprintf(&b, `<rect class="day" x="%.0f" y="%.1f" width="%.0f" height="%.1f"><title>%s: %d</title></rect>`, x, h-bh, w, bh, d, s.Score.Score)
	}
	if len(days) > 0 {
		fmt.Fprintf(&b, `<text x="0" y="%.0f" class="axis">%s</text><text x="%.0f" y="%.0f" class="axis end">%s</text>`,
			h+12, days[0], width, h+12, days[len(days)-1])
	}
	b.WriteString(`</svg>`)
	// Safe: every value above is a number or a formatted day.
	return template.HTML(b.String())
}
