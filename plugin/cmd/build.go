package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/apppatch"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/krm/setters"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
)

// BuildOptions renders a directory offline.
type BuildOptions struct {
	IOStreams
	Dir            string
	ClusterVersion string
	DefinitionDirs []string
	AllowExec      bool
	// Root is the only tree the build reads (paths and symlinks that
	// leave it are refused): default the Git work tree DIR is in, else DIR.
	Root string
	// ShowSecrets prints the values of Secrets as they are in Git
	// (decrypted SOPS values stay masked). Default false: masked.
	ShowSecrets bool
}

// NewCmdBuild builds `kubectl gitops build DIR`.
func NewCmdBuild(streams IOStreams) *cobra.Command {
	o := &BuildOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Print the objects a directory renders to, without touching a cluster",
		Long: "Builds DIR with kustomize when it has a kustomization, else every YAML file under it,\n" +
			"and expands each OAM Application into Kubernetes objects. Nothing touches a cluster. SOPS-encrypted\n" +
			"files are decrypted in memory with the age keys of SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY); their values\n" +
			"are printed as ***.",
		Example: "  kubectl gitops build ./apps\n  kubectl gitops build ./clusters/production --cluster-version v1.33",
		Args:    cobra.ExactArgs(1),
		RunE:    runE(o),
	}
	cmd.Flags().StringVar(&o.ClusterVersion, "cluster-version", "", "Kubernetes version templates target (default v1.34.0, or the kustomization's RenderApplications config)")
	cmd.Flags().StringSliceVar(&o.DefinitionDirs, "definitions", nil, "directories of extra ComponentDefinition/TraitDefinition files (.cue or .yaml)")
	cmd.Flags().BoolVar(&o.AllowExec, "allow-exec", false, allowExecUsage)
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "print the values of Secrets written in plain text in Git (default: masked as ***; SOPS-decrypted values are always masked)")
	cmd.Flags().StringVar(&o.Root, "root", "", "the only directory the build may read, as sync reads only the checkout (default: the Git work tree DIR is in, else DIR)")
	return cmd
}

// Complete fills the options from arguments; the root defaults to the Git
// work tree DIR is in, else DIR.
func (o *BuildOptions) Complete(args []string) error {
	o.Dir = args[0]
	if o.Root == "" {
		o.Root = workTree(o.Dir)
	}
	return nil
}

// workTree is the nearest directory at or above dir holding .git, else
// dir itself.
func workTree(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return abs
		}
	}
}

// Validate checks the options.
func (o *BuildOptions) Validate() error {
	if o.ClusterVersion != "" {
		if _, err := render.ParseClusterVersion(o.ClusterVersion); err != nil {
			return fmt.Errorf("--cluster-version: %w", err)
		}
	}
	return nil
}

// Run builds and prints.
func (o *BuildOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts, err := buildOptions(o.ClusterVersion, o.DefinitionDirs)
	if err != nil {
		return err
	}
	opts.AllowExec = o.AllowExec
	opts.Root = o.Root
	// Charts of helm components are fetched into the cache; without a
	// cluster, valuesFrom objects come from the build and a secretRef
	// cannot be read.
	if opts.Charts, err = charts.New(charts.Options{AllowNetwork: true, Progress: o.ErrOut}); err != nil {
		return err
	}
	// SOPS files decrypt with the keys the user's sops CLI has; what is
	// printed shows none of their values.
	if opts.Decrypter, err = terminalDecrypter(os.Getenv); err != nil {
		return err
	}
	d := opts.Decrypter
	res, err := build.Dir(ctx, o.Dir, opts)
	if res != nil {
		for _, r := range res.Results {
			fmt.Fprintf(o.ErrOut, "%s: %s\n", r.Severity, d.Redact(strings.TrimSpace(r.Message)))
		}
	}
	if errors.Is(err, build.ErrRender) {
		return fmt.Errorf("%s: %d Application error(s); nothing printed", o.Dir, countErrors(res))
	}
	if err != nil {
		return d.RedactError(err)
	}
	if n := d.MaskObjects(res.Objects); n > 0 {
		fmt.Fprintf(o.ErrOut, "%d value(s) decrypted from %d SOPS file(s) are printed as %s; sync applies them\n",
			n, d.Files(), decrypt.Mask)
	}
	if !o.ShowSecrets {
		if n := maskSecrets(res.Objects); n > 0 {
			fmt.Fprintf(o.ErrOut, "%d Secret value(s) are printed as %s (--show-secrets prints those in Git in plain text)\n", n, decrypt.Mask)
		}
	}
	w := kio.ByteWriter{Writer: o.Out, ClearAnnotations: []string{
		kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
		kioutil.IdAnnotation, kioutil.LegacyIdAnnotation,
	}}
	return w.Write(res.Objects)
}

// maskSecrets replaces every value under data and stringData of the
// Secrets among nodes with decrypt.Mask, as diff does, and says how many.
func maskSecrets(nodes []*yaml.RNode) int {
	n := 0
	for _, node := range nodes {
		if node.GetKind() != "Secret" || node.GetApiVersion() != "v1" {
			continue
		}
		for _, field := range []string{"data", "stringData"} {
			m := node.Field(field)
			if m == nil || m.Value.YNode().Kind != yaml.MappingNode {
				continue
			}
			content := m.Value.YNode().Content
			for i := 1; i < len(content); i += 2 {
				if content[i].Value == decrypt.Mask {
					continue // a decrypted value, masked already
				}
				content[i].Kind, content[i].Tag, content[i].Value, content[i].Style = yaml.ScalarNode, "!!str", decrypt.Mask, 0
				content[i].Content = nil
				n++
			}
		}
	}
	return n
}

// buildOptions are the build options of every command: the built-in
// definitions and this project's functions in process, and a render config
// when clusterVersion or definitionDirs are given.
func buildOptions(clusterVersion string, definitionDirs []string) (build.Options, error) {
	builtins, err := catalog.Registry()
	if err != nil {
		return build.Options{}, fmt.Errorf("loading the built-in definitions: %w", err)
	}
	opts := build.Options{
		Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir},
		Functions: map[string]framework.ResourceListProcessor{
			apppatch.ConfigKind: apppatch.Function{},
			setters.ConfigKind:  setters.Function{},
		},
	}
	if clusterVersion != "" || len(definitionDirs) > 0 {
		cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
		cfg.Spec.ClusterVersion = clusterVersion
		cfg.Spec.DefinitionDirs = definitionDirs
		if err := cfg.Default(); err != nil {
			return build.Options{}, err
		}
		opts.Config = cfg
	}
	return opts, nil
}

func countErrors(res *build.Result) int {
	n := 0
	for _, r := range res.Results {
		if r.Severity == "error" {
			n++
		}
	}
	return n
}
