// Package importcmd is `ponte import`: an ESF+ file (internal/esf/esfimport) or UNILAV
// communications (internal/syncjob) loaded into DATABASE_URL in one transaction, every
// problem listed with where it is.
package importcmd
