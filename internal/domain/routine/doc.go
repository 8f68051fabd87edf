// Package routine holds the rules of routines and the daily timeline: what a
// routine is and when it occurs (daily, weekdays, chosen days, every N days, an
// RRULE subset), when each of its items is planned on a given local day
// (a clock time or an offset from wake-up, DST-safe), and the small state
// machine a timeline entry moves through (pending, done, skipped, missed,
// snoozed).
//
// Like the rest of the domain it is pure: standard library and
// internal/domain only, time passed in, no I/O.
package routine
