package main_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
)

func TestImageSelect(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "tags.txt", "master-9f1c2ab-1700000000\nfeature-x\nmaster-aaaaaaa-1700000500\n\nmaster-bbbbbbb-1700000100\n")
	write(t, dir, "flux.yaml", `apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: app, namespace: flux-system}
spec: {image: ghcr.io/org/app, exclusionList: ["^master-aaaaaaa"]}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: app, namespace: flux-system}
spec:
  imageRepositoryRef: {name: app}
  filterTags: {pattern: '^master-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts'}
  policy: {numerical: {order: asc}}
`)
	write(t, dir, "bad-range.yaml", "policy: {semver: {range: '1.x.y.z'}}\n")
	write(t, dir, "not-numbers.yaml", "policy: {numerical: {}}\n")
	tags := filepath.Join(dir, "tags.txt")
	tests := map[string]struct {
		args     []string
		want     string
		wantCode int
		wantErr  string
	}{
		"seed Application": {
			args: []string{"--policy", "../testdata/seed-repo/clusters/apps.yaml", "--tags", tags},
			want: "master-aaaaaaa-1700000500\n",
		},
		"flux objects with exclusion list": {
			args: []string{"--policy", filepath.Join(dir, "flux.yaml"), "--tags", tags},
			want: "master-bbbbbbb-1700000100\n",
		},
		"invalid range": {
			args: []string{"--policy", filepath.Join(dir, "bad-range.yaml"), "--tags", tags}, wantCode: 1,
			wantErr: `bad-range.yaml: imageRepository block: policy.semver.range: invalid range "1.x.y.z"`,
		},
		"not numbers": {
			args: []string{"--policy", filepath.Join(dir, "not-numbers.yaml"), "--tags", tags}, wantCode: 1,
			wantErr: `imageRepository block: policy.numerical: tag "master-9f1c2ab-1700000000": not a number`,
		},
		"no tags file": {
			args: []string{"--policy", filepath.Join(dir, "flux.yaml")}, wantCode: 1,
			wantErr: "--tags is required",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := run(t, "kubectl-gitops", append([]string{"image", "select"}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestImageSetSeedRepo(t *testing.T) {
	root := t.TempDir()
	testbin.CopyTree(t, "../testdata/seed-repo", root)
	before := testbin.ReadTree(t, root)
	out, errOut, code := run(t, "kubectl-gitops", "image", "set", "--dir", root,
		"--policy", "default:apps=127.0.0.1:5000/testapp:master-aaaaaaa-1700000500", "--policy", "other:x=r/x:1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOut := "apps/my-app.yaml:13: spec.components[0].properties.image: 127.0.0.1:5000/testapp:master-9f1c2ab-1700000000 -> 127.0.0.1:5000/testapp:master-aaaaaaa-1700000500\n"
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	after := testbin.ReadTree(t, root)
	want := before["apps/my-app.yaml"]
	want = strings.Replace(want, "master-9f1c2ab-1700000000 #", "master-aaaaaaa-1700000500 #", 1)
	before["apps/my-app.yaml"] = want
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
	// a second run changes nothing
	out, _, code = run(t, "kubectl-gitops", "image", "set", "--dir", root, "--policy", "default:apps=127.0.0.1:5000/testapp:master-aaaaaaa-1700000500")
	if code != 0 || out != "" {
		t.Errorf("second run: exit %d, stdout %q", code, out)
	}
}

func TestImageSetBadInput(t *testing.T) {
	root := t.TempDir()
	write(t, root, "bad.yaml", "a: [\n# {\"$imagepolicy\": \"default:apps\"}\n")
	write(t, root, "unknown.yaml", "image: x # {\"$imagepolicy\": \"default:other\"}\n")
	_, errOut, code := run(t, "kubectl-gitops", "image", "set", "--dir", root, "--policy", "default:apps=r/app:1", "-v")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"warning: bad.yaml: not YAML: yaml: line 2: did not find expected node content; skipped",
		"debug: unknown.yaml:1: document 1: image: marker names policy default:other, which is not given; left alone",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, code = run(t, "kubectl-gitops", "image", "set", "--dir", root, "--policy", "default:apps=r/app")
	if code == 0 || !strings.Contains(errOut, "expected IMAGE:TAG after =") {
		t.Errorf("bad --policy: exit %d, stderr %q", code, errOut)
	}
}
