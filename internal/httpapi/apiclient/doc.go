// Package apiclient is a Go client for the LifeOps REST API, generated with
// oapi-codegen from the OpenAPI 3.0 rendering of the checked-in document. It
// proves the document is consumable; regenerate it with
// `go test ./internal/httpapi/ -run TestGeneratedClientIsCurrent -update`.
package apiclient
