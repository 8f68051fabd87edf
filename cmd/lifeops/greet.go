package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
)

// greet tells the person who started LifeOps where it answers and, on the
// very first start outside the add-on, gives them the admin token the panel
// asks for: a database without tokens gets one, shown this once.
//
// In the add-on nobody needs it: Home Assistant's ingress signs people in,
// and the Supervisor's log is not the place for a secret.
//
// On a console it writes a few plain lines; in a JSON log it writes one JSON
// line (message "first start"), so that a log collector still parses it. The
// secret bypasses the logger on purpose: it is the one secret LifeOps must
// show, once.
func greet(ctx context.Context, w io.Writer, console bool, addr net.Addr, cfg config.Config, tokens *app.Tokens) error {
	if cfg.SupervisorToken != "" {
		return nil
	}
	// Past the redactor main puts around stderr: this is the one secret that
	// must be seen.
	w = unredacted(w)
	base := panelURL(addr, cfg.TLSCertFile != "")
	existing, err := tokens.List(ctx)
	if err != nil {
		return fmt.Errorf("first start: list tokens: %w", err)
	}
	if len(existing) > 0 {
		if !console {
			return nil // "lifeops ready" already names the address
		}
		_, err := fmt.Fprintf(w, "\nLifeOps is running: the panel is at %s and the API's documentation at %sdocs\n\n", base, base)
		return err
	}
	tok, err := tokens.Create(ctx, app.TokenInput{Name: "first admin", Scope: app.ScopeAdmin})
	if err != nil {
		return fmt.Errorf("first start: create the admin token: %w", err)
	}
	if !console {
		line, err := json.Marshal(map[string]string{
			"level": "info", "time": time.Now().UTC().Format(time.RFC3339), "message": "first start",
			"panel": base, "admin_token": tok.Secret,
			"hint": "the database had no API token; this admin token is shown once: sign in to the panel with it",
		})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", line)
		return err
	}
	_, err = fmt.Fprintf(w, `
LifeOps is running: the panel is at %s and the API's documentation at %sdocs

This database had no API token, so LifeOps made an admin token. It is shown only this once:

    %s

Sign in to the panel with it, or send it to the API as "Authorization: Bearer <token>".
More tokens: lifeops token create --name NAME --scope read|write|admin

`, base, base, tok.Secret)
	return err
}

// panelURL is the address a browser on this machine opens: a listener on
// every interface is reached through localhost.
func panelURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, port := "localhost", ""
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
		if !tcp.IP.IsUnspecified() && tcp.IP != nil {
			host = tcp.IP.String()
		}
	} else if h, p, err := net.SplitHostPort(addr.String()); err == nil {
		host, port = h, p
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}
