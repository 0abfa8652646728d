package build

import (
	"path/filepath"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"
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
