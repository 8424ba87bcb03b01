package reportcmd

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/esf/export"
	"github.com/ponte-hub/ponte/internal/esf/igrue"
	"github.com/ponte-hub/ponte/internal/store"
)

const reportUsage = `usage: ponte report esf     --cutoff YYYY-MM-DD [filters] [--format csv|xlsx] [-o FILE] [--frozen ID]
       ponte report drill   --cutoff YYYY-MM-DD --indicator CODE [--gender F|M|NB] [--estimated] [filters] [-o FILE]
       ponte report profile --operation CODE [--round N] [--format csv|xlsx] [-o FILE]
       ponte report in01    --cutoff YYYY-MM-DD [filters] [-o FILE]
       ponte report puc     --structure IN00|IN01 --cutoff YYYY-MM-DD [filters] [--previous FILE] [--format puc|csv] [-o FILE]
       ponte report freeze  --cutoff YYYY-MM-DD [filters] --by WHO [--note TEXT]
       ponte report verify  ID
       ponte report frozen  [--limit N]
       ponte report keygen  FILE

filters: --programme P  --specific-objective S (ESO4.11, k, OS ix...)  --operation CODE

Reports read DATABASE_URL. esf writes the common indicators in the Commission's layout
(CSV, or XLSX with output, result and incomplete-participant sheets); drill lists the
pseudonymised participants behind a value; profile writes an operation's per-round tables;
in01 the national protocol's indicator records in the hub's short layout; puc the
protocol's result (IN00) or output (IN01) structure with targets, its number format and
cancellation flag, cancelling what --previous (the last transmission) holds and the hub
no longer produces, or with --format csv a review listing with every planned and achieved
value. freeze stores a report with the hash of every record it came from, signed; verify
checks the signature, recomputes the report and lists what changed (exit status 1);
keygen writes a new signing key.
Pseudonyms need PONTE_PSEUDONYM_KEY (hex or base64, at least 32 bytes); freeze and verify
need PONTE_ESF_SIGNING_KEY, the path of a PEM PKCS#8 Ed25519 private key (verify also
takes the PEM public key).`

// Run computes, exports, freezes and verifies ESF+ reports.
func Run(ctx context.Context, args []string) error {
	return cli.Subcommand(ctx, args, reportUsage, map[string]func(context.Context, []string) error{
		"esf": reportESF, "drill": reportDrill, "profile": reportProfile, "in01": reportIN01, "puc": reportPUC,
		"freeze": reportFreeze, "verify": reportVerify, "frozen": reportFrozen, "keygen": reportKeygen,
	})
}

// reportFlags are the flags every report shares.
type reportFlags struct {
	fs        *flag.FlagSet
	cutoff    *string
	programme *string
	objective *string
	operation *string
	output    *string
	timeout   *time.Duration
}

func newReportFlags(name string, withQuery bool) *reportFlags {
	fs := flag.NewFlagSet("report "+name, flag.ContinueOnError)
	f := &reportFlags{fs: fs}
	if withQuery {
		f.cutoff = fs.String("cutoff", "", "cut-off date, YYYY-MM-DD (required)")
		f.programme = fs.String("programme", "", "only this programme")
		f.objective = fs.String("specific-objective", "", "only this specific objective, in any spelling (ESO4.11, k, OS ix)")
		f.operation = fs.String("operation", "", "only this operation (code)")
	}
	f.output = fs.String("o", "-", "write to this file instead of standard output")
	f.timeout = fs.Duration("timeout", 10*time.Minute, "bound on each statement")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), reportUsage+"\n\nflags of report "+name+":"); fs.PrintDefaults() }
	return f
}

func (f *reportFlags) parse(args []string, positional int) error {
	if err := cli.ParseFlags(f.fs, args); err != nil {
		return err
	}
	if f.fs.NArg() != positional {
		f.fs.Usage()
		return cli.UsageErrorf("%s: expected %d argument(s), got %d", f.fs.Name(), positional, f.fs.NArg())
	}
	return nil
}

