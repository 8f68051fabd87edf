package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck asks the local server's /healthz, so the add-on image needs
// no curl for its Docker HEALTHCHECK.
func cmdHealthcheck(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	cfg, _, err := loadConfig("healthcheck", args, stderr, getenv)
	if err != nil {
		return err
	}
	_, port, err := net.SplitHostPort(cfg.HTTPAddr)
	if err != nil {
		return usagef("http_addr %q: %v", cfg.HTTPAddr, err)
	}
	scheme := "http"
	if cfg.TLSCertFile != "" {
		scheme = "https"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort("127.0.0.1", port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	return nil
}
