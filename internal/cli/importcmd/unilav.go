package importcmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/syncjob"
)

// runImportUNILAV loads UNILAV XML files (hiring, extension, transformation and
// termination notices) into DATABASE_URL with the sync's rules: each communication is
// upserted by its id, a malformed one is quarantined with the element and the reason, the
// rest land. "-" reads standard input. Every file is tried; the error counts the failures.
func runImportUNILAV(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import unilav", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: ponte import unilav FILE...

Loads UNILAV compulsory communications (XML, namespace http://servizi.lavoro.gov.it/unilav)
into the hub's employment events. Importing a file again changes nothing; a malformed
communication is quarantined with the reason and the others are stored. "-" reads stdin.`)
	}
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return flag.ErrHelp
	}
	st, err := cli.OpenStore(ctx, store.Config{StatementTimeout: time.Minute, MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()

	tw := tabwriter.NewWriter(cli.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tcommunications\tstored\tunchanged\tquarantined\t")
	var total syncjob.Summary
	var failures []error
	for _, name := range fs.Args() {
		sum, err := importUNILAVFile(ctx, st, name)
		total = total.Add(sum)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", name, sum.Fetched, sum.Stored, sum.Unchanged, sum.Quarantined)
		if err != nil {
			failures = append(failures, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t\n", total.Fetched, total.Stored, total.Unchanged, total.Quarantined)
	if err := tw.Flush(); err != nil {
		return err
	}
	if total.Quarantined > 0 {
		fmt.Fprintln(cli.Stdout, "quarantined communications are kept in registry_quarantine with the field and the reason")
	}
	for _, err := range failures {
		fmt.Fprintln(os.Stderr, "ponte import unilav:", err)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d file(s) could not be fully imported", len(failures), fs.NArg())
	}
	return nil
}

func importUNILAVFile(ctx context.Context, st *store.Store, name string) (syncjob.Summary, error) {
	var r io.Reader = os.Stdin
	label := name
	if name == "-" {
		label = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return syncjob.Summary{Failed: 1}, err
		}
		defer f.Close()
		r = f
	}
	return syncjob.ImportUNILAV(ctx, st, label, r, time.Now())
}
