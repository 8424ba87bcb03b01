// Package casedata holds the SQL of the case work: persons, households and their
// members, cases and their writes, assessments, projects, interventions, activity,
// participation in cases, referrals and transfers, due actions, ESF+ operations and
// participations, and the searches over them. Every read applies the transaction's scope.
package casedata
