// Package apiclient is a Go client for the LifeOps REST API, generated with
// oapi-codegen from the OpenAPI 3.0 rendering of the document: import it as
// github.com/lifeops/lifeops/apiclient. `make openapi` regenerates it with
// the document, and a test fails when it is stale. docs/examples/client is a
// program that uses it.
package apiclient
