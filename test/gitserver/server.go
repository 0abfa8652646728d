package gitserver

import (
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// ErrNoHTTPBackend means the installed git has no git-http-backend program.
var ErrNoHTTPBackend = errors.New("git-http-backend not found under `git --exec-path`; install git (Debian: apt-get install git)")

// Options configures New. The zero value serves plain HTTP with no auth from
// a new temporary directory.
type Options struct {
	// Root holds the bare repositories, one <name>.git each. Default: a new
	// directory under os.TempDir(), removed by Close.
	Root string
	// Username and Password, when either is set, are required as HTTP basic
	// auth on every request. Default: none.
	Username string
	Password string
	// BearerToken, when set, is accepted as `Authorization: Bearer <token>`
	// (alone, or besides basic auth when Username/Password are set).
	// Default: none.
	BearerToken string
	// TLS serves HTTPS with a certificate made for 127.0.0.1; CACert returns
	// the certificate to trust. Default false: plain HTTP.
	TLS bool
}

// Server is a running Git HTTP server. Its methods are safe to call from
// several goroutines once New has returned.
type Server struct {
	fault atomic.Int32
	// fetches counts ref advertisements served: one per fetch or push.
	fetches atomic.Int64
	opts    Options
	root    string
	ownRoot bool
	http    *httptest.Server
	caPEM   []byte
}

// New starts a server on a free 127.0.0.1 port.
func New(opts Options) (*Server, error) {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return nil, fmt.Errorf("gitserver: git --exec-path: %w", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		return nil, ErrNoHTTPBackend
	}
	s := &Server{opts: opts, root: opts.Root}
	if s.root == "" {
		if s.root, err = os.MkdirTemp("", "gitserver-"); err != nil {
			return nil, fmt.Errorf("gitserver: %w", err)
		}
		s.ownRoot = true
	} else if err := os.MkdirAll(s.root, 0o755); err != nil {
		return nil, fmt.Errorf("gitserver: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gitserver: listen: %w", err)
	}
	s.http = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.handler(backend)}}
	if opts.TLS {
		cert, ca, err := newCertificate()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.caPEM = ca
		s.http.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.http.StartTLS()
	} else {
		s.http.Start()
	}
	return s, nil
}

// handler serves git-http-backend for authorized requests.
func (s *Server) handler(backend string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/info/refs") {
			s.fetches.Add(1)
		}
		switch Fault(s.fault.Load()) {
		case Down:
			http.Error(w, "git server down for the test", http.StatusServiceUnavailable)
			return
		case Garbage:
			w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
			_, _ = w.Write([]byte("0042this is not a pkt-line stream\x00\xff\xfe garbage from a broken proxy\n"))
			return
		}
		user, ok := s.authorize(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="gitserver"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h := &cgi.Handler{
			Path: backend,
			Root: "/",
			Env: []string{
				"GIT_PROJECT_ROOT=" + s.root,
				"GIT_HTTP_EXPORT_ALL=1",
				// REMOTE_USER enables receive-pack (push) in http-backend.
				"REMOTE_USER=" + user,
				"GIT_CONFIG_NOSYSTEM=1",
				"HOME=" + s.root,
			},
		}
		h.ServeHTTP(w, r)
	})
}

// Fault is how the server misbehaves, for tests of what clients do then.
type Fault int32

const (
	// Healthy serves Git.
	Healthy Fault = iota
	// Down answers every request 503 Service Unavailable.
	Down
	// Garbage answers every request 200 with bytes that are not Git's.
	Garbage
)

// Fetches returns how many ref advertisements the server has served over
// HTTP: one per fetch or push a client made.
func (s *Server) Fetches() int64 { return s.fetches.Load() }

// SetFault makes the server misbehave as f until the next SetFault.
func (s *Server) SetFault(f Fault) { s.fault.Store(int32(f)) }

// authorize checks the request's credentials against Options and returns the
// user name to report to git.
func (s *Server) authorize(r *http.Request) (string, bool) {
	basic := s.opts.Username != "" || s.opts.Password != ""
	if !basic && s.opts.BearerToken == "" {
		return "anonymous", true
	}
	if u, p, ok := r.BasicAuth(); ok && basic {
		if equal(u, s.opts.Username) && equal(p, s.opts.Password) {
			return u, true
		}
		return "", false
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.opts.BearerToken != "" {
		return "token", equal(tok, s.opts.BearerToken)
	}
	return "", false
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// URL returns the HTTP(S) URL of repository name, without credentials.
func (s *Server) URL(name string) string { return s.http.URL + "/" + name + ".git" }

// FileURL returns the file:// URL of repository name.
func (s *Server) FileURL(name string) string { return "file://" + s.BarePath(name) }

// BarePath returns the directory of repository name's bare repository.
func (s *Server) BarePath(name string) string { return filepath.Join(s.root, name+".git") }

// Root returns the directory holding the bare repositories.
func (s *Server) Root() string { return s.root }

// Addr returns the server's host:port.
func (s *Server) Addr() string { return s.http.Listener.Addr().String() }

// CACert returns the PEM certificate a client must trust for a TLS server,
// or nil for plain HTTP.
func (s *Server) CACert() []byte { return s.caPEM }

// Close stops the server and removes Root if New created it.
func (s *Server) Close() error {
	s.http.Close()
	if s.ownRoot {
		return os.RemoveAll(s.root)
	}
	return nil
}
