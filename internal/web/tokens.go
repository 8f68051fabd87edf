package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// tokensData is the Tokens page. Secret and Pairing are set only on the
// answer to the post that made them: a secret is shown once.
type tokensData struct {
	Tokens  []tokenRow
	Secret  *app.NewToken
	Pairing *pairingView
}

type tokenRow struct {
	app.Token
	Person   string
	Created  string
	LastUsed string
	Revoked  string
}

type pairingView struct {
	Code    string
	Person  string
	Expires string
}

func (h *Handler) getTokens(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "tokens", "Tokens and pairing")
	p.Form.Set("scope", "read")
	h.showTokens(w, r, p, tokensData{})
}

func (h *Handler) showTokens(w http.ResponseWriter, r *http.Request, p *page, d tokensData) {
	ctx := r.Context()
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.opts.Tokens.List(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, pp := range p.People {
		names[pp.ID] = pp.Name
	}
	// Live tokens first, newest first.
	sort.SliceStable(list, func(i, j int) bool {
		if (list[i].Revoked == nil) != (list[j].Revoked == nil) {
			return list[i].Revoked == nil
		}
		return list[i].ID > list[j].ID
	})
	loc := h.opts.Location()
	for _, t := range list {
		row := tokenRow{Token: t, Created: stamp(t.Created, loc), LastUsed: "never"}
		if t.PersonID != nil {
			row.Person = names[*t.PersonID]
		}
		if t.LastUsed != nil {
			row.LastUsed = stamp(*t.LastUsed, loc)
		}
		if t.Revoked != nil {
			row.Revoked = stamp(*t.Revoked, loc)
		}
		d.Tokens = append(d.Tokens, row)
	}
	p.Data = d
	// The person selector of the token form stays empty unless chosen.
	p.Person = nil
	h.render(w, r, "tokens", p)
}

func stamp(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") }

func (h *Handler) postToken(w http.ResponseWriter, r *http.Request) {
	in := app.TokenInput{Name: r.FormValue("name"), Scope: app.Scope(r.FormValue("scope")), Person: r.FormValue("bind")}
	tok, err := h.opts.Tokens.Create(r.Context(), in)
	p := h.newPage(w, r, "tokens", "Tokens and pairing")
	if err != nil {
		p.Form = r.PostForm
		if errorsIsNotFound(err) {
			err = domain.Invalid("bind", in.Person, "names no person of the household")
		}
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
		h.showTokens(w, r, p, tokensData{})
		return
	}
	// Shown once, on this answer, never redirected to: the secret must not
	// travel in a URL or a cookie.
	p.status = http.StatusCreated
	h.showTokens(w, r, p, tokensData{Secret: &tok})
}

func (h *Handler) postTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = h.opts.Tokens.Revoke(r.Context(), id)
	} else {
		err = domain.ErrNotFound
	}
	if err != nil {
		p := h.newPage(w, r, "tokens", "Tokens and pairing")
		if errorsIsNotFound(err) {
			err = fmt.Errorf("token %s is unknown or revoked already: %w", r.PathValue("id"), domain.ErrConflict)
		}
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
		h.showTokens(w, r, p, tokensData{})
		return
	}
	if h.opts.Revoked != nil {
		h.opts.Revoked()
	}
	done(w, r, "/tokens", "Revoked the token: it stopped working at once")
}

func (h *Handler) postPairingCode(w http.ResponseWriter, r *http.Request) {
	person := strings.TrimSpace(r.FormValue("pair"))
	p := h.newPage(w, r, "tokens", "Tokens and pairing")
	var code app.PairingCode
	err := domain.Invalid("pair", nil, "choose a person")
	if person != "" {
		code, err = h.opts.Tokens.CreatePairingCode(r.Context(), person)
		if errorsIsNotFound(err) {
			err = domain.Invalid("pair", person, "names no person of the household")
		}
	}
	if err != nil {
		p.Form = r.PostForm
		if !formFailed(p, err) {
			h.fail(w, r, err)
			return
		}
		h.showTokens(w, r, p, tokensData{})
		return
	}
	name := person
	if pp, err := h.opts.Service.Person(r.Context(), person); err == nil {
		name = pp.Value.Name
	}
	p.status = http.StatusCreated
	h.showTokens(w, r, p, tokensData{Pairing: &pairingView{Code: code.Code, Person: name, Expires: stamp(code.ExpiresAt, h.opts.Location())}})
}

// depNames are the dependencies' names as people write them.
var depNames = map[string]string{"database": "Database", "mqtt": "MQTT broker", "home_assistant": "Home Assistant", "oura": "Oura cloud"}

// diagnosticsData is the Diagnostics page.
type diagnosticsData struct {
	Deps []depRow
}

type depRow struct {
	Name  string
	State app.DepState
	Error string
	Since string
}

func (h *Handler) getDiagnostics(w http.ResponseWriter, r *http.Request) {
	p := h.newPage(w, r, "diagnostics", "Diagnostics")
	var d diagnosticsData
	if h.opts.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		checks := h.opts.Health.Check(ctx)
		loc := h.opts.Location()
		for _, name := range sortedKeys(checks) {
			st := checks[name]
			row := depRow{Name: depNames[name], State: st.State, Error: st.Error}
			if row.Name == "" {
				row.Name = upperFirst(strings.ReplaceAll(name, "_", " "))
			}
			if st.Since != nil {
				row.Since = stamp(*st.Since, loc)
			}
			d.Deps = append(d.Deps, row)
		}
	}
	p.Data = d
	h.render(w, r, "diagnostics", p)
}

func (h *Handler) postLogin(w http.ResponseWriter, r *http.Request) {
	secret := strings.TrimSpace(r.FormValue("token"))
	if h.opts.Tokens == nil || secret == "" {
		h.renderLogin(w, r, "Enter an admin token.", http.StatusUnauthorized)
		return
	}
	if h.tooMany(w, r) {
		return
	}
	if _, err := h.adminToken(r.Context(), secret); err != nil {
		if errorsIsNotFound(err) {
			h.failed(r)
		}
		msg := "That token is unknown or revoked."
		if err == errNotAdmin {
			msg = upperFirst(errNotAdmin.Error()) + "."
		} else if !errorsIsNotFound(err) {
			h.fail(w, r, err)
			return
		}
		h.renderLogin(w, r, msg, http.StatusUnauthorized)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: secret, Path: cookiePath(r), HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 30 * 24 * 3600})
	done(w, r, "/", "")
}

func (h *Handler) postLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Path: cookiePath(r), MaxAge: -1})
	done(w, r, "/", "")
}

func errorsIsNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }
