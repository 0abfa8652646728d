package imageauto

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	repoV1   = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: app, namespace: flux-system}\nspec: {image: ghcr.io/org/app, secretRef: {name: regcred}, exclusionList: ['^dev-']}\n"
	policyV1 = "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: app, namespace: flux-system}\nspec:\n  imageRepositoryRef: {name: app}\n  policy: {semver: {range: '1.x'}}\n"
	autoV1   = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\nmetadata: {name: auto, namespace: flux-system}\n" +
		"spec:\n  git:\n    push: {branch: updates}\n    commit: {author: {email: bot@example.com}, messageTemplate: 'x'}\n  update: {path: ./apps, strategy: Setters}\n"
)

func TestDiscover(t *testing.T) {
	type summary struct {
		Policies   []string // "id image exclusions secret origin"
		Automation string   // "file ref push path"
		Notes      []string
	}
	tests := map[string]struct {
		files   map[string]string
		dir     string
		want    summary
		wantErr string
	}{
		"policy and repository in two files": {
			files: map[string]string{"flux/repo.yaml": repoV1, "flux/policy.yaml": policyV1, "flux/auto.yml": autoV1,
				"apps/app.yaml": "kind: ConfigMap\n"},
			want: summary{
				Policies:   []string{"flux-system:app ghcr.io/org/app [^dev-] regcred flux/policy.yaml: ImagePolicy flux-system/app"},
				Automation: "flux/auto.yml ImageUpdateAutomation flux-system/auto updates ./apps",
			},
		},
		"only under the source path": {
			files: map[string]string{"other/policy.yaml": policyV1, "other/repo.yaml": repoV1, "apps/app.yaml": "kind: ConfigMap\n"},
			dir:   "apps",
		},
		"file that is not YAML": {
			files: map[string]string{"flux/bad.yaml": "apiVersion: image.toolkit.fluxcd.io/v1\nkind: [\n"},
			want:  summary{Notes: []string{"flux/bad.yaml: not YAML: yaml: line 2: did not find expected node content; skipped"}},
		},
		"policy selector noted": {
			files: map[string]string{"a.yaml": autoV1 + "  policySelector: {matchLabels: {a: b}}\n"},
			want: summary{Automation: "a.yaml ImageUpdateAutomation flux-system/auto updates ./apps",
				Notes: []string{"a.yaml: ImageUpdateAutomation flux-system/auto: spec.policySelector is not supported; every policy of the source applies"}},
		},
		"repository missing": {
			files:   map[string]string{"policy.yaml": policyV1},
			wantErr: "policy.yaml: ImagePolicy flux-system/app: spec.imageRepositoryRef: ImageRepository flux-system/app is not in the source",
		},
		"two automations": {
			files:   map[string]string{"a.yaml": autoV1, "b.yaml": strings.Replace(autoV1, "name: auto", "name: other", 1)},
			wantErr: "2 ImageUpdateAutomations in one source (a.yaml: ImageUpdateAutomation flux-system/auto; b.yaml: ImageUpdateAutomation flux-system/other)",
		},
		"unsupported strategy": {
			files:   map[string]string{"a.yaml": strings.Replace(autoV1, "strategy: Setters", "strategy: Regex", 1)},
			wantErr: `a.yaml: ImageUpdateAutomation flux-system/auto: spec.update.strategy: "Regex" is not supported: use Setters`,
		},
		"update path out of the repository": {
			files:   map[string]string{"a.yaml": strings.Replace(autoV1, "path: ./apps", "path: ../../etc", 1)},
			wantErr: "a.yaml: ImageUpdateAutomation flux-system/auto: spec.update.path: path ../../etc leaves the repository",
		},
		"old api version": {
			files:   map[string]string{"p.yaml": strings.Replace(policyV1, "v1beta2", "v1beta1", 1)},
			wantErr: "p.yaml: ImagePolicy flux-system/app: apiVersion image.toolkit.fluxcd.io/v1beta1 is not supported",
		},
		"unknown kind": {
			files:   map[string]string{"p.yaml": "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageThing\nmetadata: {name: x}\n"},
			wantErr: "p.yaml: ImageThing default/x: kind ImageThing is not one of ImageRepository, ImagePolicy, ImageUpdateAutomation",
		},
		"bad policy field": {
			files:   map[string]string{"r.yaml": repoV1, "p.yaml": strings.Replace(policyV1, "range: '1.x'", "range: [1]", 1)},
			wantErr: "p.yaml: ImagePolicy flux-system/app: spec: yaml: unmarshal errors",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := discover(writeTree(t, tc.files), tc.dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := summary{Notes: f.notes}
			for _, p := range f.policies {
				id := p.Namespace + ":" + p.Name
				got.Policies = append(got.Policies, strings.Join([]string{id, p.Image, "[" + strings.Join(p.Spec.ExclusionList, ",") + "]", f.secrets[id], origin(p)}, " "))
			}
			if a := f.automation; a != nil {
				got.Automation = strings.Join([]string{a.File, a.Ref(), a.Spec.Git.Push.Branch, a.Spec.Update.Path}, " ")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRepoPath(t *testing.T) {
	for in, want := range map[string]string{"": "", ".": "", "./apps": "apps", "apps/../base/": "base", "a//b": "a/b"} {
		got, err := source.RepoPath(in)
		if err != nil || got != want {
			t.Errorf("source.RepoPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"..", "../x", "a/../../x", "/etc"} {
		if _, err := source.RepoPath(in); !errors.Is(err, source.ErrOutsideRepository) {
			t.Errorf("source.RepoPath(%q) error = %v, want source.ErrOutsideRepository", in, err)
		}
	}
}

// An update path that is a symlink out of the checkout is refused.
func TestUpdateDirSymlink(t *testing.T) {
	root := writeTree(t, map[string]string{"apps/a.yaml": "a: 1\n"})
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if _, err := updateDir(root, "escape"); !errors.Is(err, source.ErrOutsideRepository) {
		t.Errorf("updateDir(escape) error = %v, want source.ErrOutsideRepository", err)
	}
	if _, err := updateDir(root, "apps"); err != nil {
		t.Errorf("updateDir(apps): %v", err)
	}
	if _, err := updateDir(root, "missing"); err == nil || !strings.Contains(err.Error(), "update path ./missing: not in the repository") {
		t.Errorf("updateDir(missing) error = %v", err)
	}
}
