package store

import "strconv"

// ScopeKind is the row scope an access plan grants: which cases and persons a request may see.
type ScopeKind int

const (
	// ScopeNone sees no rows; the zero value, so a forgotten scope denies.
	ScopeNone ScopeKind = iota
	// ScopeAll sees every row (administration, migrations, imports run by operators).
	ScopeAll
)

// Scope is the row scope of one transaction, compiled into each list query's WHERE clause.
type Scope struct {
	Kind ScopeKind
}

// casePredicate returns a SQL condition on the cases row aliased alias, appending any
// arguments it needs to args.
func (s Scope) casePredicate(alias string, args *[]any) string {
	switch s.Kind {
	case ScopeAll:
		return "true"
	default:
		return "false"
	}
}

// personPredicate returns a SQL condition on the persons row aliased alias.
func (s Scope) personPredicate(alias string, args *[]any) string {
	switch s.Kind {
	case ScopeAll:
		return "true"
	default:
		return "false"
	}
}

// arg appends v to args and returns its placeholder.
func arg(args *[]any, v any) string {
	*args = append(*args, v)
	return "$" + strconv.Itoa(len(*args))
}
