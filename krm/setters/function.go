package setters

import (
	"fmt"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/fnconfig"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Function config identity.
const (
	ConfigAPIVersion = "config.oamgitops.dev/v1alpha1"
	ConfigKind       = "SetImages"
)

// ConfigIdentity is the one kind of config the function accepts.
var ConfigIdentity = fnconfig.Kind{APIVersion: ConfigAPIVersion, Kind: ConfigKind}

// Config is the set-image function's config.
type Config struct {
	APIVersion string     `json:"apiVersion" yaml:"apiVersion"`
	Kind       string     `json:"kind" yaml:"kind"`
	Spec       ConfigSpec `json:"spec" yaml:"spec"`
}

// ConfigSpec is the body of Config.
type ConfigSpec struct {
	// Policies are the images to set. They win over ImagePolicy items with
	// the same namespace and name. Default none.
	Policies []Policy `json:"policies,omitempty" yaml:"policies,omitempty"`
}

// Default fills in defaults; there are none.
func (c *Config) Default() error { return nil }

// Validate checks the config's spec (fnconfig.Load checks its kind);
// errors name the field.
func (c *Config) Validate() error {
	for i, p := range c.Spec.Policies {
		for _, f := range []struct{ name, value string }{{"namespace", p.Namespace}, {"name", p.Name}, {"image", p.Image}, {"tag", p.Tag}} {
			if f.value == "" {
				return fmt.Errorf("spec.policies[%d].%s: required", i, f.name)
			}
		}
	}
	return nil
}

// Function is the set-image KRM function: it sets the $imagepolicy-marked
// fields of the items from the config's policies and from Flux ImagePolicy
// items' status.latestRef (v1) or status.latestImage (v1beta2).
type Function struct{}

var _ framework.ResourceListProcessor = Function{}

// Process implements framework.ResourceListProcessor.
func (Function) Process(rl *framework.ResourceList) error {
	cfg := &Config{APIVersion: ConfigAPIVersion, Kind: ConfigKind}
	if _, err := fnconfig.Load(rl.FunctionConfig, cfg, ConfigIdentity); err != nil {
		rl.Results = append(rl.Results, fnconfig.Result(rl.FunctionConfig, err))
		return rl.Results
	}
	policies, results := policiesFromItems(rl.Items)
	rl.Results = append(rl.Results, results...)
	for _, p := range cfg.Spec.Policies {
		policies[p.ID()] = p
	}
	for _, item := range rl.Items {
		path, _, _ := kioutil.GetFileAnnotations(item)
		changes, notes := SetNodes(path, []*yaml.Node{item.YNode()}, policies)
		for _, c := range changes {
			rl.Results = append(rl.Results, &framework.Result{
				Message:     fmt.Sprintf("set %s from %s", c.Field, c.Setter),
				Severity:    framework.Info,
				ResourceRef: ref(item),
				Field:       &framework.Field{Path: c.Field, CurrentValue: c.OldValue, ProposedValue: c.NewValue},
				File:        file(path),
			})
		}
		for _, n := range notes {
			if n.Level == Debug {
				continue
			}
			rl.Results = append(rl.Results, &framework.Result{
				Message: n.Message, Severity: framework.Warning, ResourceRef: ref(item),
				Field: &framework.Field{Path: n.Field}, File: file(path),
			})
		}
	}
	rl.Results.Sort()
	if rl.Results.ExitCode() != 0 {
		return rl.Results
	}
	return nil
}

func ref(n *yaml.RNode) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: n.GetApiVersion(), Kind: n.GetKind()},
		NameMeta: yaml.NameMeta{Name: n.GetName(), Namespace: n.GetNamespace()},
	}
}

func file(path string) *framework.File {
	if path == "" {
		return nil
	}
	return &framework.File{Path: path}
}

// policiesFromItems reads Flux ImagePolicy items that have a latest image.
func policiesFromItems(items []*yaml.RNode) (Policies, framework.Results) {
	out := Policies{}
	var results framework.Results
	for _, it := range items {
		av := it.GetApiVersion()
		if it.GetKind() != "ImagePolicy" || (av != "image.toolkit.fluxcd.io/v1" && av != "image.toolkit.fluxcd.io/v1beta2") {
			continue
		}
		ns := it.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		p := Policy{Namespace: ns, Name: it.GetName()}
		if latest, _ := it.Pipe(yaml.Lookup("status", "latestRef")); latest != nil {
			var r struct {
				Name   string `yaml:"name"`
				Tag    string `yaml:"tag"`
				Digest string `yaml:"digest"`
			}
			if err := latest.YNode().Decode(&r); err != nil {
				results = append(results, &framework.Result{Message: "status.latestRef: " + err.Error(), Severity: framework.Error, ResourceRef: ref(it)})
				continue
			}
			p.Image, p.Tag, p.Digest = r.Name, r.Tag, r.Digest
		} else if img, _ := it.Pipe(yaml.Lookup("status", "latestImage")); img != nil {
			v := yaml.GetValue(img)
			if at := strings.LastIndexByte(v, '@'); at >= 0 {
				v, p.Digest = v[:at], v[at+1:]
			}
			if c := strings.LastIndexByte(v, ':'); c > 0 && !strings.Contains(v[c:], "/") {
				p.Image, p.Tag = v[:c], v[c+1:]
			}
		}
		if p.Image == "" || p.Tag == "" {
			continue
		}
		out[p.ID()] = p
	}
	return out, results
}
