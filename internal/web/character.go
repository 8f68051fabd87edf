package web

import (
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// characterData is the Character page: the tree as a picture, a button over
// every node that may be allocated now, and the sheet.
type characterData struct {
	View    app.CharacterView
	SVG     template.HTML
	Buttons []nodeButton
	// Aspect is the tree's height over its width in percent, which sizes
	// the picture's box so the buttons' percentages land on their nodes.
	Aspect string
	Stats  []statRow
	// NextRespec is when the next respec is possible, in the household's
	// time ("" when one is possible now); Respec is disabled until then.
	NextRespec string
}

// nodeButton is an allocatable node placed over the picture, in percent of
// its box.
type nodeButton struct {
	ID          string
	Name        string
	Description string
	Kind        string
	Left, Top   string
	Size        string
}

type statRow struct {
	Code string
	character.StatLine
}

var viewBoxRE = regexp.MustCompile(`viewBox="([-0-9.]+) ([-0-9.]+) ([-0-9.]+) ([-0-9.]+)"`)

// treeView draws the tree with the domain's renderer and places a button
// over each allocatable node, measured in the renderer's own viewBox, so
// picture and buttons cannot drift apart.
func treeView(tree *character.Tree, v app.CharacterView) (characterData, error) {
	svg := character.RenderSVG(tree, v.Sheet.Allocated, v.Allocatable)
	m := viewBoxRE.FindSubmatch(svg)
	if m == nil {
		return characterData{}, fmt.Errorf("stat tree picture has no viewBox")
	}
	var box [4]float64
	for i := range box {
		f, err := strconv.ParseFloat(string(m[i+1]), 64)
		if err != nil {
			return characterData{}, fmt.Errorf("stat tree viewBox: %w", err)
		}
		box[i] = f
	}
	d := characterData{View: v, Aspect: pct(box[3] / box[2])}
	// The picture's own <title> elements name nodes on hover; inline, the
	// XML prologue-free document is valid HTML.
	// Safe: rendered by the domain from the embedded tree, every text escaped there.
	d.SVG = template.HTML(svg)
	// With no point to spend there is nothing to click: a button would
	// only answer "no unspent points".
	allocatable := v.Allocatable
	if v.Sheet.UnspentPoints == 0 {
		allocatable = nil
	}
	for _, id := range allocatable {
		n, ok := tree.Node(id)
		if !ok {
			continue
		}
		size := 2 * 22.0 // a finger-sized target around minor and notable nodes
		if n.Kind == character.KindKeystone {
			size = 2 * 30
		}
		d.Buttons = append(d.Buttons, nodeButton{ID: string(n.ID), Name: n.Name, Description: nodeDescription(n), Kind: string(n.Kind),
			Left: pct((n.X - box[0]) / box[2]), Top: pct((n.Y - box[1]) / box[3]), Size: pct(size / box[2])})
	}
	for _, l := range v.Sheet.Stats {
		d.Stats = append(d.Stats, statRow{Code: l.Stat.String(), StatLine: l})
	}
	return d, nil
}

func nodeDescription(n character.Node) string {
	parts := []string{n.Description}
	for st, x := range n.Stats {
		if x != 0 {
			parts = append(parts, fmt.Sprintf("%+d %s", x, character.Stat(st)))
		}
	}
	for _, e := range n.Effects {
		parts = append(parts, e.String())
	}
	return strings.Join(parts, " · ")
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 3, 64) + "%" }

func (h *Handler) getCharacter(w http.ResponseWriter, r *http.Request) {
	h.showCharacter(w, r, h.newPage(w, r, "character", "Character"))
}

func (h *Handler) showCharacter(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Person != nil {
		v, err := h.opts.Service.Character(r.Context(), p.Person.Slug)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d, err := treeView(h.opts.Service.Tree(), v)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !v.NextRespecAt.IsZero() {
			d.NextRespec = stamp(v.NextRespecAt, h.loc())
		}
		p.Data = d
		p.Title = "Character · " + p.Person.Name
	}
	h.render(w, r, "character", p)
}

func (h *Handler) postAllocate(w http.ResponseWriter, r *http.Request) {
	person, node := r.FormValue("person"), r.FormValue("node")
	if _, err := h.opts.Service.Allocate(r.Context(), person, node); err != nil {
		h.characterFailed(w, r, err)
		return
	}
	name := node
	if n, ok := h.opts.Service.Tree().Node(character.NodeID(node)); ok {
		name = n.Name
	}
	done(w, r, withPerson("/character", person), "Allocated "+name)
}

func (h *Handler) postRespec(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	if _, err := h.opts.Service.Respec(r.Context(), person); err != nil {
		h.characterFailed(w, r, err)
		return
	}
	done(w, r, withPerson("/character", person), "Every point is back to spend")
}

func (h *Handler) characterFailed(w http.ResponseWriter, r *http.Request, err error) {
	p := h.newPage(w, r, "character", "Character")
	if !formFailed(p, err) {
		h.fail(w, r, err)
		return
	}
	h.showCharacter(w, r, p)
}
