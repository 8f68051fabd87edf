// Package domain holds LifeOps' pure rules and types: habits and streaks, XP and
// levels, the Daily Life Score, achievements and their vocabulary. It does no I/O,
// reads no clock (time is always passed in) and logs nothing, so every rule is a
// plain function that a table test can pin down.
//
// Only the standard library may be imported here; the layering test in
// internal/archtest enforces it.
package domain
