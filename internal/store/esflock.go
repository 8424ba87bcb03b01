package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgconn"
)

// The ESF+ counts of an operation have one writer at a time, to its commit: a trigger
// takes the operation's transaction-level advisory lock (esf_counts_lock_key, migration
// 00550) before each participation is written. A transaction writing participations of
// several operations takes those locks in the order it reaches the rows, so two such
// transactions reaching the same operations in crossing orders would each hold one lock
// and wait for the other's (SQLSTATE 40P01). A writer that knows the operations it will
// write takes their locks first, in the order of the keys, with one of the functions
// below; the trigger then takes again locks the transaction holds, which never waits.
// These functions are the only place, besides the migrations, that takes those locks.

// esfLockOperationsSQL locks the operations of $1 in key order. The ordered subquery is
// neither flattened nor reordered (it has DISTINCT and ORDER BY), so the aggregate calls
// the lock in that order.
const esfLockOperationsSQL = `SELECT count(pg_advisory_xact_lock(k)) FROM (
	SELECT DISTINCT esf_counts_lock_key(o) AS k FROM unnest($1::uuid[]) AS o ORDER BY k) AS s`

// LockESFOperations takes, in the order of their keys, the advisory locks of the ESF+
// counts of the given operations (empty ids are skipped), and holds them to the end of
// the transaction. Call it before the transaction writes anything of these operations.
func LockESFOperations(ctx context.Context, t *Tx, operationIDs []string) error {
	ids := nonEmpty(operationIDs)
	if len(ids) == 0 {
		return nil
	}
	_, err := Exec(ctx, t, "lock esf operations", esfLockOperationsSQL, UUIDs(ids))
	return err
}

// Execer runs a statement: a pgx transaction, for loaders that drive one themselves.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// LockESFOperationsIn is LockESFOperations for a transaction driven through pgx directly
// (the bulk loader); the driver's error is returned as it is.
func LockESFOperationsIn(ctx context.Context, q Execer, operationIDs []string) error {
	ids := nonEmpty(operationIDs)
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, esfLockOperationsSQL, UUIDs(ids))
	return err
}

func nonEmpty(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// LockESFOperationsOfPersons locks, in key order, the operations the given persons have
// a participation in, as the transaction sees them: for writes that reach every
// participation of a person (a labour situation, a corrected or erased tax code).
func LockESFOperationsOfPersons(ctx context.Context, t *Tx, personIDs []string) error {
	ids := nonEmpty(personIDs)
	if len(ids) == 0 {
		return nil
	}
	_, err := Exec(ctx, t, "lock esf operations of persons", `SELECT count(pg_advisory_xact_lock(k)) FROM (
		SELECT DISTINCT esf_counts_lock_key(operation_id) AS k FROM participations
		WHERE person_id = ANY ($1::uuid[]) ORDER BY k) AS s`, UUIDs(ids))
	return err
}

// LockESFOperationsOfTaxCodes locks, in key order, the operations the persons with the
// given tax codes have a participation in: for writes that reach them by tax code (the
// registry's employment events).
func LockESFOperationsOfTaxCodes(ctx context.Context, t *Tx, taxCodes []string) error {
	if len(taxCodes) == 0 {
		return nil
	}
	_, err := Exec(ctx, t, "lock esf operations of tax codes", `SELECT count(pg_advisory_xact_lock(k)) FROM (
		SELECT DISTINCT esf_counts_lock_key(p.operation_id) AS k FROM participations p JOIN persons pe ON pe.id = p.person_id
		WHERE pe.tax_code = ANY ($1::text[]) ORDER BY k) AS s`, taxCodes)
	return err
}
