// Command benchgen writes the inputs of the render benchmark (hack/bench.sh):
//
//	DIR/apps/apps-NNN.yaml      the Applications, a few to a file
//	DIR/kustomization.yaml      the apps, with render.yaml as a transformer
//	DIR/render.yaml             the RenderApplications config, exec'ing -fn
//	DIR/plain/*.yaml            the same apps rendered by -fn standalone
//	DIR/plain/kustomization.yaml
//
// Every Application is a webservice (two container ports, an env var with a
// plain value and one from a Secret) with scaler, ingress and labels traits,
// plus a worker with a sidecar trait. Both ports are exposed: the
// webservice's Service and the ingress trait's Service are then both named
// after the component, and the render keeps the later with a warning (as
// applying both would). A component or trait type the catalog
// does not have yet is left out with a note on stderr, so the benchmark runs
// while the catalog grows. Output is deterministic.
//
// Usage: benchgen -out DIR -fn PATH [-apps 1000] [-per-file 10]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

func main() {
	out := flag.String("out", "", "directory to write into (created)")
	fn := flag.String("fn", "", "the render-application binary")
	apps := flag.Int("apps", 1000, "number of Applications")
	perFile := flag.Int("per-file", 10, "Applications per file")
	flag.Parse()
	if *out == "" || *fn == "" || *apps < 1 || *perFile < 1 {
		fmt.Fprintln(os.Stderr, "usage: benchgen -out DIR -fn PATH [-apps N] [-per-file K]")
		os.Exit(2)
	}
	if err := run(*out, *fn, *apps, *perFile); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

// shape says which parts of the benchmark Application the catalog has.
type shape struct {
	have map[string]bool // "component/webservice", "trait/scaler", …
}

func catalogShape() (shape, error) {
	reg, err := catalog.Registry()
	if err != nil {
		return shape{}, err
	}
	s := shape{have: map[string]bool{}}
	want := []struct {
		kind definition.Kind
		name string
	}{
		{definition.Component, "webservice"}, {definition.Component, "worker"},
		{definition.Trait, "scaler"}, {definition.Trait, "ingress"},
		{definition.Trait, "labels"}, {definition.Trait, "sidecar"},
	}
	for _, w := range want {
		key := fmt.Sprintf("%s/%s", w.kind, w.name)
		if _, ok := reg.Get(w.kind, w.name); ok {
			s.have[key] = true
		} else {
			fmt.Fprintf(os.Stderr, "benchgen: NOTE: the catalog has no %s %q yet; it is left out of the benchmark\n", w.kind, w.name)
		}
	}
	if !s.have["component/webservice"] {
		return s, fmt.Errorf("the catalog has no webservice component")
	}
	return s, nil
}

func (s shape) trait(name string) bool { return s.have["trait/"+name] }

// describe is the one-line summary bench.sh prints.
func (s shape) describe() string {
	var parts []string
	web := "webservice"
	var traits []string
	for _, t := range []string{"scaler", "ingress", "labels"} {
		if s.trait(t) {
			traits = append(traits, t)
		}
	}
	if len(traits) > 0 {
		web += " (" + strings.Join(traits, ", ") + ")"
	}
	parts = append(parts, web)
	if s.have["component/worker"] {
		w := "worker"
		if s.trait("sidecar") {
			w += " (sidecar)"
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, " + ")
}

func run(out, fn string, apps, perFile int) error {
	fnAbs, err := filepath.Abs(fn)
	if err != nil {
		return err
	}
	s, err := catalogShape()
	if err != nil {
		return err
	}
	for _, d := range []string{"apps", "plain"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	var files []string
	for first := 0; first < apps; first += perFile {
		var buf bytes.Buffer
		for i := first; i < first+perFile && i < apps; i++ {
			if i > first {
				buf.WriteString("---\n")
			}
			writeApp(&buf, s, i)
		}
		name := fmt.Sprintf("apps-%03d.yaml", len(files))
		if err := os.WriteFile(filepath.Join(out, "apps", name), buf.Bytes(), 0o644); err != nil {
			return err
		}
		files = append(files, name)
	}
	if err := writeKustomizations(out, fnAbs, files); err != nil {
		return err
	}
	for _, name := range files {
		if err := preRender(fnAbs, filepath.Join(out, "apps", name), filepath.Join(out, "plain", name)); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(out, "shape.txt"), []byte(s.describe()+"\n"), 0o644); err != nil {
		return err
	}
	return nil
}

func writeKustomizations(out, fn string, files []string) error {
	var k bytes.Buffer
	k.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, f := range files {
		fmt.Fprintf(&k, "- apps/%s\n", f)
	}
	k.WriteString("transformers:\n- render.yaml\n")
	if err := os.WriteFile(filepath.Join(out, "kustomization.yaml"), k.Bytes(), 0o644); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`apiVersion: config.oamgitops.dev/v1alpha1
kind: RenderApplications
metadata:
  name: render
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: %s
spec:
  clusterVersion: v1.34
`, quote(fn))
	if err := os.WriteFile(filepath.Join(out, "render.yaml"), []byte(cfg), 0o644); err != nil {
		return err
	}
	var p bytes.Buffer
	p.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, f := range files {
		fmt.Fprintf(&p, "- %s\n", f)
	}
	return os.WriteFile(filepath.Join(out, "plain", "kustomization.yaml"), p.Bytes(), 0o644)
}

// preRender runs the function standalone on one file of Applications.
func preRender(fn, in, out string) error {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(fn, in)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pre-rendering %s: %v\n%s", filepath.Base(in), err, stderr.String())
	}
	return os.WriteFile(out, stdout.Bytes(), 0o644)
}

// quote makes s a YAML double-quoted scalar.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// writeApp writes Application i. Values vary with i so no two renders are
// the same, but the shape never does.
func writeApp(b *bytes.Buffer, s shape, i int) {
	name := fmt.Sprintf("app-%04d", i)
	ns := fmt.Sprintf("team-%d", i%7)
	fmt.Fprintf(b, `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    team: %[2]s
spec:
  components:
  - name: %[1]s-web
    type: webservice
    properties:
      image: registry.example.com/%[2]s/web:1.%[3]d.%[4]d
      ports:
      - port: 8080
        expose: true
      - port: 9090
        name: metrics
        expose: true
      env:
      - name: LOG_LEVEL
        value: info
      - name: DB_PASSWORD
        valueFrom:
          secretKeyRef:
            name: %[1]s-db
            key: password
      cpu: 250m
      memory: 256Mi
`, name, ns, i/100, i%100)
	var traits []string
	if s.trait("scaler") {
		traits = append(traits, fmt.Sprintf("    - type: scaler\n      properties:\n        replicas: %d\n", 1+i%3))
	}
	if s.trait("ingress") {
		traits = append(traits, fmt.Sprintf("    - type: ingress\n      properties:\n        domain: %s.example.com\n        http:\n          /: 8080\n", name))
	}
	if s.trait("labels") {
		traits = append(traits, fmt.Sprintf("    - type: labels\n      properties:\n        tier: frontend\n        cost-center: cc-%d\n", i%13))
	}
	if len(traits) > 0 {
		b.WriteString("    traits:\n" + strings.Join(traits, ""))
	}
	if !s.have["component/worker"] {
		return
	}
	fmt.Fprintf(b, `  - name: %[1]s-worker
    type: worker
    properties:
      image: registry.example.com/%[2]s/worker:1.%[3]d.%[4]d
      cmd: [/bin/worker, --queue, %[1]s]
`, name, ns, i/100, i%100)
	if s.trait("sidecar") {
		fmt.Fprintf(b, `    traits:
    - type: sidecar
      properties:
        name: log-shipper
        image: registry.example.com/tools/log-shipper:2.%d
        args: [--source, /var/log/%s]
`, i%5, name)
	}
}