func (f *reportFlags) query() (esf.Query, error) {
	if *f.cutoff == "" {
		return esf.Query{}, errors.New("--cutoff is required (YYYY-MM-DD)")
	}
	cutoff, err := time.Parse(esf.DateLayout, *f.cutoff)
	if err != nil {
		return esf.Query{}, fmt.Errorf("--cutoff: %q is not a date: want YYYY-MM-DD", *f.cutoff)
	}
	return esf.Query{Cutoff: cutoff, Programme: *f.programme, SpecificObjective: *f.objective, OperationCode: *f.operation}, nil
}

// read runs fn in a read-only transaction on DATABASE_URL.
func (f *reportFlags) read(ctx context.Context, fn func(*store.Tx) error) error {
	return f.inTx(ctx, true, fn)
}

func (f *reportFlags) inTx(ctx context.Context, readOnly bool, fn func(*store.Tx) error) error {
	st, err := cli.OpenStore(ctx, store.Config{StatementTimeout: *f.timeout, MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()
	return st.InTx(ctx, store.TxOptions{ReadOnly: readOnly, Scope: store.Scope{Kind: store.ScopeAll}}, fn)
}

// write sends the output of fn to -o, creating the file only once there is something to
// write.
func (f *reportFlags) write(fn func(io.Writer) error) error {
	if *f.output == "-" || *f.output == "" {
		return fn(cli.Stdout)
	}
	out, err := os.Create(*f.output)
	if err != nil {
		return err
	}
	if err := fn(out); err != nil {
		out.Close()
		os.Remove(*f.output)
		return err
	}
	return out.Close()
}

func reportESF(ctx context.Context, args []string) error {
	f := newReportFlags("esf", true)
	format := f.fs.String("format", "csv", "csv or xlsx")
	frozenID := f.fs.String("frozen", "", "write this frozen report's stored values instead of computing them (csv)")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	switch {
	case *format != "csv" && *format != "xlsx":
		return fmt.Errorf("--format: %q is not csv or xlsx", *format)
	case *format == "xlsx" && (*f.output == "-" || *f.output == ""):
		return errors.New("--format xlsx writes a workbook: give -o FILE")
	case *frozenID != "" && *format != "csv":
		return errors.New("--frozen: a frozen report is written as csv")
	case *frozenID != "" && (*f.cutoff != "" || *f.programme != "" || *f.objective != "" || *f.operation != ""):
		return errors.New("--frozen: the frozen report has its own cut-off and filters")
	}
	if *frozenID != "" {
		var fr *esf.Frozen
		if err := f.read(ctx, func(tx *store.Tx) error {
			var err error
			fr, err = esf.LoadFrozen(ctx, tx, *frozenID)
			return err
		}); err != nil {
			return err
		}
		return f.write(func(w io.Writer) error { return export.WriteCSV(w, fr.Report) })
	}
	q, err := f.query()
	if err != nil {
		return err
	}
	var p esf.Pseudonymiser
	if *format == "xlsx" {
		if p, err = cli.PseudonymiserFromEnv(); err != nil {
			return err
		}
	}
	var rep *esf.Report
	var incomplete []esf.Participant
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		if rep, err = esf.Compute(ctx, tx, q); err != nil {
			return err
		}
		if p != nil {
			incomplete, err = esf.DrillDown(ctx, tx, esf.DrillQuery{Query: q, Indicator: esf.IncompleteIndicator}, p)
		}
		return err
	}); err != nil {
		return err
	}
	if *format == "xlsx" {
		return f.write(func(w io.Writer) error { return export.WriteXLSX(w, rep, incomplete, time.Now()) })
	}
	return f.write(func(w io.Writer) error { return export.WriteCSV(w, rep) })
}

