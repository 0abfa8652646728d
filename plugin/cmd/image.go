package cmd

import "github.com/spf13/cobra"

// NewCmdImage groups the image automation commands.
func NewCmdImage(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Image automation: select tags by policy, set them in YAML files, commit registry updates to Git",
		Long: "Offline: `select` picks a tag from a list with a Flux ImagePolicy or a KubeVela imageRepository\n" +
			"block; `set` rewrites the fields marked with $imagepolicy comments. Online: `update` scans the\n" +
			"registries a source's policies name, sets the selected tags, commits and pushes to Git\n" +
			"(`kubectl gitops watch` runs it on its own interval).",
	}
	cmd.AddCommand(NewCmdImageSelect(streams), NewCmdImageSet(streams), NewCmdImageUpdate(streams))
	return cmd
}
