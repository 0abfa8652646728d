package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// Environment variables holding Git credentials for sources that name no
// Secret.
const (
	EnvGitUsername = "GIT_USERNAME"
	EnvGitPassword = "GIT_PASSWORD"
)

// SourceOptions are what every command taking a SOURCE shares: the
// source, as a file or directory of Applications or as flags, and the
// cluster flags.
type SourceOptions struct {
	IOStreams
	ConfigFlags *genericclioptions.ConfigFlags

	// Arg is the SOURCE argument: a file or directory of Applications.
	Arg string
	// Repo, the ref fields, Path, Secret and Name declare a source by flags.
	Repo, Branch, Tag, SemVer, Commit, Path, Secret, Name string
	// ClusterVersion overrides the version templates see (default: the
	// cluster's).
	ClusterVersion string
	// AllowExec lets a source's kustomizations run other projects'
	// functions (commands that build: sync, diff, watch).
	AllowExec bool
	// DefaultServiceAccount is applied as by sources that name no
	// serviceAccountName; NoCrossNamespaceRefs keeps nested sources in
	// their parent's namespace (both on by install --lockdown).
	DefaultServiceAccount string
	NoCrossNamespaceRefs  bool
	// terminal says a user runs the command (not the agent): a source
	// naming no decryption Secret decrypts with SOPS_AGE_KEY_FILE's keys.
	terminal bool

	// Filled by complete.
	namespace  string
	restConfig *rest.Config
}

func newSourceOptions(streams IOStreams) SourceOptions {
	return SourceOptions{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(true), terminal: true}
}

func (o *SourceOptions) addFlags(fs *pflag.FlagSet) {
	o.ConfigFlags.AddFlags(fs)
	fs.StringVar(&o.Repo, "repo", "", "Git repository URL of a source declared by flags (instead of SOURCE)")
	fs.StringVar(&o.Branch, "branch", "", "branch to follow (with --repo)")
	fs.StringVar(&o.Tag, "tag", "", "tag to check out (with --repo)")
	fs.StringVar(&o.SemVer, "semver", "", "semver range over the tags (with --repo)")
	fs.StringVar(&o.Commit, "commit", "", "commit to check out (with --repo)")
	fs.StringVar(&o.Path, "path", "", "directory in the repository to build (with --repo; default the root)")
	fs.StringVar(&o.Secret, "secret", "", "Secret in the namespace with the Git credentials (username/password, bearerToken, …); "+
		"without one, "+EnvGitUsername+"/"+EnvGitPassword+" are used when set")
	fs.StringVar(&o.Name, "name", "", "name of a source declared by flags (default: repository name and path)")
	fs.StringVar(&o.ClusterVersion, "cluster-version", "", "Kubernetes version templates target (default: the cluster's)")
}

// addBuildFlags adds the flags of commands that build sources for a
// cluster (sync, diff, watch, agent): how they build, and as whom they
// apply.
func (o *SourceOptions) addBuildFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.AllowExec, "allow-exec", false, allowExecUsage)
	fs.StringVar(&o.DefaultServiceAccount, "default-service-account", "",
		"apply a source that names no serviceAccountName as this ServiceAccount of its namespace (impersonated), not with your own rights")
	fs.BoolVar(&o.NoCrossNamespaceRefs, "no-cross-namespace-refs", false,
		"refuse a nested source (an Application in a source's build) in another namespace than its parent's")
}

const allowExecUsage = "let kustomizations run functions of other projects (exec and container functions) on this machine; " +
	"this project's functions always run in process"

// complete reads the argument and the kubeconfig.
func (o *SourceOptions) complete(args []string) error {
	switch len(args) {
	case 0:
	case 1:
		o.Arg = args[0]
	default:
		return fmt.Errorf("want one SOURCE, got %d arguments", len(args))
	}
	ns, _, err := o.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	o.namespace = ns
	if o.restConfig, err = o.ConfigFlags.ToRESTConfig(); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	if o.restConfig.QPS == 0 && o.restConfig.RateLimiter == nil {
		// Not client-go's 5 a second: a source of thousands of objects is
		// read, dry-run and polled object by object (see plugin/apply).
		o.restConfig.QPS, o.restConfig.Burst = 500, 1000
	}
	return nil
}

// validate checks that exactly one way of declaring the source is used.
func (o *SourceOptions) validate() error {
	flags := o.Branch != "" || o.Tag != "" || o.SemVer != "" || o.Commit != "" || o.Path != "" || o.Name != ""
	switch {
	case o.Arg != "" && o.Repo != "":
		return errors.New("give either SOURCE or --repo, not both")
	case o.Arg == "" && o.Repo == "":
		return errors.New("no source: give a file or directory of Applications (clusters/apps.yaml), or --repo URL --branch B --path P")
	case o.Arg != "" && flags:
		return errors.New("--branch, --tag, --semver, --commit, --path and --name go with --repo; SOURCE declares its own")
	}
	if o.Repo != "" {
		if err := o.flagRef().Validate(); err != nil {
			return fmt.Errorf("--branch/--tag/--semver/--commit: %w", err)
		}
	}
	if o.ClusterVersion != "" {
		if _, err := render.ParseClusterVersion(o.ClusterVersion); err != nil {
			return fmt.Errorf("--cluster-version: %w", err)
		}
	}
	return nil
}

