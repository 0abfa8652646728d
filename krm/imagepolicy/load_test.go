package imagepolicy

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadSeedApplication(t *testing.T) {
	data, err := os.ReadFile("../../testdata/seed-repo/clusters/apps.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load("clusters/apps.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Source{{
		File: "clusters/apps.yaml", Kind: "Application", Namespace: "default", Name: "apps",
		Field: "spec.components[0].properties.imageRepository", Image: "127.0.0.1:5000/testapp",
		Spec: Spec{
			Policy:     Choice{Numerical: &Numerical{Order: "asc"}},
			FilterTags: &TagFilter{Pattern: `^master-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"},
		},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	tests := map[string]struct {
		yaml    string
		want    []Source
		wantErr string
	}{
		"flux policy with its repository after it": {
			yaml: `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: app, namespace: flux-system}
spec:
  imageRepositoryRef: {name: app}
  policy: {semver: {range: 1.x}}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: app, namespace: flux-system}
spec: {image: ghcr.io/org/app, exclusionList: ["^dev-"]}
`,
			want: []Source{{File: "f.yaml", Kind: "ImagePolicy", Namespace: "flux-system", Name: "app", Field: "spec",
				Image: "ghcr.io/org/app", Spec: Spec{Policy: Choice{SemVer: &SemVer{Range: "1.x"}}, ExclusionList: []string{"^dev-"}}}},
		},
		"bare block": {
			yaml: "imageRepository:\n  image: r/app\n  policy: {alphabetical: {order: desc}}\n",
			want: []Source{{File: "f.yaml", Field: "imageRepository", Image: "r/app", Spec: Spec{Policy: Choice{Alphabetical: &Alphabetical{Order: "desc"}}}}},
		},
		"wrong type": {
			yaml:    "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: a}\nspec:\n  policy: {semver: {range: [1]}}\n",
			wantErr: "f.yaml: ImagePolicy default/a: spec: yaml: unmarshal errors:\n  line 5: cannot unmarshal !!seq into string",
		},
		"old api version": {
			yaml:    "apiVersion: image.toolkit.fluxcd.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: a}\n",
			wantErr: "f.yaml: ImagePolicy default/a: apiVersion image.toolkit.fluxcd.io/v1alpha1 is not supported: use one of image.toolkit.fluxcd.io/v1, image.toolkit.fluxcd.io/v1beta2",
		},
		"not yaml": {
			yaml:    "a: [\n",
			wantErr: "f.yaml: not YAML: yaml: line 1: did not find expected node content",
		},
		"nothing": {
			yaml:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
			wantErr: "f.yaml: no ImagePolicy, Application with an imageRepository, or imageRepository block found",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Load("f.yaml", []byte(tt.yaml))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSourceCompileNamesFileObjectAndField(t *testing.T) {
	src := Source{File: "f.yaml", Kind: "ImagePolicy", Namespace: "ns", Name: "a", Field: "spec",
		Spec: Spec{Policy: Choice{SemVer: &SemVer{Range: ""}}}}
	_, err := src.Compile()
	want := `f.yaml: ImagePolicy ns/a: spec.policy.semver.range: invalid range "": improper constraint: ""`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
