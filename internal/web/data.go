package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/lifeops/lifeops/internal/app"
)

type dataPage struct {
	Report *app.ImportReport
}

// getData shows the import form and the export link.
func (h *Handler) getData(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "data", "Import & export")
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = dataPage{}
	h.render(w, r, "data", p)
}

// postImport takes a Loop or Habitica export as a file upload; the report
// is shown on the page (a dry run changes nothing).
func (h *Handler) postImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxImportBytes+64<<10)
	p := h.newPage(w, r, "data", "Import & export")
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge, "The upload could not be read (at most 32 MiB): "+err.Error())
		return
	}
	if err := h.selectPerson(r, p); err != nil || p.Person == nil {
		h.fail(w, r, errors.Join(err, fmt.Errorf("choose a person first")))
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		h.renderError(w, r, http.StatusUnprocessableEntity, "Choose the export file.")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, app.MaxImportBytes+1))
	if err != nil || len(data) > app.MaxImportBytes {
		h.renderError(w, r, http.StatusRequestEntityTooLarge, "The export is larger than 32 MiB.")
		return
	}
	importer := h.opts.Service.ImportLoop
	if r.FormValue("source") == "habitica" {
		importer = h.opts.Service.ImportHabitica
	}
	rep, err := importer(r.Context(), p.Person.Slug, data, r.FormValue("dry_run") != "")
	var fe *app.FormatError
	if errors.As(err, &fe) {
		h.renderError(w, r, http.StatusUnprocessableEntity, "Not imported: "+fe.Error())
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Data = dataPage{Report: &rep}
	h.render(w, r, "data", p)
}

// getExport downloads the person's export.
func (h *Handler) getExport(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "data", "Import & export")
	if err := h.selectPerson(r, p); err != nil || p.Person == nil {
		h.fail(w, r, errors.Join(err, fmt.Errorf("choose a person first")))
		return
	}
	d, err := h.opts.Service.ExportPerson(r.Context(), p.Person.Slug)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := app.ExportZip(d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="lifeops-`+d.Person+`.zip"`)
	w.Write(b)
}
