package source

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRepoPath(t *testing.T) {
	tests := map[string]struct {
		path    string
		want    string
		wantErr string
	}{
		"empty":                 {},
		"dot":                   {path: ".", want: ""},
		"dot slash":             {path: "./apps", want: "apps"},
		"trailing slash":        {path: "apps/", want: "apps"},
		"nested":                {path: "clusters/prod", want: "clusters/prod"},
		"dot dot inside":        {path: "apps/../infra", want: "infra"},
		"name starting dot dot": {path: "..apps", want: "..apps"},
		"parent":                {path: "..", wantErr: "path .. leaves the repository"},
		"parent dir":            {path: "../x", wantErr: "path ../x leaves the repository"},
		"dot parent dir":        {path: "./../x", wantErr: "path ./../x leaves the repository"},
		"climbs out midway":     {path: "apps/../../x", wantErr: "path apps/../../x leaves the repository"},
		"rooted parent":         {path: "/../..", wantErr: "path /../.. leaves the repository: it is absolute"},
		"absolute":              {path: "/etc", wantErr: "path /etc leaves the repository: it is absolute"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := RepoPath(tc.path)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrOutsideRepository) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("RepoPath(%q) error = %v, want ErrOutsideRepository with %q", tc.path, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("RepoPath(%q) (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}
