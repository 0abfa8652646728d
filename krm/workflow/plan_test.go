package workflow_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

func parse(t *testing.T, spec string) *oam.Application {
	t.Helper()
	n, err := yaml.Parse("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: shop, namespace: web}\nspec:\n" + spec)
	if err != nil {
		t.Fatal(err)
	}
	a, err := oam.Parse(n)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const twoComps = `  components:
    - {name: db, type: worker, properties: {image: db}}
    - {name: api, type: worker, dependsOn: [db], properties: {image: api}}
`

// unit is a unit in short: "ID after=a,b" (+ " unselected").
func summarize(p *workflow.Plan) []string {
	var out []string
	for _, u := range p.Units {
		s := string(u.Kind) + " " + u.ID
		if len(u.After) > 0 {
			s += " after=" + strings.Join(u.After, ",")
		}
		if u.Placement.Labelled {
			s += " labelled"
		}
		if !u.Selected {
			s += " unselected"
		}
		out = append(out, s)
	}
	return out
}

func TestBuild(t *testing.T) {
	tests := map[string]struct {
		spec     string
		opts     workflow.Options
		want     []string
		wantMode string
	}{
		"default: one apply-component step per component, DAG by dependsOn": {
			spec:     twoComps,
			want:     []string{"apply db@local:db", "apply api@local:api after=db@local:db"},
			wantMode: workflow.ModeDAG,
		},
		"default: overrides only give one deploy step; dependsOn holds inside it": {
			spec: twoComps + "  policies:\n    - {name: o, type: override, properties: {components: [{name: ^api$, properties: {cpu: 1}}]}}\n",
			want: []string{"apply deploy@local:db", "apply deploy@local:api after=deploy@local:db"},
		},
		"default: ref-objects alone gives one deploy step": {
			spec: "  components:\n    - {name: r, type: ref-objects, properties: {objects: []}}\n",
			want: []string{"apply deploy@local:r"},
		},
		"default: one deploy step per topology, run as a DAG": {
			spec: twoComps + "  policies:\n    - {name: eu, type: topology, properties: {clusters: [eu-1, eu-2], namespace: x}}\n    - {name: us, type: topology, properties: {clusters: [us-1]}}\n",
			want: []string{
				"apply deploy-eu@eu-1/x:db labelled", "apply deploy-eu@eu-1/x:api after=deploy-eu@eu-1/x:db labelled",
				"apply deploy-eu@eu-2/x:db labelled", "apply deploy-eu@eu-2/x:api after=deploy-eu@eu-2/x:db labelled",
				"apply deploy-us@us-1:db labelled", "apply deploy-us@us-1:api after=deploy-us@us-1:db labelled",
			},
			wantMode: workflow.ModeDAG,
		},
		"topology without clusters is the local cluster, labelled": {
			spec: "  components:\n    - {name: a, type: worker}\n  policies:\n    - {name: here, type: topology, properties: {namespace: n}}\n",
			want: []string{"apply deploy-here@local/n:a labelled"},
		},
		"label selector resolves against the given clusters": {
			spec: "  components:\n    - {name: a, type: worker}\n  policies:\n    - {name: p, type: topology, properties: {clusterLabelSelector: {env: prod}}}\n",
			opts: workflow.Options{Clusters: []workflow.Cluster{{Name: "c1", Labels: map[string]string{"env": "prod"}}, {Name: "c2"}, {Name: "c3", Labels: map[string]string{"env": "prod", "x": "y"}}}},
			want: []string{"apply deploy-p@c1:a labelled", "apply deploy-p@c3:a labelled"},
		},
		"allowEmpty accepts a selector matching nothing": {
			spec: "  components:\n    - {name: a, type: worker}\n  policies:\n    - {name: p, type: topology, properties: {clusterLabelSelector: {env: none}, allowEmpty: true}}\n",
			want: nil,
		},
		"explicit steps run step by step; suspend and approval wait": {
			spec: twoComps + `  workflow:
    steps:
      - {name: first, type: apply-component, properties: {component: db, cluster: c1}}
      - {name: pause, type: suspend, properties: {duration: 1m}}
      - {name: rest, type: deploy, properties: {auto: false}}
`,
			want: []string{
				"apply first@c1:db labelled", "suspend pause after=first@c1:db", "approval rest/approval after=pause",
				"apply rest@local:db after=rest/approval", "apply rest@local:api after=rest/approval,rest@local:db",
			},
			wantMode: workflow.ModeStepByStep,
		},
		"step-group sub-steps in StepByStep mode; an empty group passes its dependencies on": {
			spec: twoComps + `  workflow:
    mode: {steps: DAG}
    steps:
      - {name: obj, type: apply-object, properties: {value: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}}}
      - name: g
        type: step-group
        mode: StepByStep
        dependsOn: [obj]
        subSteps:
          - {name: s1, type: apply-component, properties: {component: db}}
          - {name: s2, type: depends-on-app, properties: {name: other, namespace: o}}
      - {name: empty, type: step-group, dependsOn: [g]}
      - {name: end, type: apply-component, dependsOn: [empty], properties: {component: api}}
`,
			want: []string{
				"apply-object obj@local", "apply g/s1@local:db after=obj@local", "depends-on-app g/s2 after=obj@local,g/s1@local:db",
				"apply end@local:api after=g/s2",
			},
			wantMode: workflow.ModeDAG,
		},
		"select a step": {
			spec: twoComps + "  workflow:\n    steps:\n      - {name: a, type: apply-component, properties: {component: db}}\n      - {name: b, type: apply-component, properties: {component: api}}\n",
			opts: workflow.Options{Select: workflow.Selection{Step: "b"}},
			want: []string{"apply a@local:db unselected", "apply b@local:api after=a@local:db"},
		},
		"select a cluster keeps the approval of its step": {
			spec: "  components:\n    - {name: a, type: worker}\n  policies:\n    - {name: t, type: topology, properties: {clusters: [c1, c2]}}\n  workflow:\n    steps:\n      - {name: d, type: deploy, properties: {policies: [t], auto: false}}\n",
			opts: workflow.Options{Select: workflow.Selection{Cluster: "c2"}},
			want: []string{"approval d/approval", "apply d@c1:a after=d/approval labelled unselected", "apply d@c2:a after=d/approval labelled"},
		},
		"select a topology": {
			spec: "  components:\n    - {name: a, type: worker}\n  policies:\n    - {name: t1, type: topology, properties: {clusters: [c1]}}\n    - {name: t2, type: topology, properties: {clusters: [c2]}}\n",
			opts: workflow.Options{Select: workflow.Selection{Topology: "t1"}},
			want: []string{"apply deploy-t1@c1:a labelled", "apply deploy-t2@c2:a labelled unselected"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			plan, _, err := workflow.Build(parse(t, tc.spec), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(plan)); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}
			if tc.wantMode != "" && plan.StepMode != tc.wantMode {
				t.Errorf("step mode %q, want %q", plan.StepMode, tc.wantMode)
			}
		})
	}
}

