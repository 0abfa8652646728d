package health_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/health"
)

func object(t *testing.T, doc string) map[string]any {
	t.Helper()
	obj := map[string]any{}
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return obj
}

const webLabels = `
  labels:
    app.oam.dev/name: shop
    app.oam.dev/namespace: prod
    app.oam.dev/component: web
    app.oam.dev/resourceType: WORKLOAD
    workload.oam.dev/type: webservice`

func deployment(annotations, status string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  generation: 2` + webLabels + annotations + `
spec: {replicas: 2}
status: ` + status
}

func job(status string) string {
	return `apiVersion: batch/v1
kind: Job
metadata:
  name: shop-migrate
  labels:
    app.oam.dev/component: migrate
    app.oam.dev/resourceType: WORKLOAD
    workload.oam.dev/type: task
spec: {parallelism: 1, completions: 1}
status: ` + status
}

func TestCheck(t *testing.T) {
	reg, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		obj     string
		want    health.Status
		wantOK  bool
		wantErr string
	}{
		"webservice ready": {
			obj:    deployment("", "{observedGeneration: 2, replicas: 2, readyReplicas: 2, updatedReplicas: 2}"),
			want:   health.Status{Healthy: true, Message: "Ready:2/2"},
			wantOK: true,
		},
		"webservice rolling out": {
			obj:    deployment("", "{observedGeneration: 2, replicas: 2, readyReplicas: 1, updatedReplicas: 2}"),
			want:   health.Status{Message: "Ready:1/2"},
			wantOK: true,
		},
		"webservice not yet observed": {
			obj:    deployment("", "{observedGeneration: 1, replicas: 2, readyReplicas: 2, updatedReplicas: 2}"),
			want:   health.Status{Message: "Ready:2/2"},
			wantOK: true,
		},
		"webservice without status": {
			obj:    deployment("", "{}"),
			want:   health.Status{Message: "Ready:0/2"},
			wantOK: true,
		},
		"webservice health check disabled": {
			obj:    deployment("\n  annotations: {app.oam.dev/disable-health-check: \"true\"}", "{}"),
			want:   health.Status{Healthy: true, Message: "Ready:0/2"},
			wantOK: true,
		},
		"task running": {
			obj:    job("{active: 1}"),
			want:   health.Status{Message: "Active/Failed/Succeeded:1/0/0"},
			wantOK: true,
		},
		"task done": {
			obj:    job("{succeeded: 1}"),
			want:   health.Status{Healthy: true, Message: "Active/Failed/Succeeded:0/0/1"},
			wantOK: true,
		},
		"task failed": {
			obj:    job("{failed: 3}"),
			want:   health.Status{Message: "Active/Failed/Succeeded:0/3/0"},
			wantOK: true,
		},
		"trait object: no verdict": {
			obj: `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app.oam.dev/resourceType: TRAIT, trait.oam.dev/type: expose}
spec: {type: LoadBalancer}`,
		},
		"plain object: no verdict": {
			obj: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		},
		"plain object, health check disabled": {
			obj:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {app.oam.dev/disable-health-check: \"\"}}\n",
			want:   health.Status{Healthy: true},
			wantOK: true,
		},
		"type not in the registry: no verdict": {
			obj: "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app.oam.dev/resourceType: WORKLOAD, workload.oam.dev/type: nope}}\n",
		},
		"k8s-objects has no rules: no verdict": {
			obj: "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app.oam.dev/resourceType: WORKLOAD, workload.oam.dev/type: k8s-objects}}\n",
		},
		"rule cannot be evaluated": {
			obj:     "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, labels: {app.oam.dev/resourceType: WORKLOAD, workload.oam.dev/type: task}}\n",
			wantErr: "task: healthPolicy: isHealth:",
		},
	}
	checker := health.NewChecker(reg)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok, err := checker.Check(object(t, tc.obj))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				t.Logf("error: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.wantOK {
				t.Fatalf("verdict given = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateContext(t *testing.T) {
	def := &definition.Definition{Name: "probe", Origin: "probe.cue",
		HealthPolicy: `isHealth: context.outputs.svc.spec.clusterIP != ""`,
		CustomStatus: `message: "\(context.appName)/\(context.name) in \(context.namespace): \(context.outputs.svc.spec.clusterIP)"`}
	got, err := health.Evaluate(def, health.Context{Name: "web", AppName: "shop", Namespace: "prod",
		Output:  map[string]any{"kind": "Deployment"},
		Outputs: map[string]map[string]any{"svc": {"spec": map[string]any{"clusterIP": "10.0.0.7"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(health.Status{Healthy: true, Message: "shop/web in prod: 10.0.0.7"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := health.Evaluate(&definition.Definition{Name: "none"}, health.Context{}); !errors.Is(err, health.ErrNoRules) {
		t.Errorf("no rules: error = %v, want ErrNoRules", err)
	}
	bad := &definition.Definition{Name: "bad", HealthPolicy: "isHealth: 1"}
	if _, err := health.Evaluate(bad, health.Context{}); err == nil || !strings.Contains(err.Error(), "bad: healthPolicy:") {
		t.Errorf("isHealth not a bool: error = %v", err)
	}
}
