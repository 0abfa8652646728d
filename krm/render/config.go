package render

import (
	"fmt"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/fnconfig"
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

// Function config identity.
const (
	ConfigAPIVersion = "config.oamgitops.dev/v1alpha1"
	ConfigKind       = "RenderApplications"
)

// ConfigIdentity is the one kind of config the function accepts.
var ConfigIdentity = fnconfig.Kind{APIVersion: ConfigAPIVersion, Kind: ConfigKind}

// Config is the optional function config of render-application:
//
//	apiVersion: config.oamgitops.dev/v1alpha1
//	kind: RenderApplications
//	spec:
//	  clusterVersion: v1.34        # context.clusterVersion; default v1.34.0
//	  definitionDirs: [defs/]      # extra .cue/.yaml definitions
//	  keepApplications: false      # emit the Applications beside their objects
//	  clusters:                    # clusters topology policies may name or select
//	    - {name: prod-1, labels: {env: prod}}
//	  step: deploy-prod            # render one workflow step only
//	  topology: prod               # render one topology policy's placements only
//	  cluster: prod-1              # render what goes to one cluster only
//	  charts:                      # where helm components' charts come from
//	    cacheDir: .charts          # default: the cache kubectl gitops fills
//	    allowNetwork: true         # download what the cache lacks (default false)
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
	// Clusters are the clusters topology policies may name (checked) or
	// select by label. Default none: named clusters are taken on trust and
	// label selectors match nothing.
	Clusters []workflow.Cluster `json:"clusters,omitempty" yaml:"clusters,omitempty"`
	// Step, Topology and Cluster render part of each Application's
	// workflow: one step (by name), the placements of one topology policy,
	// or what goes to one cluster. Default: every placement.
	workflow.Selection `json:",inline" yaml:",inline"`
	// Charts says where the function gets the charts of `helm` components
	// (remote/charts reads it; kubectl gitops uses its own cache and
	// fetches what it lacks). Default: the plugin's cache, no network.
	Charts *ChartsConfig `json:"charts,omitempty" yaml:"charts,omitempty"`
	// Limits bound the evaluation of each Application's templates.
	// Default: DefaultLimits.
	Limits *LimitsConfig `json:"limits,omitempty" yaml:"limits,omitempty"`
}

// LimitsConfig is spec.limits of the function config.
type LimitsConfig struct {
	// Time is a duration (10s, 1m). Default 10s.
	Time string `json:"time,omitempty" yaml:"time,omitempty"`
	// Memory is a quantity (512Mi, 2Gi). Default 2Gi.
	Memory string `json:"memory,omitempty" yaml:"memory,omitempty"`
}

// ChartsConfig is spec.charts of the function config.
type ChartsConfig struct {
	// CacheDir is the chart cache, relative to the working directory.
	// Default: kubectl-gitops/charts under the user cache directory, the
	// cache kubectl gitops fills.
	CacheDir string `json:"cacheDir,omitempty" yaml:"cacheDir,omitempty"`
	// AllowNetwork lets the function download the charts (and newer
	// indexes) the cache lacks. Default false: the cache only.
	AllowNetwork bool `json:"allowNetwork,omitempty" yaml:"allowNetwork,omitempty"`
}

// Default fills in defaults.
func (c *Config) Default() error {
	if c.Spec.ClusterVersion == "" {
		c.Spec.ClusterVersion = DefaultOptions().ClusterVersion.GitVersion
	}
	return nil
}

// Validate checks the config's spec (fnconfig.Load checks its kind).
func (c *Config) Validate() error {
	if _, err := ParseClusterVersion(c.Spec.ClusterVersion); err != nil {
		return fmt.Errorf("spec.clusterVersion: %w", err)
	}
	seen := map[string]bool{}
	for i, cl := range c.Spec.Clusters {
		if strings.TrimSpace(cl.Name) == "" {
			return fmt.Errorf("spec.clusters[%d].name: must not be empty", i)
		}
		if seen[cl.Name] {
			return fmt.Errorf("spec.clusters[%d].name: cluster %q is listed twice", i, cl.Name)
		}
		seen[cl.Name] = true
	}
	for i, d := range c.Spec.DefinitionDirs {
		if strings.TrimSpace(d) == "" {
			return fmt.Errorf("spec.definitionDirs[%d]: must not be empty", i)
		}
	}
	if ch := c.Spec.Charts; ch != nil && ch.CacheDir != "" && strings.TrimSpace(ch.CacheDir) == "" {
		return fmt.Errorf("spec.charts.cacheDir: must not be blank")
	}
	if _, err := limitsOf(c.Spec.Limits); err != nil {
		return err
	}
	return nil
}

// Options turns the config into render options.
func (c *Config) Options() Options {
	opts := DefaultOptions()
	if v, err := ParseClusterVersion(c.Spec.ClusterVersion); err == nil {
		opts.ClusterVersion = v
	}
	opts.Clusters = c.Spec.Clusters
	opts.Select = c.Spec.Selection
	if l, err := limitsOf(c.Spec.Limits); err == nil {
		opts.Limits = l
	}
	return opts
}
