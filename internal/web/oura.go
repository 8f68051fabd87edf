package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// ouraData is the Oura page: the person's connection, last sync and the
// client's health.
type ouraData struct {
	Enabled   bool
	Status    app.OuraStatus
	LastSync  string
	LastError string
	ErrorAt   string
	PausedTo  string
	LastDays  []string
	APIState  string // the shared circuit breaker, in a person's words
}

// breakerWords says what the Oura client's circuit breaker means for a
// person: "closed" reads as broken to anyone who is not an electrician.
var breakerWords = map[string]string{
	"closed":    "working",
	"open":      "paused after repeated errors; LifeOps tries again shortly",
	"half-open": "trying again after errors",
}

func (h *Handler) getOura(w http.ResponseWriter, r *http.Request) {
	h.showOura(w, r, h.newPage(w, r, "oura", "Oura"))
}

func (h *Handler) showOura(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := ouraData{Enabled: h.opts.Oura.Enabled()}
	if p.Person != nil && h.opts.Oura != nil {
		st, err := h.opts.Oura.Status(r.Context(), p.Person.Slug)
		if err != nil && !errors.Is(err, app.ErrOuraDisabled) {
			h.fail(w, r, err)
			return
		}
		d.Status = st
		loc := h.opts.Location()
		if st.Sync.LastSync != nil {
			d.LastSync = stamp(*st.Sync.LastSync, loc)
		}
		d.LastError = st.Sync.LastError
		if st.Sync.LastErrorAt != nil {
			d.ErrorAt = stamp(*st.Sync.LastErrorAt, loc)
		}
		d.APIState = breakerWords[st.Health.Breaker]
		if st.Health.Paused {
			d.PausedTo = stamp(st.Health.PausedUntil, loc)
		}
		for _, k := range sortedKeys(st.Sync.LastDays) {
			d.LastDays = append(d.LastDays, k+" "+st.Sync.LastDays[k].String())
		}
	}
	p.Data = d
	h.render(w, r, "oura", p)
}

// ouraFailed shows the Oura page with err: the Oura use cases' own errors
// say what to do, as the REST API's answers do.
func (h *Handler) ouraFailed(w http.ResponseWriter, r *http.Request, err error) {
	p := h.newPage(w, r, "oura", "Oura")
	p.Form = r.PostForm
	switch {
	case errors.Is(err, app.ErrOuraDisabled):
		p.FormError, p.status = upperFirst(err.Error())+".", http.StatusServiceUnavailable
	case errors.Is(err, app.ErrOuraReauth):
		p.FormError, p.status = "Oura refused the stored authorization: connect again.", http.StatusConflict
	case errors.Is(err, app.ErrOuraNotConnected):
		p.FormError, p.status = "This person has not connected Oura.", http.StatusConflict
	default:
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
	}
	h.showOura(w, r, p)
}

// postOuraConnect sends the browser to Oura's consent page; Oura sends it
// back to the API's callback.
func (h *Handler) postOuraConnect(w http.ResponseWriter, r *http.Request) {
	c, err := h.opts.Oura.Connect(r.Context(), r.FormValue("person"))
	if err != nil {
		h.ouraFailed(w, r, err)
		return
	}
	http.Redirect(w, r, c.AuthorizeURL, http.StatusSeeOther)
}

func (h *Handler) postOuraCode(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	if err := h.opts.Oura.PasteCode(r.Context(), person, r.FormValue("code")); err != nil {
		h.ouraFailed(w, r, err)
		return
	}
	done(w, r, withPerson("/oura", person), "Oura connected: the first sync fetches the last weeks")
}

func (h *Handler) postOuraSync(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	rep, err := h.opts.Oura.SyncNow(r.Context(), person)
	if err != nil {
		h.ouraFailed(w, r, err)
		return
	}
	n := 0
	for _, c := range rep.Documents {
		n += c
	}
	done(w, r, withPerson("/oura", person), fmt.Sprintf("Synced %d documents from Oura", n))
}

func (h *Handler) postOuraDisconnect(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	if err := h.opts.Oura.Disconnect(r.Context(), person); err != nil {
		if _, perr := h.opts.Service.Person(r.Context(), person); perr == nil && errors.Is(err, domain.ErrNotFound) {
			err = app.ErrOuraNotConnected // the person is there; the connection is not
		}
		h.ouraFailed(w, r, err)
		return
	}
	done(w, r, withPerson("/oura", person), "Oura disconnected; what was synced stays")
}
