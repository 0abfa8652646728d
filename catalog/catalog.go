// Package catalog holds the built-in definitions — component, trait and
// policy types in KubeVela's CUE definition format — embedded in every
// binary, and reads user definition directories.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
)

//go:embed components/*.cue traits/*.cue policies/*.cue
var files embed.FS

// Registry returns a new registry holding every built-in definition.
func Registry() (*definition.Registry, error) {
	defs, err := Builtins()
	if err != nil {
		return nil, err
	}
	reg := definition.NewRegistry()
	reg.Add(defs...)
	return reg, nil
}

// Builtins parses the embedded definitions, sorted by kind and name.
func Builtins() ([]*definition.Definition, error) {
	return loadFS(files, "catalog/")
}

// LoadDir reads every definition under dir: CUE files in the definition
// file form and YAML files holding ComponentDefinition, TraitDefinition,
// PolicyDefinition or WorkflowStepDefinition objects.
func LoadDir(dir string) ([]*definition.Definition, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("definition directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("definition directory %s: not a directory", dir)
	}
	return loadFS(os.DirFS(dir), strings.TrimSuffix(dir, "/")+"/")
}

func loadFS(fsys fs.FS, prefix string) ([]*definition.Definition, error) {
	var defs []*definition.Definition
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		origin := filepath.ToSlash(prefix + path)
		switch strings.ToLower(filepath.Ext(path)) {
		case ".cue":
			src, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			def, err := definition.LoadCUE(origin, src)
			if err != nil {
				return err
			}
			defs = append(defs, def)
		case ".yaml", ".yml":
			src, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			nodes, err := (&kio.ByteReader{Reader: strings.NewReader(string(src)), OmitReaderAnnotations: true}).Read()
			if err != nil {
				return fmt.Errorf("%s: %w", origin, err)
			}
			for _, n := range nodes {
				if !definition.IsObject(n) {
					continue
				}
				def, err := definition.FromObject(origin, n)
				if err != nil {
					return err
				}
				defs = append(defs, def)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(defs, func(i, j int) bool {
		if defs[i].Kind != defs[j].Kind {
			return defs[i].Kind < defs[j].Kind
		}
		return defs[i].Name < defs[j].Name
	})
	return defs, nil
}
