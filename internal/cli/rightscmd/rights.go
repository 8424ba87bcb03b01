package rightscmd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/ponte-hub/ponte/graph/scalar"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/rights"
	"github.com/ponte-hub/ponte/internal/store"
	"github.com/ponte-hub/ponte/internal/store/rightsdata"
	"github.com/ponte-hub/ponte/pkg/globalid"
)

const rightsUsage = `usage: ponte rights create --person PERSON_ID --kind KIND --received DATE [--details TEXT] [--by NAME]
       ponte rights assign REQUEST_ID --to WHO [--by NAME]
       ponte rights extend REQUEST_ID --months 1|2 --reason TEXT [--by NAME]
       ponte rights close REQUEST_ID --outcome OUTCOME --answer TEXT [--answered DATE] [--by NAME]
       ponte rights list [--person PERSON_ID] [--open]
       ponte rights overdue [--on DATE]
Data-subject requests (GDPR Art. 15-21), as the data protection officer records them in the
API (createRightsRequest ...). KIND: ` + "ACCESS, RECTIFICATION, ERASURE, RESTRICTION, OBJECTION" + `;
OUTCOME: GRANTED, PARTIALLY_GRANTED, REFUSED, WITHDRAWN. Ids are the API's ids or row UUIDs.`

// RunRights records and lists data-subject requests.
func RunRights(ctx context.Context, args []string) error {
	return cli.Subcommand(ctx, args, rightsUsage, map[string]func(context.Context, []string) error{
		"create": rightsCreate, "assign": rightsAssign, "extend": rightsExtend, "close": rightsClose,
		"list": rightsList, "overdue": rightsOverdue,
	})
}

// rightsFlags is a subcommand's flag set, with the positional request id taken first
// when given before the flags.
func rightsFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("rights "+name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), rightsUsage) }
	return fs
}

