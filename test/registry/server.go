package registry

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Options configures New. The zero value serves without auth and returns
// each tag list in one page unless the client asks for pages.
type Options struct {
	// Username and Password, when either is set, are required as HTTP
	// basic auth on every request. Default: none.
	Username string
	Password string
	// PageSize caps the tags returned by one tag list request (also when
	// the client asks for more); the response links to the next page.
	// Default 0: no cap, only the client's `n`.
	PageSize int
}

// Server is a running registry. Its methods are safe to call from several
// goroutines once New has returned.
type Server struct {
	opts  Options
	http  *httptest.Server
	inner http.Handler
	// tagPages counts tag list requests served, for tests of pagination.
	tagPages atomic.Int64
	// held counts the requests the Hang fault holds now.
	held atomic.Int64
	// fault is how the server misbehaves (SetFault); healed is closed
	// when it stops.
	mu     sync.Mutex
	fault  Fault
	healed chan struct{}
}

// Fault is how the registry misbehaves, for tests of what clients do then.
type Fault int

const (
	// Healthy serves the distribution API.
	Healthy Fault = iota
	// Error500 answers every request 500 Internal Server Error.
	Error500
	// Hang holds every request, answering it only once the fault ends
	// (or the client gives up).
	Hang
)

// SetFault makes the registry misbehave as f until the next SetFault.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.healed == nil {
		s.healed = make(chan struct{})
	}
	if f == Healthy && s.fault != Healthy {
		close(s.healed)
		s.healed = make(chan struct{})
	}
	s.fault = f
}

// misbehave answers r as the fault says; false when it is healthy.
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f, healed := s.fault, s.healed
	s.mu.Unlock()
	switch f {
	case Error500:
		writeError(w, http.StatusInternalServerError, "UNKNOWN", "registry failing for the test")
		return true
	case Hang:
		s.held.Add(1)
		defer s.held.Add(-1)
		select {
		case <-healed:
		case <-r.Context().Done():
			return true
		}
	}
	return false
}

// New starts a registry on a free 127.0.0.1 port.
func New(opts Options) (*Server, error) {
	if opts.PageSize < 0 {
		return nil, fmt.Errorf("registry: PageSize %d is negative", opts.PageSize)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("registry: listen: %w", err)
	}
	s := &Server{opts: opts, inner: ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))}
	s.http = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.handler()}}
	s.http.Start()
	return s, nil
}

// Addr returns the registry's host:port, the first part of image names.
func (s *Server) Addr() string { return s.http.Listener.Addr().String() }

// Repository returns the image name of repository repo on this registry,
// e.g. 127.0.0.1:PORT/testapp.
func (s *Server) Repository(repo string) string { return s.Addr() + "/" + repo }

// Held returns how many requests the Hang fault is holding now.
func (s *Server) Held() int64 { return s.held.Load() }

// TagListRequests returns how many tag list pages the server has served.
func (s *Server) TagListRequests() int64 { return s.tagPages.Load() }

// Close stops the server.
func (s *Server) Close() error {
	s.http.Close()
	return nil
}

func (s *Server) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.misbehave(w, r) {
			return
		}
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
			return
		}
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v2/") && strings.HasSuffix(r.URL.Path, "/tags/list") {
			s.tags(w, r)
			return
		}
		s.inner.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Username == "" && s.opts.Password == "" {
		return true
	}
	u, p, ok := r.BasicAuth()
	return ok && equal(u, s.opts.Username) && equal(p, s.opts.Password)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// writeError writes an error in the distribution API's JSON form.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// tagList is the body of a tag list response.
type tagList struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// tags serves one page of a tag list: the tags after `last`, at most `n`
// (capped by PageSize), with a Link to the next page when more follow.
// pkg/registry cuts pages itself but sets no Link, and returns every tag
// when none follows `last`; so it is asked for one tag more than the page
// and its answer is checked and cut here.
func (s *Server) tags(w http.ResponseWriter, r *http.Request) {
	s.tagPages.Add(1)
	q := r.URL.Query()
	n := 0
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "PAGINATION_NUMBER_INVALID", fmt.Sprintf("n=%q is not a count", v))
			return
		}
	}
	if s.opts.PageSize > 0 && (n == 0 || n > s.opts.PageSize) {
		n = s.opts.PageSize
	}
	last := q.Get("last")
	inner := url.Values{}
	if last != "" {
		inner.Set("last", last)
	}
	if n > 0 {
		inner.Set("n", strconv.Itoa(n+1))
	}
	req := r.Clone(r.Context())
	req.URL = &url.URL{Path: r.URL.Path, RawQuery: inner.Encode()}
	req.RequestURI = ""
	rec := httptest.NewRecorder()
	s.inner.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	var list tagList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", "tag list: "+err.Error())
		return
	}
	tags := list.Tags
	if last != "" {
		i := 0
		for i < len(tags) && tags[i] <= last {
			i++
		}
		tags = tags[i:]
	}
	if n > 0 && len(tags) > n {
		tags = tags[:n]
		next := url.Values{"n": {strconv.Itoa(n)}, "last": {tags[n-1]}}
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, next.Encode()))
	}
	body, err := json.Marshal(tagList{Name: list.Name, Tags: append([]string{}, tags...)})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// Push writes a small random image to repository repo and tags it with
// each tag, using the server's credentials.
func (s *Server) Push(ctx context.Context, repo string, tags ...string) error {
	if len(tags) == 0 {
		return errors.New("registry: Push needs at least one tag")
	}
	img, err := random.Image(64, 1)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	auth := authn.Anonymous
	if s.opts.Username != "" || s.opts.Password != "" {
		auth = &authn.Basic{Username: s.opts.Username, Password: s.opts.Password}
	}
	pusher, err := remote.NewPusher(remote.WithAuth(auth), remote.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	for _, tag := range tags {
		ref, err := name.NewTag(s.Repository(repo) + ":" + tag)
		if err != nil {
			return fmt.Errorf("registry: tag %q: %w", tag, err)
		}
		if err := pusher.Push(ctx, ref, img); err != nil {
			return fmt.Errorf("registry: push %s: %w", ref, err)
		}
	}
	return nil
}
