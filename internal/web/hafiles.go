package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/lifeops/lifeops/internal/domain"
)

// HAFiles writes one of the Home Assistant files for the household (main
// wires internal/discovery/hafiles, as for the REST API): name is package,
// sentences or dashboard; it returns where the file goes under HA's
// configuration folder and its YAML. Bad options are a
// *domain.ValidationError naming the option.
type HAFiles func(ctx context.Context, name, language, voicePerson string) (path string, content []byte, err error)

// haFileTabs are the files the page offers, in the order a household sets
// them up.
var haFileTabs = []struct{ Name, Title, Hint string }{
	{"package", "Package", "Scripts for every LifeOps action, the voice answers and the voice default person."},
	{"sentences", "Voice sentences", "What Assist understands: your people, habits, amounts and activity types."},
	{"dashboard", "Dashboard", "One view per person with their habits, streaks and today's routine."},
}

// haFilesData is the Home Assistant page.
type haFilesData struct {
	Tabs        []struct{ Name, Title, Hint string }
	File        string
	Hint        string
	Path        string
	Content     string
	VoicePerson string
}

// getHAFiles shows a generated Home Assistant file with a Copy button.
func (h *Handler) getHAFiles(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "ha", "Home Assistant files")
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := haFilesData{Tabs: haFileTabs, File: r.FormValue("file"), VoicePerson: r.FormValue("voice_person")}
	if d.File == "" {
		d.File = haFileTabs[0].Name
	}
	for _, t := range haFileTabs {
		if t.Name == d.File {
			d.Hint = t.Hint
		}
	}
	p.Form.Set("voice_person", d.VoicePerson)
	p.Data = &d
	if len(p.People) == 0 || h.opts.HAFiles == nil {
		h.render(w, r, "hafiles", p)
		return
	}
	path, content, err := h.opts.HAFiles(r.Context(), d.File, "en", d.VoicePerson)
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			p.Errors[f.Field] = f.Error()
		}
		p.status = http.StatusUnprocessableEntity
		h.render(w, r, "hafiles", p)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Path, d.Content = path, string(content)
	h.render(w, r, "hafiles", p)
}
