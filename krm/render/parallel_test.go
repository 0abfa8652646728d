package render_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// Rendering on several workers gives the same items, in the same order, as
// rendering on one; run with -race to check the workers share nothing.
func TestParallelRenderMatchesSequential(t *testing.T) {
	var docs []string
	for i := range 40 {
		docs = append(docs, fmt.Sprintf(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: app-%02d, namespace: web}
spec:
  components:
    - {name: api-%02d, type: svc, properties: {image: "x:%d", replicas: %d}}
`, i, i, i, i%5+1))
		if i%7 == 0 {
			docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d}\n", i))
		}
	}
	render := func(parallelism int) string {
		items, err := (&kio.ByteReader{Reader: strings.NewReader(strings.Join(docs, "---\n"))}).Read()
		if err != nil {
			t.Fatal(err)
		}
		fn := render.Function{Builtins: registry(t), Parallelism: parallelism}
		cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
		_ = cfg.Default()
		out, results := fn.Render(items, cfg)
		if results.ExitCode() != 0 {
			t.Fatal(results)
		}
		var names []string
		for _, it := range out {
			s, _ := it.String()
			names = append(names, s)
		}
		return strings.Join(names, "---\n")
	}
	one, four := render(1), render(4)
	if diff := cmp.Diff(one, four); diff != "" {
		t.Errorf("parallel render differs (-sequential +parallel):\n%s", diff)
	}
	if n := strings.Count(one, "kind: Deployment"); n != 40 {
		t.Errorf("got %d Deployments, want 40", n)
	}
}
