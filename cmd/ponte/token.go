package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/auth"
	"github.com/ponte-hub/ponte/internal/cli"
	"github.com/ponte-hub/ponte/internal/store/accessdata"
)

// runToken manages partner tokens: issue, list, revoke.
func runToken(ctx context.Context, args []string) error {
	usage := "usage: ponte token issue --role R --org CODE --purpose P [--purpose P2] [--expires 90d] [--staff SUBJECT] [--label L]\n" +
		"       ponte token list\n       ponte token revoke ID"
	return cli.Subcommand(ctx, args, usage, map[string]func(context.Context, []string) error{
		"issue": tokenIssue, "list": tokenList, "revoke": tokenRevoke,
	})
}

type purposeFlags []access.Purpose

func (p *purposeFlags) String() string { return fmt.Sprint(*p) }

func (p *purposeFlags) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		pu, err := access.ParsePurpose(part)
		if err != nil {
			return err
		}
		*p = append(*p, pu)
	}
	return nil
}

func tokenIssue(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("token issue", flag.ContinueOnError)
	role := fs.String("role", "", "role the token acts as ("+strings.Join(roleNames(), ", ")+")")
	org := fs.String("org", "", "code of the organisation the token belongs to")
	var purposes purposeFlags
	fs.Var(&purposes, "purpose", "purpose the token may declare (repeat or comma-separate)")
	expires := fs.String("expires", "90d", "lifetime: 1d to 366d, or hours (12h)")
	staff := fs.String("staff", "", "subject of the staff member the token acts for (roles that see assigned cases)")
	label := fs.String("label", "", "what the token is for, shown by list")
	quiet := fs.Bool("q", false, "print only the token")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cli.UsageErrorf("token issue: unexpected argument %q", fs.Arg(0))
	}
	if *role == "" {
		return cli.UsageErrorf("--role is required (%s)", strings.Join(roleNames(), ", "))
	}
	r, err := access.ParseRole(*role)
	if err != nil {
		return cli.UsageErrorf("--role: unknown role %q (%s)", *role, strings.Join(roleNames(), ", "))
	}
	ttl, err := auth.ParseTTL(*expires)
	if err != nil {
		return fmt.Errorf("--expires: %w", err)
	}
	policy, err := access.DefaultPolicy()
	if err != nil {
		return err
	}
	authz, err := access.NewAuthorizer(policy)
	if err != nil {
		return err
	}
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	createdBy := os.Getenv("USER")
	token, rec, err := auth.IssuePartnerToken(ctx, accessdata.Directory{Store: st}, authz, auth.IssueRequest{Role: r, OrganisationCode: *org,
		StaffSubject: *staff, Purposes: purposes, TTL: ttl, Label: *label, CreatedBy: createdBy})
	if err != nil {
		return err
	}
	if *quiet {
		fmt.Println(token)
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "token\t%s\n", token)
	fmt.Fprintf(w, "id\t%s\n", rec.ID)
	fmt.Fprintf(w, "role\t%s\n", rec.Role)
	fmt.Fprintf(w, "organisation\t%s\n", rec.OrganisationCode)
	fmt.Fprintf(w, "purposes\t%s\n", strings.Join(rec.Purposes, ", "))
	fmt.Fprintf(w, "expires\t%s\n", rec.ExpiresAt.UTC().Format(time.RFC3339))
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "\nThe token is shown only now. Use it as \"Authorization: Bearer %s...\";\nrevoke it with: ponte token revoke %s\n", token[:8], rec.ID)
	return nil
}

func roleNames() []string {
	var out []string
	for _, r := range access.Roles() {
		out = append(out, string(r))
	}
	return out
}

func tokenList(ctx context.Context, args []string) error {
	fs := cli.SimpleFlags("token list", "usage: ponte token list\n\nLists every partner token of DATABASE_URL: id, role, organisation, purposes, state, expiry, last use.")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return cli.UsageErrorf("token list: unexpected argument %q", fs.Arg(0))
	}
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	toks, err := accessdata.ListTokens(ctx, st)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tROLE\tORGANISATION\tPURPOSES\tSTATE\tEXPIRES\tLAST USED\tLABEL")
	for _, t := range toks {
		state := "active"
		switch {
		case t.RevokedAt != nil:
			state = "revoked " + t.RevokedAt.UTC().Format(time.DateOnly)
		case !now.Before(t.ExpiresAt):
			state = "expired"
		}
		last := "never"
		if t.LastUsedAt != nil {
			last = t.LastUsedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, t.OrganisationCode, strings.Join(t.Purposes, ","),
			state, t.ExpiresAt.UTC().Format(time.DateOnly), last, t.Label)
	}
	return w.Flush()
}

func tokenRevoke(ctx context.Context, args []string) error {
	fs := cli.SimpleFlags("token revoke", "usage: ponte token revoke ID\n\nRevokes the partner token ID (see ponte token list); it stops working at once.")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.UsageErrorf("token revoke: give exactly one token id")
	}
	args = fs.Args()
	st, err := cli.OperatorStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := accessdata.RevokeToken(ctx, st, args[0])
	if err != nil {
		return err
	}
	fmt.Printf("revoked %s (%s, %s) at %s\n", t.ID, t.Role, t.OrganisationCode, t.RevokedAt.UTC().Format(time.RFC3339))
	return nil
}
