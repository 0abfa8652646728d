package apppatch

import (
	"fmt"
	"sort"

	"github.com/oamgitops/kubectl-gitops/krm/fnconfig"
	"github.com/oamgitops/kubectl-gitops/krm/override"
)

// Function config identity.
const (
	ConfigAPIVersion = "config.oamgitops.dev/v1alpha1"
	ConfigKind       = "ApplicationPatch"
)

// ConfigIdentity is the one kind of config the function accepts.
var ConfigIdentity = fnconfig.Kind{APIVersion: ConfigAPIVersion, Kind: ConfigKind}

// Config is the function config:
//
//	apiVersion: config.oamgitops.dev/v1alpha1
//	kind: ApplicationPatch
//	spec:
//	  selector: {names: [my-app], labels: {team: web}}   # default: every Application
//	  components:                                        # as in an override policy
//	    - name: my-server
//	      properties: {image: web:2}
//	      traits: [{type: scaler, properties: {replicas: 3}}]
type Config struct {
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	Kind       string `json:"kind" yaml:"kind"`
	Metadata   struct {
		Name string `json:"name" yaml:"name"`
	} `json:"metadata" yaml:"metadata"`
	Spec Spec `json:"spec" yaml:"spec"`
}

// Spec is the body of Config.
type Spec struct {
	// Selector picks the Applications to patch. Default: all of them.
	Selector Selector `json:"selector,omitempty" yaml:"selector,omitempty"`
	// Components are override-policy component patches. Required.
	Components []any `json:"components" yaml:"components"`
	// Selector keeps only the named components (the override policy's
	// selector). Default: keep all.
	ComponentSelector []string `json:"componentSelector,omitempty" yaml:"componentSelector,omitempty"`
}

// Selector matches Applications.
type Selector struct {
	// Names are Application names; empty matches any name.
	Names []string `json:"names,omitempty" yaml:"names,omitempty"`
	// Labels must all be on the Application; empty matches any labels.
	Labels map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
}

// Default fills in defaults (there are none to fill).
func (c *Config) Default() error { return nil }

// Validate checks the config, including the component patches
// (fnconfig.Load checks its kind).
func (c *Config) Validate() error {
	if len(c.Spec.Components) == 0 && c.Spec.ComponentSelector == nil {
		return fmt.Errorf("spec.components: at least one component patch is required")
	}
	_, err := c.policy()
	return err
}

// policy is the config as an override policy.
func (c *Config) policy() (*override.Policy, error) {
	props := map[string]any{"components": c.Spec.Components}
	if c.Spec.ComponentSelector != nil {
		sel := make([]any, len(c.Spec.ComponentSelector))
		for i, s := range c.Spec.ComponentSelector {
			sel[i] = s
		}
		props["selector"] = sel
	}
	p, err := override.Parse(c.Metadata.Name, props, "spec")
	if err != nil {
		return nil, fmt.Errorf("%s", trimProps(err.Error()))
	}
	return p, nil
}

// trimProps turns override's "spec.properties.components" into
// "spec.components": the config has no properties level.
func trimProps(s string) string {
	const from, to = "spec.properties.", "spec."
	if len(s) >= len(from) && s[:len(from)] == from {
		return to + s[len(from):]
	}
	return s
}

// matches reports whether an Application is selected.
func (s Selector) matches(name string, labels map[string]string) bool {
	if len(s.Names) > 0 {
		i := sort.SearchStrings(sortedCopy(s.Names), name)
		names := sortedCopy(s.Names)
		if i >= len(names) || names[i] != name {
			return false
		}
	}
	for k, v := range s.Labels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func sortedCopy(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}
