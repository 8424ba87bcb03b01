// Package registrydata holds the SQL of the registry records (benefits, ISEE, labour,
// school): reads by person and household, batched upserts, quarantine, the state of
// the syncs and refreshes, and the labour spells reports derive.
package registrydata
