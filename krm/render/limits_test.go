package render_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// runaway is a user's definition whose template takes minutes and
// gigabytes to evaluate (CUE expands parameter.n's default, 3000², whatever
// the Application gives), and an Application using it.
const runaway = `apiVersion: core.oam.dev/v1beta1
kind: ComponentDefinition
metadata:
  name: slow
  annotations: {config.kubernetes.io/path: defs/slow.yaml}
spec:
  workload:
    definition: {apiVersion: v1, kind: ConfigMap}
  schematic:
    cue:
      template: |
        import "list"
        parameter: {n: *3000 | int}
        output: {
          apiVersion: "v1"
          kind:       "ConfigMap"
          metadata: name: context.name
          data: {for i in list.Range(0, parameter.n, 1) for j in list.Range(0, parameter.n, 1) {"k\(i)-\(j)": "v"}}
        }
---
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: slowapp
  namespace: default
  annotations: {config.kubernetes.io/path: apps/slow.yaml}
spec:
  components:
    - {name: c, type: slow, properties: {n: 8}}
`

// envLimitsChild runs TestLimitsChild with spec.limits from it.
const envLimitsChild = "RENDER_LIMITS_CHILD"

// A template that runs away stops at the time or memory limit, its
// Application failing with file, Application, field and definition. The
// render runs in a child process: the abandoned evaluation goes on until
// the process exits, and must not slow the other tests.
func TestLimits(t *testing.T) {
	cases := map[string]struct{ limits, want string }{
		"time":   {"{time: 500ms, memory: '-1'}", "stopped at the time limit of 500ms"},
		"memory": {"{time: 2m, memory: 256Mi}", "stopped at the memory limit of 256Mi"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // without limits: minutes
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLimitsChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envLimitsChild+"="+tc.limits)
			out, _ := cmd.CombinedOutput()
			if took := time.Since(start); took > time.Minute {
				t.Errorf("the render took %s", took)
			}
			for _, want := range []string{"apps/slow.yaml: Application default/slowapp: spec.components[0]:",
				`component "slow" (defs/slow.yaml)`, tc.want, "spec.limits of the RenderApplications config"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("result lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestLimitsChild is TestLimits' render, run in a child process.
func TestLimitsChild(t *testing.T) {
	limits := os.Getenv(envLimitsChild)
	if limits == "" {
		t.Skip("run by TestLimits")
	}
	items, err := kio.FromBytes([]byte(runaway))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
	cfg.Spec.Limits = &render.LimitsConfig{}
	fmt.Sscanf(strings.NewReplacer("{time: ", "", ", memory: ", " ", "}", "", "'", "").Replace(limits),
		"%s %s", &cfg.Spec.Limits.Time, &cfg.Spec.Limits.Memory)
	if err := cfg.Default(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	_, results := render.Function{Builtins: registry(t)}.Render(items, cfg)
	for _, r := range results {
		if r.Severity == framework.Error {
			fmt.Println(r.Message)
		}
	}
	os.Exit(0) // ends the abandoned evaluation
}
