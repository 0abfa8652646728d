package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
)

func TestFromApplications(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    []Declaration
		wantErr string
	}{
		"seed infra": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: infra, namespace: default}
spec:
  components:
    - name: database-config
      type: kustomize
      properties:
        repoType: git
        url: http://git.example/config.git
        secretRef: git-secret
        git: {branch: main}
        path: ./infrastructure
        pullInterval: 1m30s
`,
			want: []Declaration{{Name: "infra/database-config", Namespace: "default", URL: "http://git.example/config.git",
				Ref: gitrepo.Ref{Branch: "main"}, Path: "./infrastructure", SecretRef: "git-secret", Prune: true,
				App: "infra", Component: "database-config", Interval: 90 * time.Second,
				Origin: "clusters/x.yaml: Application default/infra: spec.components[0]"}},
		},
		"no namespace, semver, prune off, other components ignored": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: apps}
spec:
  components:
    - {name: web, type: webservice, properties: {image: nginx}}
    - {name: src, type: kustomize, properties: {url: "ssh://git@h/r.git", path: apps, prune: false, git: {semver: ">=1.0.0"}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-an-app}
`,
			want: []Declaration{{Name: "apps/src", Namespace: "fallback", URL: "ssh://git@h/r.git",
				Ref: gitrepo.Ref{SemVer: ">=1.0.0"}, Path: "apps", App: "apps", Component: "src", Index: 1,
				Origin: "clusters/x.yaml: Application fallback/apps: spec.components[1]"}},
		},
		"missing url": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {path: apps}}
`,
			wantErr: "clusters/x.yaml: Application ns/a: spec.components[0].properties.url: is required",
		},
		"a service account": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: team-a}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", path: apps, serviceAccountName: team-a-deployer}}
`,
			want: []Declaration{{Name: "a/src", Namespace: "team-a", URL: "http://h/r.git", Path: "apps", Prune: true,
				ServiceAccountName: "team-a-deployer", App: "a", Component: "src",
				Origin: "clusters/x.yaml: Application team-a/a: spec.components[0]"}},
		},
		"a service account that is no name": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", serviceAccountName: "system:admin"}}
`,
			wantErr: `spec.components[0].properties.serviceAccountName: "system:admin" is not a ServiceAccount name`,
		},
		"sops decryption": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: team-a}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", path: apps, decryption: {provider: sops, secretRef: {name: sops-age}}}}
`,
			want: []Declaration{{Name: "a/src", Namespace: "team-a", URL: "http://h/r.git", Path: "apps", Prune: true,
				DecryptionSecret: "sops-age", App: "a", Component: "src",
				Origin: "clusters/x.yaml: Application team-a/a: spec.components[0]"}},
		},
		"decryption by another provider": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", decryption: {provider: vault, secretRef: {name: k}}}}
`,
			wantErr: `spec.components[0].properties.decryption.provider: "vault" is not a provider; the one supported is sops`,
		},
		"decryption Secret in another namespace": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", decryption: {provider: sops, secretRef: {name: k, namespace: team-b}}}}
`,
			wantErr: `spec.components[0].properties.decryption.secretRef.namespace: unknown field: the Secret must be in the Application's namespace`,
		},
		"decryption without a Secret": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", decryption: {provider: sops}}}
`,
			wantErr: `spec.components[0].properties.decryption.secretRef: expected {name: SECRET}`,
		},
		"bad pullInterval": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", pullInterval: soon}}
`,
			wantErr: `spec.components[0].properties.pullInterval: "soon" is not a positive duration`,
		},
		"oci": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {repoType: oci, url: "oci://r/x", path: "."}}
`,
			wantErr: `spec.components[0].properties.repoType: "oci" sources are not supported yet`,
		},
		"two refs": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: "http://h/r.git", path: ".", git: {branch: main, tag: v1}}}
`,
			wantErr: "spec.components[0].properties.git: invalid ref: set only one of branch, tag and semver",
		},
		"wrong type": {
			in: `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a, namespace: ns}
spec:
  components:
    - {name: src, type: kustomize, properties: {url: 42, path: "."}}
`,
			wantErr: "spec.components[0].properties.url: expected string, got",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			nodes, err := (&kio.ByteReader{Reader: strings.NewReader(tc.in),
				SetAnnotations: map[string]string{kioutil.PathAnnotation: "x.yaml"}}).Read()
			if err != nil {
				t.Fatal(err)
			}
			got, err := FromApplications(nodes, "fallback", "clusters")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadApplicationsSeed(t *testing.T) {
	nodes, err := ReadApplications(filepath.Join("..", "..", "testdata", "seed-repo", "clusters"))
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := FromApplications(nodes, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range srcs {
		got = append(got, s.Name+" "+s.Path+" "+s.Ref.String()+" "+s.SecretRef)
	}
	want := []string{"apps/apps ./apps branch main git-secret", "infra/database-config ./infrastructure branch main git-secret"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if _, err := ReadApplications("no/such/file.yaml"); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func TestDeclarationKeyAndInventoryName(t *testing.T) {
	a := Declaration{Name: "infra/database-config", Namespace: "default", URL: "http://h/c.git", Ref: gitrepo.Ref{Branch: "main"}, Path: "./infrastructure"}
	b := a
	b.Path = "infrastructure/"
	if a.Key() != b.Key() {
		t.Errorf("equivalent paths give different keys: %q, %q", a.Key(), b.Key())
	}
	b.Ref = gitrepo.Ref{Tag: "main"}
	if a.Key() == b.Key() {
		t.Errorf("branch and tag of the same name give one key %q", a.Key())
	}
	if got := a.InventoryName(); got != "gitops.infra.database-config" {
		t.Errorf("inventory name %q", got)
	}
	odd := Declaration{Name: "Config_Repo/apps dir", Namespace: "ns"}
	if got := odd.InventoryName(); got != "gitops.config-repo.apps-dir" {
		t.Errorf("inventory name %q", got)
	}
}
