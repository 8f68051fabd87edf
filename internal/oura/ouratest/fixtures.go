// Package ouratest is a fake Oura API v2 for tests: it serves the real
// recorded responses in shared/fixtures/oura (filtered by the requested
// dates, optionally split into pages), Oura's recorded 404/422/403 bodies, an
// OAuth token endpoint that rotates single-use refresh tokens, and scripted
// 429s, 5xx and slow answers. Every request is validated against Oura's
// OpenAPI document; violations are recorded and fail the test at cleanup.
//
// It does not import package oura, so oura's own tests can use it.
package ouratest

import (
	"os"
	"path/filepath"
	"testing"
)

// FixturesEnv overrides where the fixtures are looked for.
const FixturesEnv = "LIFEOPS_OURA_FIXTURES"

// FixturesDir finds shared/fixtures/oura: $LIFEOPS_OURA_FIXTURES, else
// <repo>/../shared/fixtures/oura where <repo> is the nearest directory above
// the working directory holding go.mod (CI puts shared/ beside the clone).
// It fails the test with a clear message when they are missing.
func FixturesDir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv(FixturesEnv); dir != "" {
		mustHaveSpec(tb, dir, "$"+FixturesEnv)
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatalf("ouratest: working directory: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			fx := filepath.Join(filepath.Dir(dir), "shared", "fixtures", "oura")
			mustHaveSpec(tb, fx, "the repository's sibling shared/ folder")
			return fx
		}
		if filepath.Dir(dir) == dir {
			tb.Fatalf("ouratest: no go.mod above %s; set %s to the Oura fixtures folder", wd, FixturesEnv)
		}
	}
}

func mustHaveSpec(tb testing.TB, dir, from string) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(dir, "openapi-1.37.json")); err != nil {
		tb.Fatalf("ouratest: Oura fixtures not found in %s (from %s): %v; "+
			"put shared/fixtures/oura beside the repository or set %s", dir, from, err, FixturesEnv)
	}
}
