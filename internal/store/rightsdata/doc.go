// Package rightsdata holds the SQL of data subjects' rights: requests and their
// events, restrictions of processing, rectification, consent records, and retention
// (what is due, pseudonymisation, the ledger, registry copies and the access log).
package rightsdata
