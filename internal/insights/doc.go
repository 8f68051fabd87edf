// Package insights tests a person's daily variables against each other:
// Spearman's rank correlation for every pair of a variable and an outcome,
// on the same day and one day later, a t-approximation p-value from gonum's
// Student's t distribution, and the Benjamini–Hochberg procedure over every
// pair tested, so that noise across many pairs does not become advice. The
// effect is shown as a difference of means between thirds, in the
// outcome's own unit. See docs/insights.md.
package insights
