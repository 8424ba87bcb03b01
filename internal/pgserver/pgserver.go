// Package pgserver starts a throw-away local PostgreSQL server from the installed server
// binaries, for the demo and the test suite: no Docker, no system service, no manual steps.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options say where the server keeps its data and how it is reached.
type Options struct {
	// DataDir holds the cluster. An existing cluster is reused; one this package created
	// (it leaves CreatedMarker in it) that no longer starts is recreated, saying so; any
	// other that does not start is an error, and is left as it is.
	DataDir string
	// Port to listen on, on 127.0.0.1; 0 picks a free one.
	Port int
	// Durable keeps fsync on. Tests and the demo run without it: their data is disposable.
	Durable bool
	// Log receives the server's own output; nil discards it.
	Log *os.File
}

// Server is a running PostgreSQL started by Start.
type Server struct {
	dataDir string
	port    int
	cmd     *exec.Cmd
	done    chan error
	// tempDir is the directory StartTemp made for the cluster, removed by Stop.
	tempDir string
}

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("pgserver: no PostgreSQL server binaries found (install postgresql, or set PG_BIN to the directory holding initdb and postgres)")

// superuser is the bootstrap role of the clusters this package creates.
const superuser = "postgres"

// BinDir finds the directory holding initdb and postgres: $PG_BIN, then PATH, then the
// newest /usr/lib/postgresql/<v>/bin (where Debian installs them, off PATH).
func BinDir() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
			return "", fmt.Errorf("pgserver: PG_BIN=%s: %w", dir, err)
		}
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	return "", ErrNoBinaries
}

func versionOf(initdbPath string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdbPath))))
	return v
}

// DefaultDataDir is where the demo keeps its cluster between runs. As root the cluster must
// belong to an unprivileged user who cannot enter root's home, so it lives under /var/tmp.
func DefaultDataDir(name string) string {
	if os.Geteuid() == 0 {
		return filepath.Join("/var/tmp", "ponte", name)
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "ponte", name)
	}
	return filepath.Join(os.TempDir(), "ponte-"+strconv.Itoa(os.Getuid()), name)
}

// StartTemp starts a throw-away cluster in a new temporary directory named after
// pattern (os.MkdirTemp), which Stop removes with everything in it.
func StartTemp(ctx context.Context, pattern string) (*Server, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("pgserver: temp dir: %w", err)
	}
	// The unprivileged user the server runs as when started by root must reach it.
	_ = os.Chmod(dir, 0o755)
	s, err := Start(ctx, Options{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	s.tempDir = dir
	return s, nil
}

// Start initialises the cluster if needed and starts the server, waiting until it accepts
// connections. PostgreSQL refuses to run as root, so as root it runs as the postgres user.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	if opts.DataDir == "" {
		return nil, errors.New("pgserver: DataDir is required")
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := prepareDir(opts.DataDir, cred); err != nil {
		return nil, err
	}
	s := &Server{dataDir: opts.DataDir, port: port}
	stopStale(opts.DataDir)
	if !initialised(opts.DataDir) {
		if err := s.initdb(ctx, bin, cred); err != nil {
			return nil, err
		}
	}
	if err := s.start(ctx, bin, cred, opts); err != nil {
		// A cluster this package made and an earlier crash left broken is disposable:
		// recreate it once. Anyone else's is not ours to delete.
		if !createdHere(opts.DataDir) {
			return nil, fmt.Errorf("%w: %s holds a PostgreSQL cluster (PG_VERSION) that ponte did not create, and it does not "+
				"start; it is left untouched: repair it, move it away, or choose another directory", err, opts.DataDir)
		}
		fmt.Fprintf(os.Stderr, "pgserver: the cluster in %s (created by ponte) does not start: %v; recreating it\n", opts.DataDir, err)
		if rmErr := os.RemoveAll(opts.DataDir); rmErr != nil {
			return nil, fmt.Errorf("%w (and removing the data directory failed: %v)", err, rmErr)
		}
		if err2 := prepareDir(opts.DataDir, cred); err2 != nil {
			return nil, err2
		}
		if err2 := s.initdb(ctx, bin, cred); err2 != nil {
			return nil, fmt.Errorf("%w; recreating the cluster failed: %v", err, err2)
		}
		if err2 := s.start(ctx, bin, cred, opts); err2 != nil {
			return nil, err2
		}
	}
	return s, nil
}

// URL is the connection string of the given database as the superuser.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, s.port, database)
}

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// DataDir is the cluster's directory.
func (s *Server) DataDir() string { return s.dataDir }

