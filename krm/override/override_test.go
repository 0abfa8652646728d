package override_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

func comps() []oam.Component {
	return []oam.Component{
		{Name: "api", Type: "webservice", Index: 0, Properties: map[string]any{"image": "api:1", "env": []any{"a"}, "limit": map[string]any{"cpu": "1"}},
			Traits: []oam.Trait{{Type: "scaler", Properties: map[string]any{"replicas": int64(1)}}, {Type: "labels", Properties: map[string]any{"a": "b"}}}},
		{Name: "api-canary", Type: "webservice", Index: 1, Properties: map[string]any{"image": "api:2"}},
		{Name: "jobs", Type: "worker", Index: 2, Properties: map[string]any{"image": "jobs:1"}},
	}
}

type summary struct {
	Name, Type string
	Properties map[string]any
	Traits     []string
}

func summarize(cs []oam.Component) []summary {
	var out []summary
	for _, c := range cs {
		s := summary{Name: c.Name, Type: c.Type, Properties: c.Properties}
		for _, t := range c.Traits {
			s.Traits = append(s.Traits, t.Type)
		}
		out = append(out, s)
	}
	return out
}

func TestApply(t *testing.T) {
	tests := map[string]struct {
		props     map[string]any
		want      []summary
		wantWarns int
	}{
		"properties merge recursively and lists are replaced whole": {
			props: map[string]any{"components": []any{map[string]any{"name": "^jobs$", "properties": map[string]any{"env": []any{"x"}, "limit": map[string]any{"memory": "1Gi"}}}}},
			want: []summary{
				{Name: "api", Type: "webservice", Properties: map[string]any{"image": "api:1", "env": []any{"a"}, "limit": map[string]any{"cpu": "1"}}, Traits: []string{"scaler", "labels"}},
				{Name: "api-canary", Type: "webservice", Properties: map[string]any{"image": "api:2"}},
				{Name: "jobs", Type: "worker", Properties: map[string]any{"image": "jobs:1", "env": []any{"x"}, "limit": map[string]any{"memory": "1Gi"}}},
			},
		},
		"unanchored name also matches api-canary and warns": {
			props: map[string]any{"components": []any{map[string]any{"name": "api", "properties": map[string]any{"image": "api:3", "env": []any{"b"}}}}},
			want: []summary{
				{Name: "api", Type: "webservice", Properties: map[string]any{"image": "api:3", "env": []any{"b"}, "limit": map[string]any{"cpu": "1"}}, Traits: []string{"scaler", "labels"}},
				{Name: "api-canary", Type: "webservice", Properties: map[string]any{"image": "api:3", "env": []any{"b"}}},
				{Name: "jobs", Type: "worker", Properties: map[string]any{"image": "jobs:1"}},
			},
			wantWarns: 1,
		},
		"traits match by type, disable removes, new types append": {
			props: map[string]any{"components": []any{map[string]any{"name": "^api$", "traits": []any{
				map[string]any{"type": "scaler", "properties": map[string]any{"replicas": int64(3)}},
				map[string]any{"type": "labels", "disable": true},
				map[string]any{"type": "env", "properties": map[string]any{"env": map[string]any{"A": "1"}}},
				map[string]any{"type": "sidecar", "disable": true},
			}}}},
			want: []summary{
				{Name: "api", Type: "webservice", Properties: map[string]any{"image": "api:1", "env": []any{"a"}, "limit": map[string]any{"cpu": "1"}}, Traits: []string{"scaler", "env"}},
				{Name: "api-canary", Type: "webservice", Properties: map[string]any{"image": "api:2"}},
				{Name: "jobs", Type: "worker", Properties: map[string]any{"image": "jobs:1"}},
			},
		},
		"no name patches every component of the type": {
			props: map[string]any{"components": []any{map[string]any{"type": "worker", "properties": map[string]any{"cpu": "1"}}}},
			want: []summary{
				{Name: "api", Type: "webservice", Properties: map[string]any{"image": "api:1", "env": []any{"a"}, "limit": map[string]any{"cpu": "1"}}, Traits: []string{"scaler", "labels"}},
				{Name: "api-canary", Type: "webservice", Properties: map[string]any{"image": "api:2"}},
				{Name: "jobs", Type: "worker", Properties: map[string]any{"image": "jobs:1", "cpu": "1"}},
			},
		},
		"a different type replaces the component, an unknown name adds one, selector filters": {
			props: map[string]any{
				"components": []any{
					map[string]any{"name": "^jobs$", "type": "task", "properties": map[string]any{"image": "jobs:2"}},
					map[string]any{"name": "cache", "type": "worker", "properties": map[string]any{"image": "redis"}},
				},
				"selector": []any{"jobs", "cache"},
			},
			want: []summary{
				{Name: "jobs", Type: "task", Properties: map[string]any{"image": "jobs:2"}},
				{Name: "cache", Type: "worker", Properties: map[string]any{"image": "redis"}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pol, err := override.Parse("p", tc.props, "spec.policies[0]")
			if err != nil {
				t.Fatal(err)
			}
			input := comps()
			got, warns, err := pol.Apply(input)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			if len(warns) != tc.wantWarns {
				t.Errorf("got %d warnings, want %d: %v", len(warns), tc.wantWarns, warns)
			}
			if diff := cmp.Diff(summarize(comps()), summarize(input)); diff != "" {
				t.Errorf("input changed (-want +got):\n%s", diff)
			}
		})
	}
}

// A named patch that matches nothing and gives no type would add a
// component that cannot render: an error naming the patch and the name.
func TestApplyNamesAPatchThatMatchesNothing(t *testing.T) {
	pol, err := override.Parse("prod", map[string]any{"components": []any{
		map[string]any{"name": "wbe", "properties": map[string]any{"image": "nginx:2"}}}}, "spec.policies[1]")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = pol.Apply(comps())
	if !errors.Is(err, override.ErrNoComponent) || !strings.Contains(err.Error(),
		`spec.policies[1].properties.components[0].name: override policy "prod": "wbe" matches no component (components: `) {
		t.Errorf("error %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]map[string]any{
		"components not a list":  {"components": "web"},
		"bad regular expression": {"components": []any{map[string]any{"name": "a("}}},
		"trait without type":     {"components": []any{map[string]any{"name": "a", "traits": []any{map[string]any{}}}}},
		"selector not strings":   {"selector": []any{int64(1)}},
	}
	for name, props := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := override.Parse("p", props, "spec.policies[0]"); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}