func TestBuildOverridesPerDeploy(t *testing.T) {
	spec := `  components:
    - {name: api, type: worker, properties: {image: api, cpu: "1"}}
  policies:
    - {name: big, type: override, properties: {components: [{name: api, properties: {cpu: "4"}}]}}
    - {name: eu, type: topology, properties: {clusters: [eu]}}
    - {name: us, type: topology, properties: {clusters: [us]}}
  workflow:
    steps:
      - {name: eu, type: deploy, properties: {policies: [eu]}}
      - {name: us, type: deploy, properties: {policies: [us, big]}}
`
	plan, _, err := workflow.Build(parse(t, spec), workflow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, u := range plan.Units {
		got[u.ID] = u.Component.Properties["cpu"]
	}
	want := map[string]any{"eu@eu:api": "1", "us@us:api": "4"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cpu by unit (-want +got):\n%s", diff)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := map[string]struct {
		spec string
		opts workflow.Options
		want string
	}{
		"unsupported step type": {
			spec: "  components: []\n  workflow:\n    steps:\n      - {name: x, type: webhook}\n",
			want: `spec.workflow.steps[0].type: step type "webhook" is not supported`,
		},
		"unknown step in dependsOn": {
			spec: "  components: []\n  workflow:\n    steps:\n      - {name: x, type: suspend, dependsOn: [y]}\n",
			want: `spec.workflow.steps[0].dependsOn[0]: step "y" does not exist at this level (steps: x)`,
		},
		"duplicate step names": {
			spec: "  components: []\n  workflow:\n    steps:\n      - {name: x, type: suspend}\n      - name: g\n        type: step-group\n        subSteps: [{name: x, type: suspend}]\n",
			want: `spec.workflow.steps[1].subSteps[0].name: step "x" is also defined at spec.workflow.steps[0]`,
		},
		"nested step-group": {
			spec: "  components: []\n  workflow:\n    steps:\n      - name: g\n        type: step-group\n        subSteps: [{name: h, type: step-group}]\n",
			want: `spec.workflow.steps[0].subSteps[0].type: a step-group cannot hold another step-group`,
		},
		"sub-step cycle": {
			spec: "  components: []\n  workflow:\n    steps:\n      - name: g\n        type: step-group\n        subSteps:\n          - {name: a, type: suspend, dependsOn: [b]}\n          - {name: b, type: suspend, dependsOn: [a]}\n",
			want: `spec.workflow.steps[0].subSteps: steps depend on each other in a cycle: a → b → a`,
		},
		"apply-component of an unknown component": {
			spec: twoComps + "  workflow:\n    steps:\n      - {name: x, type: apply-component, properties: {component: web}}\n",
			want: `spec.workflow.steps[0].properties.component: component "web" does not exist (components: api, db)`,
		},
		"unknown cluster in a step": {
			spec: twoComps + "  workflow:\n    steps:\n      - {name: x, type: apply-component, properties: {component: db, cluster: mars}}\n",
			opts: workflow.Options{Clusters: []workflow.Cluster{{Name: "earth"}}},
			want: `spec.workflow.steps[0].properties.cluster: cluster "mars" is not in the function config's spec.clusters (known: earth)`,
		},
		"workflow ref": {
			spec: "  components: []\n  workflow: {ref: shared}\n",
			want: `spec.workflow.ref: workflow "shared" is a Workflow object that cannot be read offline`,
		},
		"bad mode": {
			spec: "  components: []\n  workflow:\n    mode: {steps: Parallel}\n    steps: [{name: x, type: suspend}]\n",
			want: `spec.workflow.mode.steps: "Parallel" is not a workflow mode`,
		},
		"topology unknown field": {
			spec: "  components: []\n  policies:\n    - {name: t, type: topology, properties: {cluster: [a]}}\n",
			want: `spec.policies[0].properties.cluster: unknown field of a topology policy`,
		},
		"apply-object without value": {
			spec: "  components: []\n  workflow:\n    steps: [{name: x, type: apply-object}]\n",
			want: `spec.workflow.steps[0].properties.value: an apply-object step needs the object to apply`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := workflow.Build(parse(t, tc.spec), tc.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			var fe *oam.FieldError
			if !errors.As(err, &fe) || fe.Object.Name != "shop" {
				t.Errorf("error %v is not a field error on the Application", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestBuildWarnsOnceForUnanchoredNames(t *testing.T) {
	spec := `  components:
    - {name: api, type: worker}
    - {name: api-canary, type: worker}
  policies:
    - {name: o, type: override, properties: {components: [{name: api, properties: {cpu: "2"}}]}}
    - {name: a, type: topology, properties: {clusters: [a]}}
    - {name: b, type: topology, properties: {clusters: [b]}}
  workflow:
    steps:
      - {name: s, type: suspend, if: always}
`
	_, warns, err := workflow.Build(parse(t, spec), workflow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "`if: always` is not evaluated offline") {
		t.Errorf("warnings %v, want one about if", warns)
	}
	spec = strings.Split(spec, "  workflow:")[0]
	_, warns, err = workflow.Build(parse(t, spec), workflow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].Message, `also matches component "api-canary"`) {
		t.Errorf("warnings %v, want one about the unanchored name", warns)
	}
}
