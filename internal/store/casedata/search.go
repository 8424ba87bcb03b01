package casedata

import (
	"strings"

	"github.com/ponte-hub/ponte/internal/store"
)

// likeEscaper escapes the characters LIKE and ILIKE give a meaning (PostgreSQL's default
// escape character is the backslash).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likeLiteral is s as a LIKE pattern matching exactly s: a search for "50%" or "A_B"
// looks for those characters, and a search for "%" does not match every row.
func likeLiteral(s string) string { return likeEscaper.Replace(s) }

// personSearch is what a search matches persons on: the start of the tax code or any
// part of "family given" name, case-insensitively, with LIKE's wildcards taken literally.
type personSearch struct {
	Text string
	Ages SearchAges
}

// predicate is the SQL condition on the persons row alias p.
func (s personSearch) predicate(p string, args *[]any) string {
	v := store.Arg(args, likeLiteral(s.Text))
	where := `(` + p + `.tax_code LIKE upper(` + v + `) || '%' OR (` + p + `.family_name || ' ' || ` + p + `.given_name) ILIKE '%' || ` + v + ` || '%')`
	if s.Ages.AdultsBornBy != nil {
		where += ` AND ` + p + `.birth_date <= ` + store.Arg(args, *s.Ages.AdultsBornBy)
	}
	if s.Ages.MinorsBornAfter != nil {
		where += ` AND ` + p + `.birth_date > ` + store.Arg(args, *s.Ages.MinorsBornAfter)
	}
	if len(s.Ages.Exclude) > 0 {
		where += ` AND ` + p + `.id <> ALL(` + store.Arg(args, store.UUIDs(s.Ages.Exclude)) + `::uuid[])`
	}
	return where
}
