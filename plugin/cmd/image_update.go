package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// ImageUpdateOptions scans registries and commits image updates to the
// Git sources of SOURCE.
type ImageUpdateOptions struct {
	SourceOptions
	OutputOptions
	// DryRun shows the changes and the commit message without committing.
	DryRun bool
	// AuthorName and AuthorEmail sign the commits.
	AuthorName, AuthorEmail string
	// RegistryTimeout bounds the tag listing of one image.
	RegistryTimeout time.Duration
	// PushAttempts bounds the pushes when the branch keeps moving.
	PushAttempts int

	// noCluster says why no cluster is used (no usable kubeconfig);
	// empty when there is one.
	noCluster string
}

// NewCmdImageUpdate builds `kubectl gitops image update SOURCE`.
func NewCmdImageUpdate(streams IOStreams) *cobra.Command {
	o := &ImageUpdateOptions{SourceOptions: newSourceOptions(streams)}
	cmd := &cobra.Command{
		Use:   "update [SOURCE]",
		Short: "Scan registries for new image tags, set them in Git, commit and push",
		Long: "For each Git source of SOURCE (a file or directory of Applications such as clusters/apps.yaml, or\n" +
			"--repo), lists the tags of the images its policies follow: the imageRepository block of the\n" +
			"kustomize component declaring it (markers name it NAMESPACE:APP), and the Flux ImagePolicy objects\n" +
			"in the source. It sets the selected tags at the $imagepolicy markers under the source's path,\n" +
			"changing only those bytes, and commits (\"Update image automatically.\" plus the block's\n" +
			"commitMessage template) and pushes to the source's branch without forcing, retrying on the new\n" +
			"head when someone pushed meanwhile.\n\n" +
			"Credentials: the Secrets the sources name (git secretRef; imageRepository.secretRef, a\n" +
			"docker-registry Secret) are read from the cluster; without a kubeconfig, " + EnvGitUsername + "/" + EnvGitPassword + "\n" +
			"and the local docker config ($DOCKER_CONFIG, ~/.docker/config.json) are used instead.",
		Example: "  kubectl gitops image update clusters/apps.yaml\n" +
			"  kubectl gitops image update clusters/apps.yaml --dry-run\n" +
			"  kubectl gitops image update --repo https://git.example.com/fleet.git --branch main --path ./clusters/prod -o yaml",
		RunE: runE(o),
	}
	o.SourceOptions.addFlags(cmd.Flags())
	o.OutputOptions.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "show what would change and the commit message; commit nothing")
	d := imageauto.DefaultOptions()
	cmd.Flags().StringVar(&o.AuthorName, "author-name", d.Author.Name, "commit author name")
	cmd.Flags().StringVar(&o.AuthorEmail, "author-email", d.Author.Email, "commit author email")
	cmd.Flags().DurationVar(&o.RegistryTimeout, "registry-timeout", d.RegistryTimeout, "how long listing one image's tags may take")
	cmd.Flags().IntVar(&o.PushAttempts, "push-attempts", d.MaxPushAttempts, "how many times to push when the branch keeps moving")
	return cmd
}

// Complete reads the arguments and the kubeconfig. Without a usable
// kubeconfig it goes on without a cluster: credentials then come from the
// environment and the local docker config.
func (o *ImageUpdateOptions) Complete(args []string) error {
	err := o.SourceOptions.complete(args)
	if err != nil && o.namespace != "" && o.restConfig == nil {
		o.noCluster = err.Error()
		return nil
	}
	if err != nil {
		return err
	}
	// With no kubeconfig at all, client-go falls back to
	// http://localhost:8080; that is no cluster either.
	raw, err := o.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	server := o.ConfigFlags.APIServer != nil && *o.ConfigFlags.APIServer != ""
	if len(raw.Clusters) == 0 && !server && os.Getenv("KUBERNETES_SERVICE_HOST") == "" {
		o.restConfig, o.noCluster = nil, "no kubeconfig (--kubeconfig, $KUBECONFIG or ~/.kube/config)"
	}
	return nil
}

// Validate checks the options.
func (o *ImageUpdateOptions) Validate() error {
	switch {
	case o.RegistryTimeout <= 0:
		return errors.New("--registry-timeout must be positive")
	case o.PushAttempts <= 0:
		return errors.New("--push-attempts must be positive")
	case o.AuthorName == "":
		return errors.New("--author-name must not be empty")
	case !strings.Contains(o.AuthorEmail, "@"):
		return fmt.Errorf("--author-email %q is not an email address", o.AuthorEmail)
	}
	if err := o.OutputOptions.validate(); err != nil {
		return err
	}
	return o.SourceOptions.validate()
}

