package sshserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is the OpenSSH daemon the server runs by default (Debian's
// openssh-server). sshd re-executes itself, so the path is absolute.
const SSHD = "/usr/sbin/sshd"

// privsepDir is the directory Debian's sshd requires when started as root.
const privsepDir = "/run/sshd"

// ErrNoSSHD means the OpenSSH daemon is not installed.
var ErrNoSSHD = errors.New("sshserver: sshd is not installed")

// Options configures New. The zero value serves a new, empty directory.
type Options struct {
	// Root holds the bare repositories (<name>.git), typically a
	// gitserver's Root(). Default: a new temporary directory, removed by
	// Close.
	Root string
	// StartTimeout bounds the wait for sshd to listen. Default: 10 seconds.
	StartTimeout time.Duration
	// SSHD is the daemon's absolute path. Default: SSHD.
	SSHD string
}

// Server is a running sshd. Its methods are safe to call from several
// goroutines once New has returned.
type Server struct {
	sshd     string
	root     string
	dir      string // config, keys, pid file, authorized_keys; Root too by default
	user     string
	port     int
	hostKeys []Key
	keyFiles []string // the host keys' private halves
	client   Key
	cmd      *exec.Cmd
	done     chan struct{} // closed when sshd has exited
	waitErr  error

	mu  sync.Mutex
	log bytes.Buffer // sshd's stderr
}

// New starts sshd on a free 127.0.0.1 port.
func New(opts Options) (*Server, error) {
	if opts.SSHD == "" {
		opts.SSHD = SSHD
	}
	if _, err := os.Stat(opts.SSHD); err != nil {
		return nil, fmt.Errorf("%w: %s not found; run `make tools` (it installs Debian's openssh-server)", ErrNoSSHD, opts.SSHD)
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 10 * time.Second
	}
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("sshserver: current user: %w", err)
	}
	if os.Geteuid() == 0 {
		if err := os.MkdirAll(privsepDir, 0o755); err != nil {
			return nil, fmt.Errorf("sshserver: sshd's privilege separation directory: %w", err)
		}
	}
	s := &Server{root: opts.Root, user: u.Username, sshd: opts.SSHD}
	if s.dir, err = os.MkdirTemp("", "sshserver-"); err != nil {
		return nil, fmt.Errorf("sshserver: %w", err)
	}
	if s.root == "" {
		s.root = filepath.Join(s.dir, "repos")
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		s.removeDir()
		return nil, fmt.Errorf("sshserver: %w", err)
	}
	if err := s.writeKeys(); err != nil {
		s.removeDir()
		return nil, err
	}
	// Another process may take the free port between its choice and
	// sshd's bind; then try another.
	for attempt := 0; ; attempt++ {
		err = s.start(opts.StartTimeout)
		if err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "Address already in use") || attempt == 4 {
			s.removeDir()
			return nil, err
		}
	}
}

// writeKeys makes the host keys and the client key and writes them.
func (s *Server) writeKeys() error {
	for _, kt := range []KeyType{Ed25519, ECDSAP256} {
		k, err := GenerateKey(kt)
		if err != nil {
			return err
		}
		file := filepath.Join(s.dir, "ssh_host_"+string(kt)+"_key")
		if err := k.writePrivate(file); err != nil {
			return err
		}
		s.hostKeys = append(s.hostKeys, k)
		s.keyFiles = append(s.keyFiles, file)
	}
	var err error
	if s.client, err = GenerateKey(Ed25519); err != nil {
		return err
	}
	// restrict: no forwarding, no pty; commands (git's) still run.
	line := "restrict " + string(ssh.MarshalAuthorizedKey(s.client.Public))
	if err := os.WriteFile(filepath.Join(s.dir, "authorized_keys"), []byte(line), 0o600); err != nil {
		return fmt.Errorf("sshserver: %w", err)
	}
	return nil
}

