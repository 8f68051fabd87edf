// Package oura owns everything LifeOps knows about the Oura API v2: the OAuth2
// authorization-code flow and token rotation, sealing tokens at rest, a client
// that survives rate limits, outages and expired tokens, typed views of the
// daily collections, the sync orchestration over ports the app implements, the
// sync schedule policy, and helpers for Oura's webhooks. Gateway is the
// app's view of all of it (app.OuraGateway): it seals tokens before the
// database sees them and turns each sync window into the app's facts.
//
// One Client serves every person of a household: Oura rate-limits per
// application as well as per token, so the pause after a 429 and the circuit
// breaker are shared by everyone using the same client id.
//
// Oura's OpenAPI document (ouratest/testdata) is the reference; the fake server
// in package ouratest replays Oura's real recorded responses.
package oura
