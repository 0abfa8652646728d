package build

import (
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ConfigAPIVersion is the apiVersion of this project's function configs.
const ConfigAPIVersion = "config.oamgitops.dev/v1alpha1"

// transformerStripper reads kustomizations with this project's function
// configs taken out of `transformers`, so a kustomization that calls our
// functions by exec path builds without exec: the build then runs them in
// process, in the order found.
type transformerStripper struct {
	filesys.FileSystem
	// known says which config kinds run in process.
	known func(kind string) bool
	// found holds the configs of each kustomization file, in read order.
	found [][]*yaml.RNode
	// foreign names the functions of other projects the kustomizations
	// call ("path/fn.yaml: Kind name"): they run only when exec is allowed.
	foreign []string
}

func (c *transformerStripper) ReadFile(path string) ([]byte, error) {
	data, err := c.FileSystem.ReadFile(path)
	if err != nil || !isKustomizationFile(path) {
		return data, err
	}
	node, err := yaml.Parse(string(data))
	if err != nil {
		return data, nil // kustomize reports the syntax error itself
	}
	c.findForeign(path, node)
	list, err := node.Pipe(yaml.Lookup("transformers"))
	if err != nil || list == nil || list.YNode().Kind != yaml.SequenceNode {
		return data, nil
	}
	var kept []*yaml.Node
	var configs []*yaml.RNode
	for _, entry := range list.Content() {
		if entry.Kind == yaml.ScalarNode {
			if cfg := c.functionConfig(filepath.Join(filepath.Dir(path), entry.Value)); cfg != nil {
				configs = append(configs, cfg)
				continue
			}
		}
		kept = append(kept, entry)
	}
	if len(configs) == 0 {
		return data, nil
	}
	c.found = append(c.found, configs)
	list.YNode().Content = kept
	out, err := node.String()
	if err != nil {
		return data, nil
	}
	return []byte(out), nil
}

// functionConfig returns the config in a transformer file when it is one of
// ours, nil when the file holds something else (kustomize resolves it).
func (c *transformerStripper) functionConfig(path string) *yaml.RNode {
	data, err := c.FileSystem.ReadFile(path)
	if err != nil {
		return nil
	}
	node, err := yaml.Parse(string(data))
	if err != nil || node.GetApiVersion() != ConfigAPIVersion || !c.known(node.GetKind()) {
		return nil
	}
	return node
}

// findForeign records the function configs of other projects that the
// kustomization at path lists as generators, transformers or validators.
func (c *transformerStripper) findForeign(path string, kustomization *yaml.RNode) {
	for _, field := range []string{"generators", "transformers", "validators"} {
		list, err := kustomization.Pipe(yaml.Lookup(field))
		if err != nil || list == nil || list.YNode().Kind != yaml.SequenceNode {
			continue
		}
		for _, entry := range list.Content() {
			if entry.Kind != yaml.ScalarNode {
				continue
			}
			file := filepath.Join(filepath.Dir(path), entry.Value)
			data, err := c.FileSystem.ReadFile(file)
			if err != nil {
				continue // a directory or a missing file: kustomize says
			}
			nodes, err := kio.FromBytes(data)
			if err != nil {
				continue
			}
			for _, n := range nodes {
				anns := n.GetAnnotations()
				_, fn := anns[runtimeutil.FunctionAnnotationKey]
				_, legacy := anns["config.k8s.io/function"] // the older spelling kustomize still reads
				if (fn || legacy) && (n.GetApiVersion() != ConfigAPIVersion || !c.known(n.GetKind())) {
					c.foreign = append(c.foreign, fmt.Sprintf("%s: %s %s", entry.Value, n.GetKind(), n.GetName()))
				}
			}
		}
	}
}

// ordered lists the configs found, deepest kustomization first: kustomize
// reads an overlay before its bases, and a base's transformers run first.
func (c *transformerStripper) ordered() []*yaml.RNode {
	var out []*yaml.RNode
	for i := len(c.found) - 1; i >= 0; i-- {
		out = append(out, c.found[i]...)
	}
	return out
}

func isKustomizationFile(path string) bool {
	base := filepath.Base(path)
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if base == name {
			return true
		}
	}
	return false
}
