package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// TestServer lists what was pushed through go-containerregistry's client,
// page by page, and checks that wrong credentials are refused.
func TestServer(t *testing.T) {
	var tags []string
	for i := 0; i < 25; i++ {
		tags = append(tags, fmt.Sprintf("v1.0.%d", i))
	}
	want := append([]string{}, tags...)
	sort.Strings(want)
	tests := map[string]struct {
		opts       Options
		auth       authn.Authenticator
		clientPage int
		wantPages  int64
		wantStatus int // 0: success
	}{
		"anonymous, one page":       {wantPages: 1},
		"server pages of 10":        {opts: Options{PageSize: 10}, wantPages: 3},
		"client pages of 7":         {clientPage: 7, wantPages: 4},
		"client asks more than cap": {opts: Options{PageSize: 5}, clientPage: 100, wantPages: 5},
		"exact last page":           {opts: Options{PageSize: 25}, wantPages: 1},
		"basic auth":                {opts: Options{Username: "ci", Password: "pw", PageSize: 10}, auth: &authn.Basic{Username: "ci", Password: "pw"}, wantPages: 3},
		"wrong password":            {opts: Options{Username: "ci", Password: "pw"}, auth: &authn.Basic{Username: "ci", Password: "nope"}, wantStatus: http.StatusUnauthorized},
		"no credentials":            {opts: Options{Username: "ci", Password: "pw"}, wantStatus: http.StatusUnauthorized},
	}
	for name_, tc := range tests {
		t.Run(name_, func(t *testing.T) {
			srv := Start(t, tc.opts)
			srv.MustPush(t, "team/app", tags...)
			before := srv.TagListRequests()
			repo, err := name.NewRepository(srv.Repository("team/app"))
			if err != nil {
				t.Fatal(err)
			}
			opts := []remote.Option{remote.WithContext(context.Background())}
			if tc.auth != nil {
				opts = append(opts, remote.WithAuth(tc.auth))
			}
			if tc.clientPage > 0 {
				opts = append(opts, remote.WithPageSize(tc.clientPage))
			}
			got, err := remote.List(repo, opts...)
			if tc.wantStatus != 0 {
				var terr *transport.Error
				if !errors.As(err, &terr) || terr.StatusCode != tc.wantStatus {
					t.Fatalf("List error = %v, want status %d", err, tc.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			if pages := srv.TagListRequests() - before; pages != tc.wantPages {
				t.Errorf("served %d tag list pages, want %d", pages, tc.wantPages)
			}
		})
	}
}

func TestUnknownRepository(t *testing.T) {
	srv := Start(t, Options{})
	repo, err := name.NewRepository(srv.Repository("missing"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = remote.List(repo)
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
		t.Fatalf("List error = %v, want status 404", err)
	}
}

// A failing registry answers 500, a hanging one holds the request until it
// is healthy again (or the client gives up), then serves it.
func TestSetFault(t *testing.T) {
	srv := Start(t, Options{})
	srv.MustPush(t, "app", "v1")
	repo, err := name.NewRepository(srv.Repository("app"))
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFault(Error500)
	_, err = remote.List(repo)
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusInternalServerError {
		t.Fatalf("List while failing = %v, want status 500", err)
	}

	srv.SetFault(Hang)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := remote.List(repo, remote.WithContext(ctx)); err == nil {
		t.Fatal("List while hanging answered before the client gave up")
	}
	done := make(chan error, 1)
	go func() {
		tags, err := remote.List(repo)
		if err == nil && len(tags) != 1 {
			err = fmt.Errorf("tags %v", tags)
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("List answered while hanging: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	srv.SetFault(Healthy)
	if err := <-done; err != nil {
		t.Errorf("the held List, once healthy: %v", err)
	}
}
