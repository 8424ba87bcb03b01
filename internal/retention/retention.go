// Package retention runs the retention rules (the retention_rules table): on the day a
// person's last rule expires it restricts their processing, after the rule's grace days it
// pseudonymises them, and it erases registry copies whose purpose ended; every step goes
// to the retention ledger, once. It also marks consents past their expiry EXPIRED. It takes its clock from its caller, so tests move it.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
)

// DefaultBatch is how many persons one transaction handles: a run commits batch by batch,
// so a killed run keeps what it did and the next one continues.
const DefaultBatch = 100

// Actor names the job in the ledger and the restrictions it records.
const Actor = "retention-job"

// Runner runs the retention rules over a store.
type Runner struct {
	st      *store.Store
	now     func() time.Time
	batch   int
	onBatch func(done int)
}

// Option tunes a Runner.
type Option func(*Runner)

// WithClock sets the clock the rules are applied at (default time.Now).
func WithClock(now func() time.Time) Option { return func(r *Runner) { r.now = now } }

// WithBatch sets the persons per transaction (default DefaultBatch).
func WithBatch(n int) Option { return func(r *Runner) { r.batch = max(1, n) } }

// OnBatch is called after each committed batch with the persons handled so far.
func OnBatch(f func(done int)) Option { return func(r *Runner) { r.onBatch = f } }

// New builds a Runner.
func New(st *store.Store, opts ...Option) *Runner {
	r := &Runner{st: st, now: time.Now, batch: DefaultBatch}
	for _, o := range opts {
		o(r)
	}
	return r
}

// day is the calendar day of t in UTC: rules count whole days.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var txOptions = store.TxOptions{Claims: rightsdata.RetentionClaims(), Scope: store.Scope{Kind: store.ScopeAll}}

// Plan is what a run on a day would do, without doing it.
type Plan struct {
	On      time.Time
	Persons []rightsdata.RetentionDue
	// RegistryCopies counts the copies per table whose purpose ended.
	RegistryCopies map[string]int64
	// AccessLogEntries counts the access-log entries past the log's own period; the job
	// reports them but does not delete them (the chain is append-only).
	AccessLogEntries int64
}

// Plan reports what would expire on day on (a dry run: nothing is written).
func (r *Runner) Plan(ctx context.Context, on time.Time) (Plan, error) {
	p := Plan{On: day(on)}
	opts := txOptions
	opts.ReadOnly = true
	err := r.st.InTx(ctx, opts, func(tx *store.Tx) error {
		after := ""
		for {
			due, err := rightsdata.RetentionDueOn(ctx, tx, p.On, after, 1000)
			if err != nil {
				return err
			}
			p.Persons = append(p.Persons, due...)
			if len(due) < 1000 {
				break
			}
			after = due[len(due)-1].PersonID
		}
		var err error
		if p.RegistryCopies, err = rightsdata.RegistryCopiesDue(ctx, tx, p.On); err != nil {
			return err
		}
		p.AccessLogEntries, err = rightsdata.AccessLogDue(ctx, tx, p.On)
		return err
	})
	return p, err
}

// Report is what a run did.
type Report struct {
	On            time.Time
	Restricted    int
	Pseudonymised int
	// RegistryCopies counts the copies erased per table.
	RegistryCopies map[string]int64
	// ExpiredConsents counts the consents whose expiry passed, now marked EXPIRED.
	ExpiredConsents int64
}

// Run applies the rules at the clock's day, batch by batch. Each batch commits on its
// own; the ledger's unique key keeps a step from being done twice, so a run that was
// killed is simply run again.
func (r *Runner) Run(ctx context.Context) (Report, error) {
	rep := Report{On: day(r.now())}
	after := ""
	for {
		var due []rightsdata.RetentionDue
		err := r.st.InTx(ctx, txOptions, func(tx *store.Tx) error {
			var err error
			if due, err = rightsdata.RetentionDueOn(ctx, tx, rep.On, after, r.batch); err != nil {
				return err
			}
			for _, d := range due {
				done, err := r.step(ctx, tx, d, rep.On)
				if err != nil {
					return fmt.Errorf("retention: person %s: %w", d.PersonID, err)
				}
				if done && d.Step == rightsdata.StepRestrict {
					rep.Restricted++
				} else if done {
					rep.Pseudonymised++
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		if len(due) > 0 {
			after = due[len(due)-1].PersonID
			if r.onBatch != nil {
				r.onBatch(rep.Restricted + rep.Pseudonymised)
			}
		}
		if len(due) < r.batch {
			break
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	err := r.st.InTx(ctx, txOptions, func(tx *store.Tx) error {
		var err error
		if rep.ExpiredConsents, err = rightsdata.ExpireConsents(ctx, tx, r.now(), Actor); err != nil {
			return err
		}
		if rep.RegistryCopies, err = rightsdata.EraseRegistryCopies(ctx, tx, rep.On); err != nil {
			return err
		}
		var total int64
		for _, n := range rep.RegistryCopies {
			total += n
		}
		if total == 0 {
			return nil
		}
		_, err = rightsdata.AppendRetentionLedger(ctx, tx, rightsdata.RetentionLedgerEntry{At: r.now(), Actor: Actor, Rule: "registry_copy",
			Action: "ERASED", DueOn: rep.On, Detail: fmt.Sprintf("%d registry copies: %v", total, rep.RegistryCopies)})
		return err
	})
	return rep, err
}

// step does d's step, once: false when the ledger shows it done already.
func (r *Runner) step(ctx context.Context, tx *store.Tx, d rightsdata.RetentionDue, on time.Time) (bool, error) {
	person := d.PersonID
	switch d.Step {
	case rightsdata.StepRestrict:
		recorded, err := rightsdata.AppendRetentionLedger(ctx, tx, rightsdata.RetentionLedgerEntry{At: r.now(), Actor: Actor, Rule: d.Rule,
			PersonID: &person, Action: "RESTRICTED", DueOn: d.DueOn, Detail: "retention period ended; processing restricted until pseudonymised"})
		if err != nil || !recorded {
			return false, err
		}
		active, err := rightsdata.Restrictions(ctx, tx, []string{person}, true)
		if err != nil || len(active) > 0 {
			return true, err
		}
		_, err = rightsdata.RestrictProcessing(ctx, tx, rightsdata.NewRestriction{PersonID: person, CreatedBy: Actor,
			Reason: fmt.Sprintf("retention period (%s) ended on %s: kept only until pseudonymised", d.Rule, d.DueOn.AddDate(0, 0, -1).Format(time.DateOnly))})
		return true, err
	case rightsdata.StepPseudonymise:
		res, err := rightsdata.PseudonymisePerson(ctx, tx, person)
		if err != nil {
			return false, err
		}
		return rightsdata.AppendRetentionLedger(ctx, tx, rightsdata.RetentionLedgerEntry{At: r.now(), Actor: Actor, Rule: d.Rule,
			PersonID: &person, Action: "PSEUDONYMISED", DueOn: d.DueOn, Detail: res.String()})
	}
	return false, fmt.Errorf("unknown step %q", d.Step)
}