func reportDrill(ctx context.Context, args []string) error {
	f := newReportFlags("drill", true)
	indicator := f.fs.String("indicator", "", "indicator code (EECO01...EECR06) or INCOMPLETE (required)")
	gender := f.fs.String("gender", "", "F, M or NB; empty for the total")
	estimated := f.fs.Bool("estimated", false, "only the informed estimates of a point 1.2 indicator")
	limit := f.fs.Int("limit", 0, "at most this many participants (0: all)")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *indicator == "" {
		return errors.New("--indicator is required")
	}
	q, err := f.query()
	if err != nil {
		return err
	}
	p, err := cli.PseudonymiserFromEnv()
	if err != nil {
		return err
	}
	var ps []esf.Participant
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		ps, err = esf.DrillDown(ctx, tx, esf.DrillQuery{Query: q, Indicator: *indicator, Gender: *gender, EstimatedOnly: *estimated, Limit: *limit}, p)
		return err
	}); err != nil {
		return err
	}
	return f.write(func(w io.Writer) error {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"pseudonym", "operation", "entry_date", "exit_date", "entries", "gender", "gender_derived", "age",
			"age_derived", "employment_status", "isced", "situation_upon_leaving", "qualification_upon_leaving",
			"situation_six_months_after", "estimated", "missing"})
		for _, x := range ps {
			exit, age, isced := "", "", ""
			if x.ExitDate != nil {
				exit = x.ExitDate.Format(esf.DateLayout)
			}
			if x.Age != nil {
				age = strconv.Itoa(*x.Age)
			}
			if x.ISCED != nil {
				isced = strconv.Itoa(*x.ISCED)
			}
			missing := ""
			for i, m := range x.Missing {
				if i > 0 {
					missing += " "
				}
				missing += string(m)
			}
			_ = cw.Write([]string{x.Pseudonym, x.OperationCode, x.EntryDate.Format(esf.DateLayout), exit, strconv.Itoa(x.Entries),
				x.Gender, strconv.FormatBool(x.GenderDerived), age, strconv.FormatBool(x.AgeDerived), x.Status, isced, x.Leaving,
				strconv.FormatBool(x.Qualified), x.SixMonths, strconv.FormatBool(x.Estimated), missing})
		}
		cw.Flush()
		return cw.Error()
	})
}

func reportProfile(ctx context.Context, args []string) error {
	f := newReportFlags("profile", false)
	f.operation = f.fs.String("operation", "", "the operation (code; required)")
	round := f.fs.Int("round", 0, "only this round (0: every round)")
	format := f.fs.String("format", "csv", "csv or xlsx")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	switch {
	case *format != "csv" && *format != "xlsx":
		return fmt.Errorf("--format: %q is not csv or xlsx", *format)
	case *format == "xlsx" && (*f.output == "-" || *f.output == ""):
		return errors.New("--format xlsx writes a workbook: give -o FILE")
	}
	if *f.operation == "" {
		return errors.New("--operation is required")
	}
	var rep *esf.ProfileReport
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		rep, err = esf.Profile(ctx, tx, esf.ProfileQuery{OperationCode: *f.operation, Round: *round})
		return err
	}); err != nil {
		return err
	}
	if *format == "xlsx" {
		return f.write(func(w io.Writer) error { return export.WriteProfileXLSX(w, rep, time.Now()) })
	}
	return f.write(func(w io.Writer) error { return export.WriteProfileCSV(w, rep) })
}

func reportIN01(ctx context.Context, args []string) error {
	f := newReportFlags("in01", true)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	q, err := f.query()
	if err != nil {
		return err
	}
	var recs []igrue.IN01Record
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		recs, err = igrue.IN01(ctx, tx, q)
		return err
	}); err != nil {
		return err
	}
	return f.write(func(w io.Writer) error { return igrue.WriteIN01(w, recs) })
}

