// Package esfimport reads the ESF+ files a managing authority or a coordinator keeps
// (operations, participants, situations, targets and supported entities, as CSV in the
// English or the Italian spreadsheet convention), checks every row whole, reports each
// problem by row and column, and writes the records through the store. What the records
// mean for the indicators is internal/esf's.
package esfimport
