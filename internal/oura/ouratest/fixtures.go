// Package ouratest is a fake Oura API v2 for tests: it serves the real
// recorded responses in testdata/ (filtered by the requested dates,
// optionally split into pages), Oura's recorded 404/422/403 bodies, an OAuth
// token endpoint that rotates single-use refresh tokens, and scripted 429s,
// 5xx and slow answers. Every request is validated against Oura's OpenAPI
// document; violations are recorded and fail the test at cleanup.
//
// The recordings and the document are embedded (testdata/README.md says where
// they come from and under which licence), so the tests need nothing outside
// the repository. Only test binaries import this package: nothing of it
// reaches the lifeops binary or the add-on image.
//
// It does not import package oura, so oura's own tests can use it.
package ouratest

import (
	"embed"
	"io/fs"
	"path"
	"testing"
)

//go:embed testdata/openapi-1.37.json testdata/responses testdata/webhook
var testdata embed.FS

// Fixtures is the recorded data: openapi-1.37.json, responses/ (bodies named
// <case>.<HTTP status>.json) and webhook/.
func Fixtures() fs.FS {
	sub, err := fs.Sub(testdata, "testdata")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// Response returns one recorded response body from responses/, failing the
// test when there is none by that name.
func Response(tb testing.TB, name string) []byte {
	tb.Helper()
	body, err := readResponse(name)
	if err != nil {
		tb.Fatalf("ouratest: %v", err)
	}
	return body
}

func readResponse(name string) ([]byte, error) {
	return fs.ReadFile(Fixtures(), path.Join("responses", name))
}