// Run updates the sources, imageauto.DefaultWorkers repositories at once;
// a failing source does not stop the others, and the command fails when
// any did. Results are printed in the order of the sources.
func (o *ImageUpdateOptions) Run(ctx context.Context) error {
	srcs, err := o.imageSources()
	if err != nil {
		return err
	}
	u, err := o.updater()
	if err != nil {
		return err
	}
	results, failures := u.UpdateAll(ctx, srcs, imageauto.DefaultWorkers)
	var errs []error
	policies := 0
	for i, res := range results {
		policies += len(res.Policies)
		if failures[i] != nil {
			errs = append(errs, failures[i])
		}
	}
	if o.machine() {
		if err := o.print(o.Out, results); err != nil {
			errs = append(errs, err)
		}
	} else {
		printImageUpdates(o.Out, o.ErrOut, results)
	}
	if len(errs) == 0 && policies == 0 {
		errs = append(errs, errors.New("no image policy: the sources declare no imageRepository block (in the kustomize "+
			"component's properties) and hold no Flux ImagePolicy"))
	}
	return errors.Join(errs...)
}

// imageSources resolves SOURCE with the imageRepository blocks, or the
// --repo flags.
func (o *ImageUpdateOptions) imageSources() ([]imageauto.Source, error) {
	if o.Repo != "" {
		gits, err := o.sources()
		if err != nil {
			return nil, err
		}
		return []imageauto.Source{{Git: gits[0]}}, nil
	}
	nodes, err := source.ReadApplications(o.Arg)
	if err != nil {
		return nil, err
	}
	srcs, err := imageauto.FromApplications(nodes, o.namespace, "")
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("%s: %w; declare a source with --repo URL instead", o.Arg, source.ErrNoSources)
	}
	return srcs, nil
}

// updater wires the credentials: from the cluster's Secrets, or without a
// cluster from the environment and the local docker config.
func (o *ImageUpdateOptions) updater() (*imageauto.Updater, error) {
	opts := imageauto.DefaultOptions()
	opts.Author = gitrepo.Signature{Name: o.AuthorName, Email: o.AuthorEmail}
	opts.DryRun, opts.MaxPushAttempts, opts.RegistryTimeout, opts.Progress = o.DryRun, o.PushAttempts, o.RegistryTimeout, o.ErrOut
	u := &imageauto.Updater{Fetch: gitrepo.DefaultOptions(), Options: opts}
	if o.restConfig == nil {
		var once sync.Once
		warn := func(namespace, name string) {
			if name != "" {
				once.Do(func() {
					fmt.Fprintf(o.ErrOut, "warning: no cluster (%s): Secrets such as %s/%s are not read; using %s/%s and the local docker config\n",
						o.noCluster, namespace, name, EnvGitUsername, EnvGitPassword)
				})
			}
		}
		u.GitCredentials = func(_ context.Context, namespace, name string) (gitrepo.Auth, error) {
			warn(namespace, name)
			return gitrepo.Auth{Username: os.Getenv(EnvGitUsername), Password: os.Getenv(EnvGitPassword)}, nil
		}
		u.RegistryCredentials = func(ctx context.Context, namespace, name string) (imageauto.RegistryCredentials, error) {
			warn(namespace, name)
			return imageauto.LocalRegistryCredentials(ctx, namespace, name)
		}
		return u, nil
	}
	client, err := kubernetes.NewForConfig(o.restConfig)
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	u.GitCredentials = credentials(client, o.terminal)
	u.RegistryCredentials = registryCredentials(client, o.terminal)
	return u, nil
}

// registryCredentials reads docker-registry Secrets from the cluster; a
// policy naming none uses the local docker config from a terminal, and
// none in the agent.
func registryCredentials(client kubernetes.Interface, terminal bool) imageauto.RegistryCredentialsFunc {
	return func(ctx context.Context, namespace, name string) (imageauto.RegistryCredentials, error) {
		if name == "" {
			if !terminal { // the agent's own docker config is not a tenant's
				return imageauto.RegistryCredentials{From: "no Secret (anonymous; name a docker-registry Secret in secretRef)"}, nil
			}
			return imageauto.LocalRegistryCredentials(ctx, namespace, name)
		}
		secret, err := getSecret(ctx, client, namespace, name, "docker-registry",
			"--docker-server=REGISTRY --docker-username=USER --docker-password=TOKEN")
		if err != nil {
			return imageauto.RegistryCredentials{}, err
		}
		kc, err := imageauto.KeychainFromSecretData(secret.Data)
		if err != nil {
			return imageauto.RegistryCredentials{}, fmt.Errorf("Secret %s/%s: %w", namespace, name, err)
		}
		return imageauto.RegistryCredentials{Keychain: kc, From: "Secret " + namespace + "/" + name}, nil
	}
}

// printImageUpdates writes one line per field set to out (FILE:LINE:
// FIELD: OLD -> NEW) and, for a dry run, the commit message to errOut.
func printImageUpdates(out, errOut io.Writer, results []*imageauto.Result) {
	for _, r := range results {
		for _, c := range r.Changes {
			fmt.Fprintf(out, "%s:%d: %s: %s -> %s\n", c.File, c.Line, c.Field, c.Old, c.New)
		}
		if r.DryRun && len(r.Changes) > 0 {
			fmt.Fprintf(errOut, "%s: would commit:\n%s\n", r.Source, indent(r.Message))
		}
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
