package reconcile

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

func TestRepoMessage(t *testing.T) {
	tests := map[string]struct {
		r    *framework.Result
		dir  string
		want string
	}{
		"file named from the root": {&framework.Result{Message: "app.yaml: Application a/b: bad\n", File: &framework.File{Path: "app.yaml"}}, "apps", "apps/app.yaml: Application a/b: bad"},
		"root dir":                 {&framework.Result{Message: "app.yaml: x", File: &framework.File{Path: "app.yaml"}}, "", "app.yaml: x"},
		"no file":                  {&framework.Result{Message: "function config: y"}, "apps", "function config: y"},
		"message without the file": {&framework.Result{Message: "other: z", File: &framework.File{Path: "app.yaml"}}, "apps", "other: z"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := repoMessage(tc.r, tc.dir); got != tc.want {
				t.Errorf("repoMessage = %q, want %q", got, tc.want)
			}
		})
	}
}
