package importcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/esf/esfimport"
	"github.com/ponte-hub/ponte/internal/store"
)

// esfLoader loads one kind of ESF+ file in a transaction.
type esfLoader func(context.Context, *store.Tx, io.Reader) (esfimport.ImportResult, error)

// esfImports are the ESF+ files ponte import reads.
var esfImports = map[string]esfLoader{
	"operations":   esfimport.ImportOperations,
	"participants": esfimport.ImportParticipants,
	"situations":   esfimport.ImportSituations,
	"targets":      esfimport.ImportTargets,
	"entities":     esfimport.ImportEntities,
}

const importUsage = `usage: ponte import operations|participants|situations|targets|entities [--encoding windows-1252] FILE
       ponte import unilav FILE...

Loads a CSV file with the header below into DATABASE_URL in one transaction: a file with any
problem loads nothing and every problem is listed with its row and column. Importing the same
rows again changes nothing. "-" reads standard input.

A file is read as a spreadsheet saves it: separated by ',' with numbers like 1234.5, or by ';'
with numbers like 1.234,5 (an Italian locale), whichever the header line uses; dates as
YYYY-MM-DD or DD/MM/YYYY; UTF-8 with or without a byte-order mark ("CSV UTF-8"), or
Windows-1252 (Excel's plain "CSV" on Windows) with --encoding windows-1252; LF or CRLF line
ends; blank columns and rows around the table are ignored.

  operations    code,name,programme,priority,specific_objective,category_of_region,funding_source,start_date,end_date
  participants  operation_code,tax_code,gender,birth_date,entry_date,exit_date,employment_status,unemployment_months,isced,disability,third_country_national,foreign_background,minority,homeless,rural
  situations    operation_code,tax_code,date,situation
  targets       operation_code,indicator_type,indicator,planned
  entities      operation_code,tax_code,name,kind,supported_from
                (tax_code: the organisation's partita IVA or a sole trader's codice fiscale;
                kind: PUBLIC_ADMINISTRATION or SME; organisations not yet known are registered)
  unilav        UNILAV compulsory communications (XML)`

// Run loads a file into DATABASE_URL: ESF+ operations, participants, labour
// situations or planned indicator values, or UNILAV employment events.
func Run(ctx context.Context, args []string) error {
	handlers := map[string]func(context.Context, []string) error{"unilav": runImportUNILAV}
	for kind, load := range esfImports {
		handlers[kind] = func(ctx context.Context, args []string) error { return importESF(ctx, kind, load, args) }
	}
	return cli.Subcommand(ctx, args, importUsage, handlers)
}

func importESF(ctx context.Context, kind string, load esfLoader, args []string) error {
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	timeout := fs.Duration("timeout", 10*time.Minute, "bound on each statement of the import")
	encoding := fs.String("encoding", esfimport.EncodingUTF8, "text encoding of the file: "+esfimport.EncodingUTF8+", or "+esfimport.EncodingWindows1252+
		` for a sheet Excel on Windows saved as plain "CSV"`)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), importUsage); fs.PrintDefaults() }
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.UsageErrorf("give exactly one file")
	}
	st, err := cli.OpenStore(ctx, store.Config{StatementTimeout: *timeout, MaxConns: 2})
	if err != nil {
		return err
	}
	defer st.Close()

	name := fs.Arg(0)
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	r, err = esfimport.Decode(r, *encoding)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var res esfimport.ImportResult
	err = st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		res, err = load(ctx, tx, r)
		return err
	})
	var ie *esfimport.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", name, p)
		}
		return fmt.Errorf("%s: %d problem(s), nothing loaded", name, len(ie.Problems))
	}
	if err != nil {
		return err
	}
	registered := ""
	if res.Organisations > 0 {
		registered = fmt.Sprintf("; %d organisation(s) registered", res.Organisations)
	}
	fmt.Fprintf(cli.Stdout, "%s: %d %s rows: %d inserted, %d updated, %d unchanged%s\n", name, res.Rows, kind, res.Inserted, res.Updated,
		res.Unchanged, registered)
	return nil
}
