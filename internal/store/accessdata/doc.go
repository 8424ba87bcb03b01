// Package accessdata holds the SQL of access: partner tokens, the directory of
// organisations and staff authentication reads, the access log and its hash chain,
// and the aggregates counted for the dashboards.
package accessdata
