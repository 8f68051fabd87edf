// Package insight owns LifeOps' daily variables and the shape of an insight:
// which per-day numbers a person's stored facts give (scores, ring measures,
// habits, routines, activities, mood, linked sensors by night), their human
// names and units, the strength words and the sentence an insight becomes.
// The statistics themselves live outside the domain (internal/insights), so
// this package stays pure: no I/O, no clock, standard library only.
package insight
