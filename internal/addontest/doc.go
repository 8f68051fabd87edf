// Package addontest holds the tests of the Home Assistant add-on package at
// the repository root: config.yaml against the add-on linter's JSON schema
// and extra rules and the Supervisor's own checks, translations, the
// options the binary understands, the Dockerfile and .dockerignore, the s6
// services and backup hook in addon/rootfs (dump and restore run against a
// real PostgreSQL), and the external linters: dockerfilelint (npm, pinned
// in tools/), shellcheck and yamllint.
//
// testdata/*.schema.json are the linter's schemas, taken with their licence
// from frenck/action-addon-linter (see testdata/LICENSE.md).
package addontest
