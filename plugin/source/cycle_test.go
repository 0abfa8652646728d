package source

import (
	"errors"
	"testing"

	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

func TestCheckCycle(t *testing.T) {
	decl := func(name, path string) Declaration {
		return Declaration{Name: name, URL: "http://git.example/config.git", Ref: gitrepo.Ref{Branch: "main"}, Path: path}
	}
	root, apps, team := decl("root", "./platform"), decl("apps/apps", "./apps"), decl("team/src", "teams/a")
	tests := []struct {
		name  string
		chain []Declaration
		next  Declaration
		want  string // "" for no cycle
	}{
		{"a new source", []Declaration{root}, apps, ""},
		{"no chain", nil, root, ""},
		{"itself", []Declaration{root}, decl("self", "platform/"), `source self: source cycle: root -> self`},
		{"an ancestor", []Declaration{root, apps, team}, decl("back", "apps"), `source back: source cycle: apps/apps -> team/src -> back`},
		{"same path, other ref", []Declaration{root}, Declaration{Name: "x", URL: root.URL, Ref: gitrepo.Ref{Tag: "main"}, Path: root.Path}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCycle(tt.chain, tt.next)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckCycle: %v, want none", err)
			case tt.want != "" && (!errors.Is(err, ErrCycle) || err.Error() != tt.want):
				t.Errorf("CheckCycle: %v, want ErrCycle: %s", err, tt.want)
			}
		})
	}
}
