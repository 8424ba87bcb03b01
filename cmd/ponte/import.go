package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

// esfLoader loads one kind of ESF+ file in a transaction.
type esfLoader func(context.Context, *store.Tx, io.Reader) (esf.ImportResult, error)

// esfImports are the ESF+ files ponte import reads.
var esfImports = map[string]esfLoader{
	"operations":   esf.ImportOperations,
	"participants": esf.ImportParticipants,
	"situations":   esf.ImportSituations,
	"targets":      esf.ImportTargets,
}

const importUsage = `usage: ponte import operations|participants|situations|targets FILE
       ponte import unilav FILE...

Loads a CSV file (UTF-8, comma-separated, with the header below) into DATABASE_URL in one
transaction: a file with any problem loads nothing and every problem is listed with its row
and column. Importing the same rows again changes nothing. "-" reads standard input.

  operations    code,name,programme,priority,specific_objective,category_of_region,funding_source,start_date,end_date
  participants  operation_code,tax_code,gender,birth_date,entry_date,exit_date,employment_status,unemployment_months,isced,disability,third_country_national,foreign_background,minority,homeless,rural
  situations    operation_code,tax_code,date,situation
  targets       operation_code,indicator_type,indicator,planned
  unilav        UNILAV compulsory communications (XML)`

// runImport loads a file into DATABASE_URL: ESF+ operations, participants, labour
// situations or planned indicator values, or UNILAV employment events.
func runImport(ctx context.Context, args []string) error {
	handlers := map[string]func(context.Context, []string) error{"unilav": runImportUNILAV}
	for kind, load := range esfImports {
		handlers[kind] = func(ctx context.Context, args []string) error { return importESF(ctx, kind, load, args) }
	}
	return subcommand(ctx, args, importUsage, handlers)
}

func importESF(ctx context.Context, kind string, load esfLoader, args []string) error {
	fs := flag.NewFlagSet("import "+kind, flag.ContinueOnError)
	timeout := fs.Duration("timeout", 10*time.Minute, "bound on each statement of the import")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), importUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErrorf("give exactly one file")
	}
	st, err := openStore(ctx, store.Config{StatementTimeout: *timeout, MaxConns: 2})
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
	var res esf.ImportResult
	err = st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, func(tx *store.Tx) error {
		var err error
		res, err = load(ctx, tx, r)
		return err
	})
	var ie *esf.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", name, p)
		}
		return fmt.Errorf("%s: %d problem(s), nothing loaded", name, len(ie.Problems))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d %s rows: %d inserted, %d updated, %d unchanged\n", name, res.Rows, kind, res.Inserted, res.Updated, res.Unchanged)
	return nil
}

// databaseURL is DATABASE_URL, which every command working on the hub's database needs.
func databaseURL() (string, error) {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return "", errors.New("DATABASE_URL is not set")
	}
	return url, nil
}

// openStore opens DATABASE_URL for a command-line operation with cfg; operations over a
// whole programme set a longer statement timeout than requests have.
func openStore(ctx context.Context, cfg store.Config) (*store.Store, error) {
	url, err := databaseURL()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, url, cfg)
}