// Stop asks the server for a fast shutdown and waits for it to exit.
func (s *Server) Stop() error {
	if s.tempDir != "" {
		defer os.RemoveAll(s.tempDir)
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("pgserver: server did not stop within 30s; killed")
	}
}

// CreatedMarker is the file this package leaves in a cluster it initialised: only such a
// cluster is ever removed.
const CreatedMarker = "ponte-pgserver-created"

func createdHere(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, CreatedMarker))
	return err == nil
}

func (s *Server) initdb(ctx context.Context, bin string, cred *syscall.Credential) error {
	if err := s.runInitdb(ctx, bin, cred); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.dataDir, CreatedMarker), []byte("initialised by ponte's pgserver\n"), 0o600); err != nil {
		return fmt.Errorf("pgserver: mark %s: %w", s.dataDir, err)
	}
	return nil
}

func (s *Server) runInitdb(ctx context.Context, bin string, cred *syscall.Credential) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", s.dataDir, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		// Older servers or minimal images may lack C.UTF-8; C is always there.
		if strings.Contains(string(out), "locale") {
			_ = os.RemoveAll(s.dataDir)
			if err := prepareDir(s.dataDir, cred); err != nil {
				return err
			}
			cmd = exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
				"-D", s.dataDir, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			if out2, err2 := cmd.CombinedOutput(); err2 == nil {
				return nil
			} else {
				out, err = out2, err2
			}
		}
		return fmt.Errorf("pgserver: initdb %s: %w: %s", s.dataDir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Server) start(ctx context.Context, bin string, cred *syscall.Credential, opts Options) error {
	args := []string{"-D", s.dataDir, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		"-c", "max_connections=200",
		"-c", "shared_buffers=256MB",
	}
	if !opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	// Its own process group: a terminal's Ctrl-C reaches the hub, which then stops the
	// server in order, instead of both racing to exit.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if opts.Log != nil {
		cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgserver: start postgres: %w", err)
	}
	s.cmd = cmd
	s.done = make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-s.done:
			s.cmd = nil
			return fmt.Errorf("pgserver: postgres exited during start-up: %v (data directory %s)", err, s.dataDir)
		default:
		}
		pingCtx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(pingCtx, s.URL("postgres"))
		cancel()
		if err == nil {
			_ = conn.Close(ctx)
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = s.Stop()
			return fmt.Errorf("pgserver: postgres not ready after 60s: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runAs returns the credential to run the server binaries with: nil for an ordinary user,
// the postgres system user for root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgserver: running as root needs an unprivileged 'postgres' user to own the server: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// prepareDir creates the data directory and the folders above it that are missing. As
// root the server user must own it and reach it: the folders created here are made
// searchable (0711); a folder that was there already is never changed, and one the
// server user cannot search is an error naming it.
func prepareDir(dir string, cred *syscall.Credential) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	var created []string
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || p == filepath.Dir(p) {
			break
		}
		created = append(created, p)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgserver: create %s: %w", dir, err)
	}
	if cred == nil {
		return nil
	}
	for _, p := range created[min(1, len(created)):] {
		if err := os.Chmod(p, 0o711); err != nil {
			return fmt.Errorf("pgserver: make %s searchable for the server user: %w", p, err)
		}
	}
	// The server user must own the data directory and be able to reach it.
	if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("pgserver: chown %s: %w", dir, err)
	}
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		if !searchableBy(p, cred) {
			return fmt.Errorf("pgserver: the %s user (uid %d) cannot reach %s: %s is not searchable by it, and ponte "+
				"changes no folder it did not create; choose a data directory elsewhere (e.g. under /var/tmp)", superuser, cred.Uid, dir, p)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// searchableBy reports whether the user of cred may enter the folder p.
func searchableBy(p string, cred *syscall.Credential) bool {
	fi, err := os.Stat(p)
	if err != nil {
		return false
	}
	perm := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case ok && st.Uid == cred.Uid:
		return perm&0o100 != 0
	case ok && st.Gid == cred.Gid:
		return perm&0o010 != 0
	}
	return perm&0o001 != 0
}

func initialised(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	return err == nil
}

// stopStale stops a server a previous run left behind in the same data directory (for
// example after the hub was killed with SIGKILL), so the directory can be reused.
func stopStale(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return
	}
	// The pid may have been reused by an unrelated process: only stop a postgres.
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err != nil || !strings.Contains(string(cmdline), "postgres") {
		return
	}
	p, err := os.FindProcess(pid)
	if err != nil || p.Signal(syscall.Signal(0)) != nil {
		return
	}
	_ = p.Signal(syscall.SIGINT)
	for i := 0; i < 300 && p.Signal(syscall.Signal(0)) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
