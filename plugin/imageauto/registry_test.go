package imageauto

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// Every page is read, whether the registry or the client sets the size.
func TestListTagsPages(t *testing.T) {
	var tags []string
	for i := 0; i < 250; i++ {
		tags = append(tags, fmt.Sprintf("master-%07x-%d", i, 1700000000+i))
	}
	want := append([]string{}, tags...)
	sort.Strings(want)
	kc, err := DockerConfigKeychain([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		serverPage, clientPage int
		wantPages              int64
	}{
		"registry pages of 100": {serverPage: 100, wantPages: 3},
		"client pages of 60":    {clientPage: 60, wantPages: 5},
		"one page":              {wantPages: 1},
	} {
		t.Run(name, func(t *testing.T) {
			reg := registry.Start(t, registry.Options{PageSize: tc.serverPage})
			reg.MustPush(t, "app", tags...)
			before := reg.TagListRequests()
			got, err := ListTags(context.Background(), reg.Repository("app"), kc, ListOptions{PageSize: tc.clientPage})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			if n := reg.TagListRequests() - before; n != tc.wantPages {
				t.Errorf("%d pages read, want %d", n, tc.wantPages)
			}
		})
	}
}

func TestListTagsErrors(t *testing.T) {
	reg := registry.Start(t, registry.Options{Username: "ci", Password: "right-pa55"})
	reg.MustPush(t, "app", "1.0.0")
	creds := func(password string) authn.Keychain {
		kc, err := DockerConfigKeychain([]byte(`{"auths": {"` + reg.Addr() + `": {"username": "ci", "password": "` + password + `"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		return kc
	}
	tests := map[string]struct {
		image   string
		kc      authn.Keychain
		hint    string
		wantErr error
		want    string
	}{
		"wrong password":   {image: reg.Repository("app"), kc: creds("wr0ng-pa55"), hint: "check Secret x/y", wantErr: ErrRegistryAuth, want: "authentication failed (GET http://" + reg.Addr() + "/v2/app/tags/list"},
		"anonymous":        {image: reg.Repository("app"), wantErr: ErrRegistryAuth, want: "; check the registry credentials"},
		"unknown image":    {image: reg.Repository("nope"), kc: creds("right-pa55"), wantErr: ErrImageNotFound, want: "repository not found"},
		"closed port":      {image: "127.0.0.1:1/app", wantErr: ErrRegistryUnreachable, want: "cannot reach the registry"},
		"not a repository": {image: "Bad Name", wantErr: ErrInvalidImage, want: "registry Bad Name: not an image repository name"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ListTags(context.Background(), tc.image, tc.kc, ListOptions{CredentialsHint: tc.hint})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) || (tc.hint != "" && !strings.HasSuffix(err.Error(), tc.hint)) {
				t.Errorf("error %q lacks %q (or the hint)", err, tc.want)
			}
			for _, s := range []string{"right-pa55", "wr0ng-pa55"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows a password", err)
				}
			}
		})
	}
}
