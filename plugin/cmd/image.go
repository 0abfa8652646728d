package cmd

import "github.com/spf13/cobra"

// NewCmdImage groups the image automation commands.
func NewCmdImage(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Select image tags by policy and set them in YAML files",
		Long: "Offline image automation: `select` picks a tag from a list with a Flux ImagePolicy or a\n" +
			"KubeVela imageRepository block; `set` rewrites the fields marked with $imagepolicy comments.",
	}
	cmd.AddCommand(NewCmdImageSelect(streams), NewCmdImageSet(streams), NewCmdImageUpdate(streams))
	return cmd
}
