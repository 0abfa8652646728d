package render_test

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// benchApp is the Application of the render benchmark (hack/benchgen writes
// 1000 of these for `make bench`): a webservice with two ports, a plain and
// a Secret-backed env var, scaler, ingress and labels traits, and a worker
// with a sidecar. Keep the two in step.
const benchApp = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: app-%04[1]d
  namespace: team-3
  labels:
    team: team-3
spec:
  components:
  - name: app-%04[1]d-web
    type: webservice
    properties:
      image: registry.example.com/team-3/web:1.0.%[1]d
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
            name: app-%04[1]d-db
            key: password
      cpu: 250m
      memory: 256Mi
    traits:
    - type: scaler
      properties:
        replicas: 2
    - type: ingress
      properties:
        domain: app-%04[1]d.example.com
        http:
          /: 8080
    - type: labels
      properties:
        tier: frontend
        cost-center: cc-3
  - name: app-%04[1]d-worker
    type: worker
    properties:
      image: registry.example.com/team-3/worker:1.0.%[1]d
      cmd: [/bin/worker, --queue, app-%04[1]d]
    traits:
    - type: sidecar
      properties:
        name: log-shipper
        image: registry.example.com/tools/log-shipper:2.3
        args: [--source, /var/log/app-%04[1]d]
`

func benchItems(b *testing.B, n int) []*yaml.RNode {
	b.Helper()
	var docs []string
	for i := range n {
		docs = append(docs, fmt.Sprintf(benchApp, i))
	}
	items, err := (&kio.ByteReader{Reader: strings.NewReader(strings.Join(docs, "---\n"))}).Read()
	if err != nil {
		b.Fatal(err)
	}
	return items
}

// BenchmarkRenderApplication renders one Application with the built-in
// catalog, reusing one Renderer as the function does for every Application
// of a run (templates compiled once).
func BenchmarkRenderApplication(b *testing.B) {
	reg, err := catalog.Registry()
	if err != nil {
		b.Fatal(err)
	}
	app, err := oam.Parse(benchItems(b, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	r := render.New(reg, render.DefaultOptions())
	res, err := r.Render(app) // compiles the templates
	if err != nil {
		b.Fatal(err)
	}
	if got := len(res.Objects); got != 4 {
		b.Fatalf("rendered %d objects, want 4 (Deployment, Service, Ingress, Deployment)", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(app); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderFunction runs the function's whole pass over 100
// Applications: registry clone, template compilation, parsing the items,
// rendering and turning the objects back into items.
func BenchmarkRenderFunction(b *testing.B) {
	reg, err := catalog.Registry()
	if err != nil {
		b.Fatal(err)
	}
	items := benchItems(b, 100)
	fn := render.Function{Builtins: reg}
	cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
	if err := cfg.Default(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, results := fn.Render(items, cfg)
		if results.ExitCode() != 0 {
			b.Fatal(results)
		}
		if len(out) != 400 {
			b.Fatalf("rendered %d items, want 400", len(out))
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "apps/s")
}