func (o *SourceOptions) flagRef() gitrepo.Ref {
	return gitrepo.Ref{Branch: o.Branch, Tag: o.Tag, SemVer: o.SemVer, Commit: o.Commit}
}

// sources resolves the SOURCE argument or the flags.
func (o *SourceOptions) sources() ([]source.Declaration, error) {
	if o.Repo != "" {
		name := o.Name
		if name == "" {
			name = repoName(o.Repo)
			if p := strings.Trim(path.Clean("/"+o.Path), "/"); p != "" {
				name += "/" + p
			}
		}
		return []source.Declaration{{Name: name, Namespace: o.namespace, URL: o.Repo, Ref: o.flagRef(),
			Path: o.Path, SecretRef: o.Secret, Prune: true}}, nil
	}
	nodes, err := source.ReadApplications(o.Arg)
	if err != nil {
		return nil, err
	}
	srcs, err := source.FromApplications(nodes, o.namespace, "")
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("%s: %w; declare a source with --repo URL instead", o.Arg, source.ErrNoSources)
	}
	return srcs, nil
}

// repoName is the last element of a repository URL without .git.
func repoName(url string) string {
	url = strings.TrimSuffix(strings.TrimRight(url, "/"), ".git")
	if i := strings.LastIndexAny(url, "/:"); i >= 0 {
		url = url[i+1:]
	}
	if url == "" {
		return "source"
	}
	return url
}

// credentials reads a source's Secret from the cluster. A source naming
// none uses the environment's GIT_USERNAME/GIT_PASSWORD when terminal (a
// user's command), none in the agent: a tenant's source would fetch with
// credentials given for the platform.
func credentials(client kubernetes.Interface, terminal bool) gitrepo.CredentialsFunc {
	return func(ctx context.Context, namespace, name string) (gitrepo.Auth, error) {
		if name == "" {
			if !terminal {
				return gitrepo.Auth{}, nil
			}
			return gitrepo.Auth{Username: os.Getenv(EnvGitUsername), Password: os.Getenv(EnvGitPassword)}, nil
		}
		secret, err := getSecret(ctx, client, namespace, name, "generic", "--from-literal=username=USER --from-literal=password=TOKEN")
		if err != nil {
			return gitrepo.Auth{}, err
		}
		auth, err := gitrepo.AuthFromSecretData(secret.Data)
		if err != nil {
			return gitrepo.Auth{}, fmt.Errorf("Secret %s/%s: %w", namespace, name, err)
		}
		return auth, nil
	}
}

// getSecret reads Secret namespace/name. A missing one is an error saying
// how to create it: `kubectl create secret TYPE NAME -n NAMESPACE FLAGS`.
func getSecret(ctx context.Context, client kubernetes.Interface, namespace, name, secretType, flags string) (*corev1.Secret, error) {
	secret, err := client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("Secret %s/%s not found; create it with `kubectl create secret %s %s -n %s %s`",
			namespace, name, secretType, name, namespace, flags)
	}
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", namespace, name, err)
	}
	return secret, nil
}

// walker builds the Walker of a command, reading the cluster version for
// rendering unless --cluster-version gives one.
// prepare resolves the sources and the walker that syncs or diffs them.
// The walker's checkouts are shared through trees, which the caller closes.
func (o *SourceOptions) prepare(trees *gitrepo.Trees) ([]source.Declaration, *reconcile.Walker, error) {
	srcs, err := o.sources()
	if err != nil {
		return nil, nil, err
	}
	client, err := kubernetes.NewForConfig(o.restConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster client: %w", err)
	}
	w, err := o.walker(client, trees)
	if err != nil {
		return nil, nil, err
	}
	return srcs, w, nil
}

func (o *SourceOptions) walker(client kubernetes.Interface, trees *gitrepo.Trees) (*reconcile.Walker, error) {
	version := o.ClusterVersion
	if version == "" {
		v, err := client.Discovery().ServerVersion()
		if err != nil {
			return nil, fmt.Errorf("cannot reach the cluster at %s: %w; check --kubeconfig and --context, and that the API server is up", o.restConfig.Host, err)
		}
		if _, err := render.ParseClusterVersion(v.GitVersion); err == nil {
			version = v.GitVersion
		} else {
			fmt.Fprintf(o.ErrOut, "warning: cluster version %q not understood; templates see the default (use --cluster-version)\n", v.GitVersion)
		}
	}
	opts, err := buildOptions(version, nil)
	if err != nil {
		return nil, err
	}
	opts.AllowExec = o.AllowExec
	// Charts of helm components: fetched into the cache, a private
	// repository's credentials and valuesFrom objects read from the cluster.
	if opts.Charts, err = charts.New(charts.Options{AllowNetwork: true, Credentials: credentials(client, o.terminal),
		Values: clusterValues(client), Progress: o.ErrOut}); err != nil {
		return nil, err
	}
	fetch := gitrepo.DefaultOptions()
	fetch.Trees = trees // sources on one repository read one checkout of a commit
	return &reconcile.Walker{Build: opts, Fetch: fetch, Credentials: credentials(client, o.terminal), Progress: o.ErrOut,
		Decryption:           decryption(client, o.terminal),
		NoCrossNamespaceRefs: o.NoCrossNamespaceRefs || o.DefaultServiceAccount != ""}, nil
}
