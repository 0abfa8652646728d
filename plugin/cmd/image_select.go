package cmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
)

// ImageSelectOptions picks a tag from a list with a policy.
type ImageSelectOptions struct {
	IOStreams
	// PolicyFile holds the policy (ImagePolicy, Application or
	// imageRepository block). Required.
	PolicyFile string
	// TagsFile holds one tag per line; "-" reads In. Required.
	TagsFile string
	// Name picks one policy ("NS/NAME") when the file holds several.
	Name string
}

// NewCmdImageSelect builds `kubectl gitops image select`.
func NewCmdImageSelect(streams IOStreams) *cobra.Command {
	o := &ImageSelectOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "select --policy POLICY.yaml --tags TAGS.txt",
		Short: "Print the tag an image policy selects from a list of tags",
		Long: "Reads a Flux ImagePolicy (image.toolkit.fluxcd.io/v1 or v1beta2, with the ImageRepository it\n" +
			"references when present, for its exclusionList), an Application with a component's\n" +
			"imageRepository block, or a bare imageRepository block, and prints the original tag the policy\n" +
			"selects from TAGS.txt (one tag per line; - reads stdin). Exits non-zero when the policy is\n" +
			"invalid or no tag matches.",
		Example: "  kubectl gitops image select --policy imagepolicy.yaml --tags tags.txt\n" +
			"  crane ls ghcr.io/org/app | kubectl gitops image select --policy clusters/apps.yaml --tags -",
		Args: cobra.NoArgs,
		RunE: runE(o),
	}
	cmd.Flags().StringVar(&o.PolicyFile, "policy", "", "file with the ImagePolicy, Application or imageRepository block")
	cmd.Flags().StringVar(&o.TagsFile, "tags", "", "file with one tag per line (- for stdin)")
	cmd.Flags().StringVar(&o.Name, "name", "", "NAMESPACE/NAME of the policy's object when the file holds several")
	return cmd
}

// Complete has nothing to derive.
func (o *ImageSelectOptions) Complete(_ []string) error { return nil }

// Validate checks the required flags.
func (o *ImageSelectOptions) Validate() error {
	if o.PolicyFile == "" {
		return fmt.Errorf("--policy is required: the file holding the ImagePolicy or imageRepository block")
	}
	if o.TagsFile == "" {
		return fmt.Errorf("--tags is required: a file with one tag per line, or - for stdin")
	}
	return nil
}

// Run selects and prints the tag.
func (o *ImageSelectOptions) Run(ctx context.Context) error {
	data, err := os.ReadFile(o.PolicyFile)
	if err != nil {
		return err
	}
	srcs, err := imagepolicy.Load(o.PolicyFile, data)
	if err != nil {
		return err
	}
	src, err := o.pick(srcs)
	if err != nil {
		return err
	}
	sel, err := src.Compile()
	if err != nil {
		return err
	}
	tags, err := o.readTags()
	if err != nil {
		return err
	}
	tag, err := sel.Select(tags)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", src.File, src.Ref(), err)
	}
	_, err = fmt.Fprintln(o.Out, tag)
	return err
}

func (o *ImageSelectOptions) pick(srcs []imagepolicy.Source) (imagepolicy.Source, error) {
	var names []string
	for _, s := range srcs {
		id := s.Namespace + "/" + s.Name
		if o.Name == "" || o.Name == id {
			names = append(names, s.Ref())
		}
	}
	if o.Name == "" && len(srcs) == 1 {
		return srcs[0], nil
	}
	if o.Name != "" {
		var found []imagepolicy.Source
		for _, s := range srcs {
			if s.Namespace+"/"+s.Name == o.Name {
				found = append(found, s)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) == 0 {
			return imagepolicy.Source{}, fmt.Errorf("%s: no policy of an object named %s", o.PolicyFile, o.Name)
		}
	}
	return imagepolicy.Source{}, fmt.Errorf("%s: %d policies (%s): choose one with --name NAMESPACE/NAME",
		o.PolicyFile, len(names), strings.Join(names, ", "))
}

func (o *ImageSelectOptions) readTags() ([]string, error) {
	var r io.Reader
	if o.TagsFile == "-" {
		r = o.In
	} else {
		data, err := os.ReadFile(o.TagsFile)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	var tags []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			tags = append(tags, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading tags from %s: %w", o.TagsFile, err)
	}
	return tags, nil
}