// positional splits a leading argument that is not a flag off args.
func positional(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// asGlobalID accepts a row UUID for an id of type typ, as other commands print them.
func asGlobalID(typ, id string) string {
	if _, err := uuid.Parse(id); err == nil {
		return globalid.Encode(typ, id)
	}
	return id
}

// operator names who acts from the command line.
func operator(by string) string {
	if by = strings.TrimSpace(by); by != "" {
		return by
	}
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func dateFlag(name, v string) (time.Time, error) {
	d, err := scalar.ParseDate(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: %w", name, err)
	}
	return d, nil
}

// inRightsTx runs fn on the hub's database in one transaction; fn's input errors are
// usage errors of the command line.
func inRightsTx(ctx context.Context, fn func(*store.Tx) error) error {
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.InTx(ctx, store.TxOptions{Scope: store.Scope{Kind: store.ScopeAll}}, fn)
}

func rightsCreate(ctx context.Context, args []string) error {
	fs := rightsFlags("create")
	person := fs.String("person", "", "the person who asked (a Person id or row UUID)")
	kind := fs.String("kind", "", "ACCESS, RECTIFICATION, ERASURE, RESTRICTION or OBJECTION")
	received := fs.String("received", "", "the day the request was received (YYYY-MM-DD)")
	details := fs.String("details", "", "what was asked, how it arrived")
	by := fs.String("by", "", "who records it (default cli:$USER)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *person == "" || *kind == "" || *received == "" {
		return cli.UsageErrorf("--person, --kind and --received are required")
	}
	day, err := dateFlag("received", *received)
	if err != nil {
		return cli.UsageErrorf("%v", err)
	}
	return inRightsTx(ctx, func(tx *store.Tx) error {
		r, err := rights.Create(ctx, tx, rights.CreateInput{PersonID: asGlobalID("Person", *person), Kind: strings.ToUpper(*kind),
			ReceivedOn: day, Details: details}, operator(*by), time.Now())
		if err != nil {
			return err
		}
		printRequests([]rightsdata.Request{r})
		return nil
	})
}

// requestArg reads the request id given before or after the flags.
func requestArg(fs *flag.FlagSet, id string) (string, error) {
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" {
		return "", cli.UsageErrorf("REQUEST_ID is required")
	}
	return asGlobalID("RightsRequest", id), nil
}

func rightsAssign(ctx context.Context, args []string) error {
	id, args := positional(args)
	fs := rightsFlags("assign")
	to := fs.String("to", "", "who handles it")
	by := fs.String("by", "", "who assigns it (default cli:$USER)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	id, err := requestArg(fs, id)
	if err != nil {
		return err
	}
	return inRightsTx(ctx, func(tx *store.Tx) error {
		r, err := rights.Assign(ctx, tx, rights.AssignInput{RequestID: id, Assignee: *to}, operator(*by))
		if err == nil {
			printRequests([]rightsdata.Request{r})
		}
		return err
	})
}

func rightsExtend(ctx context.Context, args []string) error {
	id, args := positional(args)
	fs := rightsFlags("extend")
	months := fs.Int("months", 0, "further months beyond the first: 1 or 2")
	reason := fs.String("reason", "", "why; the person is told")
	by := fs.String("by", "", "who extends it (default cli:$USER)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	id, err := requestArg(fs, id)
	if err != nil {
		return err
	}
	return inRightsTx(ctx, func(tx *store.Tx) error {
		r, err := rights.Extend(ctx, tx, rights.ExtendInput{RequestID: id, Months: *months, Reason: *reason}, operator(*by), time.Now())
		if err == nil {
			printRequests([]rightsdata.Request{r})
		}
		return err
	})
}

func rightsClose(ctx context.Context, args []string) error {
	id, args := positional(args)
	fs := rightsFlags("close")
	outcome := fs.String("outcome", "", "GRANTED, PARTIALLY_GRANTED, REFUSED or WITHDRAWN")
	answer := fs.String("answer", "", "what was done, as the person was told")
	answered := fs.String("answered", time.Now().Format(time.DateOnly), "the day of the answer")
	by := fs.String("by", "", "who closes it (default cli:$USER)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	id, err := requestArg(fs, id)
	if err != nil {
		return err
	}
	day, err := dateFlag("answered", *answered)
	if err != nil {
		return cli.UsageErrorf("%v", err)
	}
	return inRightsTx(ctx, func(tx *store.Tx) error {
		r, err := rights.Close(ctx, tx, rights.CloseInput{RequestID: id, Outcome: strings.ToUpper(*outcome), Answer: *answer, AnsweredOn: day},
			operator(*by), time.Now())
		if err == nil {
			printRequests([]rightsdata.Request{r})
		}
		return err
	})
}

func rightsList(ctx context.Context, args []string) error {
	fs := rightsFlags("list")
	person := fs.String("person", "", "only this person's requests")
	open := fs.Bool("open", false, "only the requests not closed")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	f := rightsdata.RequestFilter{OpenOnly: *open}
	if *person != "" {
		id, err := globalid.DecodeAs(asGlobalID("Person", *person), "Person")
		if err != nil {
			return cli.UsageErrorf("--person: %v", err)
		}
		f.PersonID = id
	}
	return listRequests(ctx, f)
}

func rightsOverdue(ctx context.Context, args []string) error {
	fs := rightsFlags("overdue")
	on := fs.String("on", time.Now().Format(time.DateOnly), "the day to count on")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	day, err := dateFlag("on", *on)
	if err != nil {
		return cli.UsageErrorf("%v", err)
	}
	return listRequests(ctx, rightsdata.RequestFilter{OverdueOn: &day})
}

func listRequests(ctx context.Context, f rightsdata.RequestFilter) error {
	var rs []rightsdata.Request
	err := inRightsTx(ctx, func(tx *store.Tx) error {
		var err error
		rs, err = rightsdata.Requests(ctx, tx, f)
		return err
	})
	if err != nil {
		return err
	}
	printRequests(rs)
	if len(rs) == 0 {
		fmt.Fprintln(os.Stderr, "no requests")
	}
	return nil
}

func printRequests(rs []rightsdata.Request) {
	w := tabwriter.NewWriter(cli.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPERSON\tKIND\tRECEIVED\tDEADLINE\tSTATUS\tASSIGNEE\tOUTCOME")
	for _, r := range rs {
		person, assignee, outcome := "-", "-", "-"
		if r.PersonID != nil {
			person = *r.PersonID
		}
		if r.Assignee != nil {
			assignee = *r.Assignee
		}
		if r.Outcome != nil {
			outcome = *r.Outcome
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, person, r.Kind, r.ReceivedOn.Format(time.DateOnly),
			r.Deadline().Format(time.DateOnly), r.Status, assignee, outcome)
	}
	_ = w.Flush()
}
