package helmrepo

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"

	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
)

// Path is the URL path the repository is served under.
const Path = "/charts"

// Options configures New. The zero value serves an empty repository
// without auth.
type Options struct {
	// Charts are chart directories to package and serve, each at the
	// version its Chart.yaml gives. Default none.
	Charts []string
	// Username and Password, when either is set, are required as HTTP
	// basic auth on every request. Default: none.
	Username string
	Password string
}

// Server is a running Helm repository. Its methods are safe to call from
// several goroutines once New has returned.
type Server struct {
	opts Options
	http *httptest.Server

	mu    sync.RWMutex
	files map[string][]byte // archive file name → .tgz
	index []byte            // index.yaml
	// requests counts the requests served (authorized or not).
	requests atomic.Int64
}

// New packages opts.Charts and starts serving them on a free 127.0.0.1
// port.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, files: map[string][]byte{}}
	for _, dir := range opts.Charts {
		if err := s.Add(dir, ""); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("helmrepo: listen: %w", err)
	}
	s.http = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(s.serve)}}
	s.http.Start()
	return s, nil
}

// URL is the repository URL, http://127.0.0.1:PORT/charts, what a helm
// component's url property names.
func (s *Server) URL() string { return s.http.URL + Path }

// Requests returns how many requests the server has answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Close stops the server.
func (s *Server) Close() error {
	s.http.Close()
	return nil
}

// Add packages the chart in dir, as version when not empty, and lists it
// in the index. A chart of the same name and version is replaced.
func (s *Server) Add(dir, version string) error {
	archive, err := Package(dir, version)
	if err != nil {
		return err
	}
	ch, err := helm.Load(archive)
	if err != nil {
		return fmt.Errorf("helmrepo: %s: %w", dir, err)
	}
	name := fmt.Sprintf("%s-%s.tgz", ch.Name(), ch.Metadata.Version)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = archive
	idx := repo.NewIndexFile()
	for file, data := range s.files {
		c, err := helm.Load(data)
		if err != nil {
			return fmt.Errorf("helmrepo: %s: %w", file, err)
		}
		sum := sha256.Sum256(data)
		// Relative URLs, as `helm repo index` writes them without --url.
		if err := idx.MustAdd(c.Metadata, file, "", hex.EncodeToString(sum[:])); err != nil {
			return fmt.Errorf("helmrepo: %s: %w", file, err)
		}
	}
	idx.SortEntries()
	if s.index, err = yaml.Marshal(idx); err != nil {
		return fmt.Errorf("helmrepo: index.yaml: %w", err)
	}
	return nil
}

// Archive returns the packaged chart the repository serves for name and
// version, nil when there is none.
func (s *Server) Archive(name, version string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.files[fmt.Sprintf("%s-%s.tgz", name, version)]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	file, ok := strings.CutPrefix(r.URL.Path, Path+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.RLock()
	var body []byte
	switch {
	case file == "index.yaml":
		body = s.index
		w.Header().Set("Content-Type", "application/x-yaml")
	case s.files[file] != nil:
		body = s.files[file]
		w.Header().Set("Content-Type", "application/gzip")
	}
	s.mu.RUnlock()
	if body == nil {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Username == "" && s.opts.Password == "" {
		return true
	}
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(s.opts.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(s.opts.Password)) == 1
}
