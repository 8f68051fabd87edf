// Package archtest holds the layering test: the import rules of DESIGN.md,
// checked on every `make test` and `make lint`.
package archtest
