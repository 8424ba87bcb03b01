// Package esfdata holds the SQL of ESF+ reporting: the imports of operations,
// participations, situations, targets and entities, and the counts, participants,
// targets, profiles and frozen reports the reports read.
package esfdata
