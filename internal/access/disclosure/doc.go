// Package disclosure decides which published counts are hidden so that no count from 1 to
// a threshold can be worked out from what is shown, by anyone holding every table of a
// population at once (global protection of linked tables, linked.go), with the small
// linear-programming solver the search uses (simplex.go). It knows nothing of what the
// counts are: the access layer (internal/access) writes its tables as linear forms over
// the cells of one population and reads the answer back.
package disclosure
