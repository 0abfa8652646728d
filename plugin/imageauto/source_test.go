package imageauto

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
)

const appHead = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: apps
spec:
  components:
    - name: web
      type: webservice
      properties: {image: nginx}
    - name: apps
      type: kustomize
      properties:
        url: https://git.example.com/config.git
        git: {branch: main}
        path: ./apps
`

func TestFromApplications(t *testing.T) {
	type summary struct {
		Name, Namespace, ID, Image, SecretRef, CommitMessage string
	}
	tests := map[string]struct {
		block   string
		want    []summary
		wantErr string
	}{
		"seed block": {
			block: `        imageRepository:
          image: ghcr.io/org/app
          secretRef: imagesecret
          policy: {numerical: {order: asc}}
          commitMessage: "Image: {{range .Updated.Images}}{{println .}}{{end}}"
`,
			want: []summary{{Name: "apps/apps", Namespace: "team", ID: "team:apps", Image: "ghcr.io/org/app", SecretRef: "imagesecret",
				CommitMessage: "Image: {{range .Updated.Images}}{{println .}}{{end}}"}},
		},
		"no block": {want: []summary{{Name: "apps/apps", Namespace: "team"}}},
		"no image": {
			block:   "        imageRepository:\n          policy: {numerical: {}}\n",
			wantErr: "clusters/apps.yaml: Application team/apps: spec.components[1].properties.imageRepository.image: is required",
		},
		"secretRef not a string": {
			block:   "        imageRepository:\n          image: a/b\n          secretRef: {name: x}\n          policy: {numerical: {}}\n",
			wantErr: "clusters/apps.yaml: Application team/apps: spec.components[1].properties.imageRepository.secretRef: expected a string",
		},
		"block not an object": {
			block:   "        imageRepository: ghcr.io/org/app\n",
			wantErr: "spec.components[1].properties.imageRepository: expected an object",
		},
		"policy of the wrong type": {
			block:   "        imageRepository:\n          image: a/b\n          policy: [numerical]\n",
			wantErr: "clusters/apps.yaml: Application team/apps: spec.components[1].properties.imageRepository: yaml: unmarshal errors",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			nodes, err := (&kio.ByteReader{Reader: strings.NewReader(appHead + tc.block),
				SetAnnotations: map[string]string{kioutil.PathAnnotation: "apps.yaml"}}).Read()
			if err != nil {
				t.Fatal(err)
			}
			srcs, err := FromApplications(nodes, "team", "clusters")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []summary
			for _, s := range srcs {
				g := summary{Name: s.Git.Name, Namespace: s.Git.Namespace}
				if d := s.Declared; d != nil {
					g.ID, g.Image, g.SecretRef, g.CommitMessage = d.ID(), d.Policy.Image, d.SecretRef, d.CommitMessage
				}
				got = append(got, g)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
		})
	}
}
