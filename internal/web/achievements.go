package web

import (
	"cmp"
	"math"
	"net/http"
	"slices"

	"github.com/lifeops/lifeops/internal/app"
)

// nextUpCount is how many locked achievements the page puts first: the
// ones the person is closest to.
const nextUpCount = 3

type achievementsData struct {
	Next     []achievementRow
	Unlocked []achievementRow
	Locked   []achievementRow
}

type achievementRow struct {
	Key         string
	Name        string
	Description string
	XP          int
	Custom      bool
	Progress    string // "12 of 30 days"
	Bar         float64
	UnlockedAt  string
}

// getAchievements shows every achievement: the few the person is closest
// to first, each locked one with its progress ("12 of 30 days"), then the
// unlocked ones with their day. The numbers are the app's (Achievements).
func (h *Handler) getAchievements(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "achievements", "Achievements")
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	var d achievementsData
	if p.Person != nil {
		list, err := h.opts.Service.Achievements(r.Context(), p.Person.Slug)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		loc := h.opts.Location()
		type locked struct {
			row achievementRow
			f   float64
		}
		var open []locked
		for _, a := range list {
			row := achievementRowOf(a)
			if a.UnlockedAt != nil {
				row.UnlockedAt = a.UnlockedAt.In(loc).Format("2 Jan 2006")
				d.Unlocked = append(d.Unlocked, row)
				continue
			}
			open = append(open, locked{row, a.Fraction()})
		}
		// Closest first; among equals the cheaper (earlier) one.
		slices.SortStableFunc(open, func(a, b locked) int { return cmp.Compare(b.f, a.f) })
		for i, l := range open {
			if i < nextUpCount && l.f > 0 {
				d.Next = append(d.Next, l.row)
				continue
			}
			d.Locked = append(d.Locked, l.row)
		}
		slices.SortStableFunc(d.Unlocked, func(a, b achievementRow) int { return cmp.Compare(b.UnlockedAt, a.UnlockedAt) })
	}
	p.Data = d
	h.render(w, r, "achievements", p)
}

func achievementRowOf(a app.AchievementView) achievementRow {
	prog := num(a.Progress) + " of " + num(a.Condition.AtLeast)
	if a.Unit != "" {
		prog += " " + a.Unit
	} else {
		prog = "level " + prog
	}
	return achievementRow{Key: a.Key, Name: a.Name, Description: a.Description, XP: a.XP, Custom: a.Custom,
		Progress: prog, Bar: math.Round(a.Fraction() * 100)}
}
