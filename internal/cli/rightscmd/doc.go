// Package rightscmd is `ponte rights` and `ponte retention`: data-subject requests
// recorded, assigned, extended, closed and listed as the API does them (internal/rights),
// and what the retention rules would do on a day, from the command line.
package rightscmd