func reportPUC(ctx context.Context, args []string) error {
	f := newReportFlags("puc", true)
	structure := f.fs.String("structure", "", "IN00 (result indicators) or IN01 (output indicators) (required)")
	previous := f.fs.String("previous", "", "the structure's last transmission: what it holds and the hub no longer produces is cancelled")
	format := f.fs.String("format", "puc", "puc (the protocol's layout) or csv (review listing with every value)")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	s := strings.ToUpper(*structure)
	switch {
	case s != igrue.StructureIN00 && s != igrue.StructureIN01:
		return fmt.Errorf("--structure: %q is not IN00 or IN01", *structure)
	case *format != "puc" && *format != "csv":
		return fmt.Errorf("--format: %q is not puc or csv", *format)
	}
	q, err := f.query()
	if err != nil {
		return err
	}
	pq := igrue.PUCQuery{Query: q, Structure: s}
	if *previous != "" {
		file, err := os.Open(*previous)
		if err != nil {
			return fmt.Errorf("--previous: %w", err)
		}
		pq.Previous, err = igrue.ReadPUC(file, s)
		file.Close()
		if err != nil {
			return fmt.Errorf("--previous %s: %w", *previous, err)
		}
	}
	var recs []igrue.PUCRecord
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		recs, err = igrue.PUC(ctx, tx, pq)
		return err
	}); err != nil {
		return err
	}
	unplanned, cancelled := 0, 0
	for _, r := range recs {
		if r.Cancelled {
			cancelled++
		} else if r.Planned == nil {
			unplanned++
		}
	}
	if s == igrue.StructureIN01 && unplanned > 0 {
		fmt.Fprintf(os.Stderr, "report puc: %d IN01 record(s) have a value but no target: the national system requires a planned value (ponte import targets)\n", unplanned)
	}
	if cancelled > 0 {
		fmt.Fprintf(os.Stderr, "report puc: %d record(s) of %s cancelled\n", cancelled, *previous)
	}
	if *format == "csv" {
		return f.write(func(w io.Writer) error { return igrue.WritePUCCSV(w, recs) })
	}
	return f.write(func(w io.Writer) error { return igrue.WritePUC(w, recs) })
}

