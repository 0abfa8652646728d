package build

import (
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// configStripper reads kustomizations with this project's function configs
// taken out of `transformers`, so a kustomization that calls
// render-application by exec path builds without exec: the build runs the
// function in process afterwards, with the config it found.
type configStripper struct {
	filesys.FileSystem
	found *render.Config
}

func (c *configStripper) ReadFile(path string) ([]byte, error) {
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
	changed := false
	for _, entry := range list.Content() {
		if entry.Kind == yaml.ScalarNode {
			cfg, err := c.renderConfig(filepath.Join(filepath.Dir(path), entry.Value))
			if err != nil {
				return nil, err
			}
			if cfg != nil {
				if c.found == nil {
					c.found = cfg
				}
				changed = true
				continue
			}
		}
		kept = append(kept, entry)
	}
	if !changed {
		return data, nil
	}
	list.YNode().Content = kept
	out, err := node.String()
	if err != nil {
		return data, nil
	}
	return []byte(out), nil
}

// renderConfig returns the RenderApplications config in a transformer
// file, nil when the file holds something else.
func (c *configStripper) renderConfig(path string) (*render.Config, error) {
	data, err := c.FileSystem.ReadFile(path)
	if err != nil {
		return nil, nil // not a file: kustomize resolves it
	}
	node, err := yaml.Parse(string(data))
	if err != nil || node.GetKind() != render.ConfigKind || node.GetApiVersion() != render.ConfigAPIVersion {
		return nil, nil
	}
	cfg := &render.Config{}
	if err := yaml.Unmarshal(data, cfg); err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", path, render.ConfigKind, node.GetName(), err)
	}
	if err := cfg.Default(); err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", path, render.ConfigKind, node.GetName(), err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", path, render.ConfigKind, node.GetName(), err)
	}
	return cfg, nil
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
