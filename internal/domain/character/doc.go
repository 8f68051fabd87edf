// Package character owns a person's RPG character: the six stats and how their
// values are made up, the passive stat tree (its embedded data file, validation,
// allocation rules and SVG drawing), the effects allocated nodes have on the life
// rules (as a domain.Modifiers), passive stat growth from activities, and the
// character sheet shown over the API and in Home Assistant.
//
// Like the rest of the domain it is pure: time and level numbers are passed in,
// nothing here does I/O, reads a clock or logs. The file format, effect
// vocabulary, point and growth tables are documented in docs/stat-tree.md.
package character
