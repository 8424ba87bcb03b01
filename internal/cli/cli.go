// Package cli is what the ponte command's subcommands share: flag parsing that sends
// asked-for usage to stdout and wrong command lines to stderr with exit status 2,
// dispatching on a verb, the exit status of a child, the standard output the tests
// capture, and opening DATABASE_URL. The subcommands that do more than parse flags live
// in its sub-packages (reportcmd, rightscmd, importcmd, synccmd); cmd/ponte wires them.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/ponte-hub/ponte/internal/access"
	"github.com/ponte-hub/ponte/internal/esf"
	"github.com/ponte-hub/ponte/internal/store"
)

// Stdout receives what the commands print for their user; tests capture it.
var Stdout io.Writer = os.Stdout

// ExitError carries a child command's exit status through with-db.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// UsageError is a command line that is wrong: the usage is already on stderr, Msg (when
// set) says what was wrong, Shown when the flag package has printed it already, and the
// exit status is 2.
type UsageError struct {
	Msg   string
	Shown bool
}

func (e UsageError) Error() string { return e.Msg }

// UsageErrorf is a UsageError saying what was wrong.
func UsageErrorf(format string, args ...any) error {
	return UsageError{Msg: fmt.Sprintf(format, args...)}
}

// IsHelp reports whether arg asks for usage.
func IsHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// ParseFlags parses args into fs. Asked for (-h), the usage goes to stdout and the
// result is flag.ErrHelp; a wrong flag prints the flag package's message and the usage
// on stderr once, and is a UsageError.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = os.Stdout.Write(buf.Bytes())
		return flag.ErrHelp
	case err != nil:
		_, _ = os.Stderr.Write(buf.Bytes())
		return UsageError{Msg: err.Error(), Shown: true}
	}
	return nil
}

// Subcommand runs the handler args[0] names, or prints usage: commands with verbs
// (token issue|list|revoke, audit verify|person, migrate, import, report) share it.
func Subcommand(ctx context.Context, args []string, usage string, handlers map[string]func(context.Context, []string) error) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return UsageError{}
	}
	if IsHelp(args[0]) {
		fmt.Fprintln(os.Stdout, usage)
		return flag.ErrHelp
	}
	h, ok := handlers[args[0]]
	if !ok {
		fmt.Fprintln(os.Stderr, usage)
		return UsageErrorf("unknown subcommand %q", args[0])
	}
	return h(ctx, args[1:])
}

// SimpleFlags is the flag set of a subcommand that takes only positional arguments,
// so that -h answers with its usage.
func SimpleFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), usage) }
	return fs
}

// DatabaseURL is DATABASE_URL, which every command working on the hub's database needs.
func DatabaseURL() (string, error) {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return "", errors.New("DATABASE_URL is not set")
	}
	return url, nil
}

// OpenStore opens DATABASE_URL for a command-line operation with cfg; operations over a
// whole programme set a longer statement timeout than requests have.
func OpenStore(ctx context.Context, cfg store.Config) (*store.Store, error) {
	url, err := DatabaseURL()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, url, cfg)
}

// OperatorStore opens DATABASE_URL as the operator (the login role, not the hub's role).
func OperatorStore(ctx context.Context) (*store.Store, error) {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		return nil, errors.New("DATABASE_URL is required (the database of the hub the token is for)")
	}
	return store.Open(ctx, u, store.Config{MaxConns: 2})
}

// EnvOr is the environment variable key, or def when it is not set.
func EnvOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// NewLogger logs JSON lines at level to stderr.
func NewLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// ESFSignerFromEnv loads the key file PONTE_ESF_SIGNING_KEY names, which must be set.
func ESFSignerFromEnv() (*esf.Signer, error) {
	path := os.Getenv(esf.SigningKeyEnv)
	if path == "" {
		return nil, fmt.Errorf("%s is not set: frozen ESF+ reports are signed and checked with it (the path of a PEM PKCS#8 "+
			"Ed25519 private key; 'ponte report keygen FILE' writes one)", esf.SigningKeyEnv)
	}
	s, err := esf.LoadSigningKey(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", esf.SigningKeyEnv, err)
	}
	return s, nil
}

// PseudonymiserFromEnv is the access layer's pseudonymiser keyed by PONTE_PSEUDONYM_KEY.
func PseudonymiserFromEnv() (*access.Pseudonymizer, error) {
	raw := os.Getenv("PONTE_PSEUDONYM_KEY")
	if raw == "" {
		return nil, errors.New("PONTE_PSEUDONYM_KEY is not set: it keys the pseudonyms of participants (hex or base64, at least 32 bytes)")
	}
	p, err := access.PseudonymizerFromText(raw)
	if err != nil {
		return nil, fmt.Errorf("PONTE_PSEUDONYM_KEY: %w", err)
	}
	return p, nil
}
