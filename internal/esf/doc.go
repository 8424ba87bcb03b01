// Package esf owns ESF+ reporting: the common indicators and their rules as data, report
// assembly, drill-down, the programme's profile tables, and frozen reports with their
// signatures. Its sub-packages read and write files around it: esfimport the CSV imports,
// export the CSV and XLSX layouts of reports and profiles, igrue the national monitoring
// protocol's IN00/IN01 records.
//
// The counting itself runs in PostgreSQL through the store; this package decides what is
// counted and lays the results out. The rules are those of Regulation (EU) 2021/1057
// Annex I as summarised in docs/ESF.md: characteristics at entry, one participant per
// person and operation however many times they re-enter, completeness per Art. 17(5), the
// 28-day window upon leaving with the last situation deciding, and the six-month result
// counted once six calendar months after the exit have passed the cut-off.
package esf
