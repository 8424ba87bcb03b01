package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ponte-hub/ponte/internal/audit"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// runAudit checks and queries the access log.
func runAudit(ctx context.Context, args []string) error {
	usage := "usage: ponte audit verify [--anchor SEQ:HASH]\n       ponte audit person PERSON_ID [--limit N]   (who accessed this person's data)"
	return cli.Subcommand(ctx, args, usage, map[string]func(context.Context, []string) error{
		"verify": auditVerify, "person": auditPerson,
	})
}

func auditVerify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	anchor := fs.String("anchor", "", "a head printed by an earlier verify (SEQ:HASH): the chain must still pass through it")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	var opts audit.VerifyOptions
	if *anchor != "" {
		h, err := audit.ParseHead(*anchor)
		if err != nil {
			return fmt.Errorf("--anchor: %w", err)
		}
		opts.Anchor = &h
	}
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	res, err := accessdata.VerifyLog(ctx, st, opts)
	var te *audit.TamperError
	if errors.As(err, &te) {
		return fmt.Errorf("access log NOT intact: first tampered row is %d: %s", te.Seq, te.Reason)
	}
	if err != nil {
		return err
	}
	fmt.Printf("access log intact: %d rows verified in %s\nhead %s\n", res.Rows, time.Since(start).Round(time.Millisecond), res.Head)
	fmt.Println("Keep the head outside the database; pass it as --anchor later to detect a rewritten chain.")
	return nil
}

func auditPerson(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("audit person", flag.ContinueOnError)
	limit := fs.Int("limit", 100, "rows to show, newest first (at most 1000)")
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" {
		return errors.New("usage: ponte audit person PERSON_ID [--limit N]")
	}
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var recs []audit.Record
	err = st.InTx(ctx, store.TxOptions{ReadOnly: true, Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		recs, err = accessdata.Log(ctx, tx, accessdata.LogFilter{PersonID: id, Limit: *limit})
		return err
	})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SEQ\tAT\tSUBJECT\tROLE\tORGANISATION\tPURPOSE\tOPERATION\tCATEGORIES")
	for _, r := range recs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.At.Format(time.RFC3339), r.Subject, r.Role,
			r.OrganisationID, r.Purpose, r.Operation, strings.Join(r.Categories, ","))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(recs) == 0 {
		fmt.Fprintln(os.Stderr, "no recorded access to this person's data")
	}
	return nil
}