func reportFreeze(ctx context.Context, args []string) error {
	f := newReportFlags("freeze", true)
	by := f.fs.String("by", "", "who freezes the report (required)")
	note := f.fs.String("note", "", "a note stored with the report")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	q, err := f.query()
	if err != nil {
		return err
	}
	signer, err := cli.ESFSignerFromEnv()
	if err != nil {
		return err
	}
	var fr *esf.Frozen
	if err := f.inTx(ctx, false, func(tx *store.Tx) error {
		var err error
		fr, err = esf.Freeze(ctx, tx, esf.FreezeRequest{Query: q, FrozenBy: *by, Note: *note, Signer: signer})
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(cli.Stdout, "frozen report %s\ncut-off    %s\nrecords    %d\nhash       %s\nkey id     %s\n", fr.ID,
		fr.Report.Cutoff.Format(esf.DateLayout), fr.RecordCount, fr.Hash, fr.SignedBy)
	return nil
}

func reportVerify(ctx context.Context, args []string) error {
	f := newReportFlags("verify", false)
	asJSON := f.fs.Bool("json", false, "write the verification as JSON")
	if err := f.parse(args, 1); err != nil {
		return err
	}
	p, err := cli.PseudonymiserFromEnv()
	if err != nil {
		return err
	}
	signer, err := cli.ESFSignerFromEnv()
	if err != nil {
		return err
	}
	var v *esf.Verification
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		v, err = esf.Verify(ctx, tx, f.fs.Arg(0), p, signer)
		return err
	}); err != nil {
		return err
	}
	if err := f.write(func(w io.Writer) error {
		if *asJSON {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
		return writeVerification(w, v)
	}); err != nil {
		return err
	}
	if !v.Intact {
		return fmt.Errorf("frozen report %s: not intact: signature valid %t, changed field(s) %s; %d record(s) and %d value(s) changed since %s",
			v.Frozen.ID, v.SignatureValid, changedFields(v), len(v.ChangedRecords), len(v.ChangedValues), v.Frozen.FrozenAt.Format(time.RFC3339))
	}
	if !v.Unchanged() {
		return fmt.Errorf("frozen report %s: intact %t, %d record(s) and %d value(s) changed since %s",
			v.Frozen.ID, v.Intact, len(v.ChangedRecords), len(v.ChangedValues), v.Frozen.FrozenAt.Format(time.RFC3339))
	}
	return nil
}

func writeVerification(w io.Writer, v *esf.Verification) error {
	fmt.Fprintf(w, "frozen report %s (cut-off %s, frozen %s by %s)\n", v.Frozen.ID, v.Frozen.Report.Cutoff.Format(esf.DateLayout),
		v.Frozen.FrozenAt.Format(time.RFC3339), v.Frozen.FrozenBy)
	if v.SignatureValid {
		fmt.Fprintf(w, "signature valid: key %s signed every stored field\n", v.KeyID)
	} else {
		fmt.Fprintf(w, "WARNING: signature invalid (key %q): %s\nchanged fields: %s\n", v.KeyID, v.SignatureProblem, changedFields(v))
	}
	if v.Intact {
		fmt.Fprintln(w, "stored values and record hashes match the report's hash")
	} else {
		fmt.Fprintln(w, "WARNING: the stored report no longer matches its hash and signature: it was altered outside the hub")
	}
	if v.Unchanged() {
		fmt.Fprintf(w, "unchanged: the current data gives the same %d records and values\n", v.Frozen.RecordCount)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(v.ChangedRecords) > 0 {
		fmt.Fprintf(tw, "\n%d changed record(s)\noperation\tparticipant\tchange\n", len(v.ChangedRecords))
		for _, c := range v.ChangedRecords {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.OperationCode, c.Pseudonym, c.Change)
		}
	}
	if len(v.ChangedValues) > 0 {
		fmt.Fprintf(tw, "\n%d changed value(s)\nprogramme\tpriority\tobjective\tregion\tindicator\tcolumn\tfrozen\tnow\n", len(v.ChangedValues))
		for _, c := range v.ChangedValues {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", c.Programme, c.Priority, c.SpecificObjective, c.CategoryOfRegion,
				c.Indicator, c.Column, c.Frozen, c.Current)
		}
	}
	return tw.Flush()
}

func changedFields(v *esf.Verification) string {
	if len(v.ChangedFields) == 0 {
		return "none"
	}
	return strings.Join(v.ChangedFields, ", ")
}

func reportKeygen(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("report keygen", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ponte report keygen FILE\n\nWrites a new Ed25519 key for signing frozen reports to FILE "+
			"(PEM PKCS#8, mode 0600; an existing file is never overwritten). Point PONTE_ESF_SIGNING_KEY at it.")
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.UsageErrorf("report keygen: expected 1 argument, got %d", fs.NArg())
	}
	s, err := esf.GenerateSigningKey(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(cli.Stdout, "signing key %s written (PEM PKCS#8 Ed25519; keep it secret)\nkey id     %s\npublic key (for those who only verify):\n%s",
		fs.Arg(0), s.KeyID(), s.PublicKeyPEM())
	return nil
}

func reportFrozen(ctx context.Context, args []string) error {
	f := newReportFlags("frozen", false)
	limit := f.fs.Int("limit", 50, "at most this many reports, newest first")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	var list []esf.FrozenSummary
	if err := f.read(ctx, func(tx *store.Tx) error {
		var err error
		list, err = esf.ListFrozen(ctx, tx, *limit)
		return err
	}); err != nil {
		return err
	}
	return f.write(func(w io.Writer) error {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "id\tcut-off\tfilters\trecords\tfrozen at\tby\thash\tkey id")
		for _, s := range list {
			key := s.SignedBy
			if key == "" {
				key = "(unsigned)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Cutoff.Format(esf.DateLayout), s.Filters, s.RecordCount,
				s.FrozenAt.Format(time.RFC3339), s.FrozenBy, s.Hash, key)
		}
		return tw.Flush()
	})
}
