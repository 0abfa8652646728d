package cmd

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/krm/setters"
)

// ImageSetOptions rewrites $imagepolicy-marked fields under a directory.
type ImageSetOptions struct {
	IOStreams
	// Dir is the root to update. Required.
	Dir string
	// PolicyArgs are NS:NAME=IMAGE:TAG[@DIGEST]; at least one.
	PolicyArgs []string
	// DryRun prints the changes without writing. Default false.
	DryRun bool
	// Verbose also prints the markers left alone on purpose. Default false.
	Verbose bool

	policies setters.Policies
}

// NewCmdImageSet builds `kubectl gitops image set`.
func NewCmdImageSet(streams IOStreams) *cobra.Command {
	o := &ImageSetOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "set --dir DIR --policy NS:NAME=IMAGE:TAG[@DIGEST]...",
		Short: "Set the fields marked with $imagepolicy comments to a policy's image",
		Long: "Rewrites, in place, every scalar under DIR (*.yaml, *.yml, Kustomization) marked with a\n" +
			"comment such as # {\"$imagepolicy\": \"NS:NAME\"} (or NS:NAME:tag, :name, :digest) whose\n" +
			"policy is given. Only the marked values' bytes change and only changed files are written.\n" +
			"Prints one line per change: FILE:LINE: FIELD: OLD -> NEW.",
		Example: "  kubectl gitops image set --dir . --policy default:apps=ghcr.io/org/app:master-1a2b3c4-1700000500\n" +
			"  kubectl gitops image set --dir apps --policy flux-system:app=ghcr.io/org/app:1.2.3@sha256:… --dry-run",
		Args: cobra.NoArgs,
		RunE: runE(o),
	}
	cmd.Flags().StringVar(&o.Dir, "dir", "", "directory to update (required)")
	cmd.Flags().StringArrayVar(&o.PolicyArgs, "policy", nil, "NAMESPACE:NAME=IMAGE:TAG[@DIGEST]; repeat for several policies")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the changes without writing any file")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "also report markers naming policies that were not given")
	return cmd
}

// Complete parses the policies.
func (o *ImageSetOptions) Complete(_ []string) error {
	var ps []setters.Policy
	for _, a := range o.PolicyArgs {
		p, err := setters.ParsePolicy(a)
		if err != nil {
			return fmt.Errorf("--policy: %w", err)
		}
		ps = append(ps, p)
	}
	o.policies = setters.NewPolicies(ps...)
	return nil
}

// Validate checks the directory and that a policy is given.
func (o *ImageSetOptions) Validate() error {
	if o.Dir == "" {
		return fmt.Errorf("--dir is required: the directory whose marked fields to set")
	}
	if info, err := os.Stat(o.Dir); err != nil {
		return fmt.Errorf("--dir: %w", err)
	} else if !info.IsDir() {
		return fmt.Errorf("--dir: %s is not a directory", o.Dir)
	}
	if len(o.policies) == 0 {
		return fmt.Errorf("--policy is required: NAMESPACE:NAME=IMAGE:TAG[@DIGEST], e.g. default:apps=ghcr.io/org/app:1.2.3")
	}
	return nil
}

// Run updates the directory and prints the changes.
func (o *ImageSetOptions) Run(ctx context.Context) error {
	res, err := setters.UpdateDir(o.Dir, o.policies, setters.DirOptions{DryRun: o.DryRun})
	for _, n := range res.Notes {
		if n.Level == setters.Debug && !o.Verbose {
			continue
		}
		fmt.Fprintf(o.ErrOut, "%s: %s\n", n.Level, n)
	}
	if err != nil {
		return err
	}
	for _, c := range res.Changes {
		fmt.Fprintf(o.Out, "%s:%d: %s: %s -> %s\n", c.File, c.Line, c.Field, c.OldValue, c.NewValue)
	}
	verb := "updated"
	if o.DryRun {
		verb = "would be updated (dry run)"
	}
	fmt.Fprintf(o.ErrOut, "%d field(s) in %d file(s) %s\n", len(res.Changes), len(res.Files), verb)
	return nil
}