// config is sshd_config for port.
func (s *Server) config(port int, penalties bool) string {
	lines := []string{
		"Port " + strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"PidFile " + filepath.Join(s.dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(s.dir, "authorized_keys"),
		"AllowUsers " + s.user,
		"PermitRootLogin prohibit-password",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		"StrictModes no",
		"UseDNS no",
		"PrintMotd no",
		"LogLevel VERBOSE",
	}
	for _, f := range s.keyFiles {
		lines = append(lines, "HostKey "+f)
	}
	if penalties {
		// OpenSSH 9.8+ would otherwise refuse 127.0.0.1 for a while after
		// a test's failed login.
		lines = append(lines, "PerSourcePenalties no")
	}
	return strings.Join(lines, "\n") + "\n"
}

// start writes the config for a free port and runs sshd until it listens.
func (s *Server) start(timeout time.Duration) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cfg := filepath.Join(s.dir, "sshd_config")
	penalties := true
	for {
		if err := os.WriteFile(cfg, []byte(s.config(port, penalties)), 0o600); err != nil {
			return fmt.Errorf("sshserver: %w", err)
		}
		out, err := exec.Command(s.sshd, "-t", "-f", cfg).CombinedOutput()
		if err == nil {
			break
		}
		if penalties && bytes.Contains(out, []byte("PerSourcePenalties")) {
			penalties = false // an sshd older than 9.8
			continue
		}
		return fmt.Errorf("sshserver: %s -t: %w: %s", s.sshd, err, strings.TrimSpace(string(out)))
	}

	cmd := exec.Command(s.sshd, "-D", "-e", "-f", cfg)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("sshserver: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sshserver: %s: %w", s.sshd, err)
	}
	s.cmd, s.port, s.done = cmd, port, make(chan struct{})
	s.mu.Lock()
	s.log.Reset()
	s.mu.Unlock()
	ready := make(chan struct{})
	go s.readLog(stderr, "Server listening on 127.0.0.1 port "+strconv.Itoa(port), ready)
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	select {
	case <-ready:
		return nil
	case <-s.done:
		return fmt.Errorf("sshserver: %s exited before listening (%v): %s", s.sshd, s.waitErr, strings.TrimSpace(s.Logs()))
	case <-time.After(timeout):
		s.stop()
		return fmt.Errorf("sshserver: %s did not listen on port %d within %s: %s", s.sshd, port, timeout, strings.TrimSpace(s.Logs()))
	}
}

// readLog copies sshd's stderr into the log and closes ready at the line
// saying it listens.
func (s *Server) readLog(r io.Reader, readyLine string, ready chan struct{}) {
	sc := bufio.NewScanner(r)
	signalled := false
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.log.WriteString(line + "\n")
		s.mu.Unlock()
		if !signalled && strings.Contains(line, readyLine) {
			close(ready)
			signalled = true
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("sshserver: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("sshserver: %w", err)
	}
	return port, nil
}

// URL returns the ssh:// URL of repository name under Root.
func (s *Server) URL(name string) string { return s.PathURL(s.BarePath(name)) }

// PathURL returns the ssh:// URL of the repository at absolute path dir.
func (s *Server) PathURL(dir string) string {
	return "ssh://" + s.user + "@" + s.Addr() + filepath.ToSlash(dir)
}

// BarePath returns the directory of repository name.
func (s *Server) BarePath(name string) string { return filepath.Join(s.root, name+".git") }

// Root returns the directory holding the repositories.
func (s *Server) Root() string { return s.root }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// User returns the user Git logs in as: the current user.
func (s *Server) User() string { return s.user }

// Identity returns the authorized client's private key (OpenSSH PEM).
func (s *Server) Identity() []byte { return bytes.Clone(s.client.PrivatePEM) }

// ClientKey returns the authorized client's public key.
func (s *Server) ClientKey() ssh.PublicKey { return s.client.Public }

// HostKeys returns the server's public host keys.
func (s *Server) HostKeys() []ssh.PublicKey {
	keys := make([]ssh.PublicKey, len(s.hostKeys))
	for i, k := range s.hostKeys {
		keys[i] = k.Public
	}
	return keys
}

// KnownHosts returns known_hosts lines for this server's address: one per
// key given, or one per host key when none is given.
func (s *Server) KnownHosts(keys ...ssh.PublicKey) []byte {
	if len(keys) == 0 {
		keys = s.HostKeys()
	}
	var b bytes.Buffer
	for _, k := range keys {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, k) + "\n")
	}
	return b.Bytes()
}

// Logs returns what sshd has logged so far (connections, logins, refusals).
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// stop ends sshd: SIGTERM, then SIGKILL if it lingers.
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *Server) removeDir() {
	_ = os.RemoveAll(s.dir)
}

// Close stops sshd and removes its files, and Root if New created it.
func (s *Server) Close() error {
	s.stop()
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("sshserver: %w", err)
	}
	return nil
}
