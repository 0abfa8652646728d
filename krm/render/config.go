package render

import (
	"fmt"
	"strings"
)

// Function config identity.
const (
	ConfigAPIVersion = "config.oamgitops.dev/v1alpha1"
	ConfigKind       = "RenderApplications"
)

// Config is the optional function config of render-application:
//
//	apiVersion: config.oamgitops.dev/v1alpha1
//	kind: RenderApplications
//	spec:
//	  clusterVersion: v1.34        # context.clusterVersion; default v1.34.0
//	  definitionDirs: [defs/]      # extra .cue/.yaml definitions
//	  keepApplications: false      # emit the Applications beside their objects
type Config struct {
	APIVersion string     `json:"apiVersion" yaml:"apiVersion"`
	Kind       string     `json:"kind" yaml:"kind"`
	Spec       ConfigSpec `json:"spec" yaml:"spec"`
}

// ConfigSpec is the body of Config.
type ConfigSpec struct {
	// ClusterVersion is the Kubernetes version templates see. Default v1.34.0.
	ClusterVersion string `json:"clusterVersion,omitempty" yaml:"clusterVersion,omitempty"`
	// DefinitionDirs are directories of extra definitions, relative to the
	// working directory. Default none.
	DefinitionDirs []string `json:"definitionDirs,omitempty" yaml:"definitionDirs,omitempty"`
	// KeepApplications keeps each Application in the output after its
	// objects. Default false.
	KeepApplications bool `json:"keepApplications,omitempty" yaml:"keepApplications,omitempty"`
}

// Default fills in defaults.
func (c *Config) Default() error {
	if c.Spec.ClusterVersion == "" {
		c.Spec.ClusterVersion = DefaultOptions().ClusterVersion.GitVersion
	}
	return nil
}

// Validate checks the config.
func (c *Config) Validate() error {
	if c.APIVersion != ConfigAPIVersion || c.Kind != ConfigKind {
		return fmt.Errorf("function config %s/%s is not accepted: expected apiVersion %s, kind %s",
			c.APIVersion, c.Kind, ConfigAPIVersion, ConfigKind)
	}
	if _, err := ParseClusterVersion(c.Spec.ClusterVersion); err != nil {
		return fmt.Errorf("spec.clusterVersion: %w", err)
	}
	for i, d := range c.Spec.DefinitionDirs {
		if strings.TrimSpace(d) == "" {
			return fmt.Errorf("spec.definitionDirs[%d]: must not be empty", i)
		}
	}
	return nil
}

// Options turns the config into render options.
func (c *Config) Options() Options {
	opts := DefaultOptions()
	if v, err := ParseClusterVersion(c.Spec.ClusterVersion); err == nil {
		opts.ClusterVersion = v
	}
	return opts
}
