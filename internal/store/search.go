package store

import "strings"

// likeEscaper escapes the characters LIKE and ILIKE give a meaning (PostgreSQL's default
// escape character is the backslash).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likeLiteral is s as a LIKE pattern matching exactly s: a search for "50%" or "A_B"
// looks for those characters, and a search for "%" does not match every row.
func likeLiteral(s string) string { return likeEscaper.Replace(s) }

// personSearch is the condition of a person search on alias: the start of the tax code,
// or any part of "family given", case-insensitively. The text is a value, never a pattern.
func personSearch(alias, search string, args *[]any) string {
	s := likeLiteral(search)
	prefix := arg(args, s+"%")
	contains := arg(args, "%"+s+"%")
	return `(` + alias + `.tax_code LIKE upper(` + prefix + `) OR (` + alias + `.family_name || ' ' || ` + alias + `.given_name) ILIKE ` + contains + `)`
}
