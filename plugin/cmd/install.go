package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"github.com/oamgitops/kubectl-gitops/plugin/agent"
	"github.com/oamgitops/kubectl-gitops/plugin/install"
)

// InstallOptions put pull mode into a cluster: the Application CRD, RBAC
// and the agent's Deployment; or take it out again.
type InstallOptions struct {
	IOStreams
	ConfigFlags *genericclioptions.ConfigFlags
	// Image is the agent's image; default the one of this version.
	Image string
	// RBAC is cluster or namespaced.
	RBAC string
	// ImagePullPolicy is the agent container's.
	ImagePullPolicy string
	// DryRun (or Export) prints the objects instead of applying them.
	DryRun bool
	// Replicas and Shards of the agent; see install.Options.
	Replicas, Shards int
	// NodeSelector, Tolerations, Requests and Limits place and size the
	// agent; Tolerations are key[=value]:Effect.
	NodeSelector, Requests, Limits map[string]string
	Tolerations                    []string
	// HostNetwork and Env: see install.Options; Env entries are NAME=VALUE.
	HostNetwork bool
	Env         []string
	// HealthPort and MetricsPort are where the agent answers.
	HealthPort, MetricsPort int
	// Lockdown and DefaultServiceAccount: see install.Options.
	Lockdown              bool
	DefaultServiceAccount string
	// Force takes over an Application CRD another installation owns.
	Force bool
	// Uninstall deletes what install created; CRDs deletes the CRD too.
	Uninstall, CRDs bool

	// Filled by Complete.
	manifest   install.Options
	restConfig *rest.Config
}

// NewCmdInstall builds `kubectl gitops install`.
func NewCmdInstall(streams IOStreams) *cobra.Command {
	o := &InstallOptions{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(true)}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install pull mode in the cluster: the Application CRD, RBAC and the agent that syncs Applications",
		Long: "Applies, with server-side apply, the Application CustomResourceDefinition (core.oam.dev/v1beta1), a\n" +
			"Namespace (-n, default " + install.DefaultNamespace + "), a ServiceAccount, RBAC and a Deployment running\n" +
			"`kubectl-gitops agent`. The agent keeps the cluster in step with the kustomize sources of every\n" +
			"Application in the cluster, as `kubectl gitops watch` does from a terminal, and writes their status,\n" +
			"so afterwards `kubectl apply -f clusters/infra.yaml` is enough.\n\n" +
			"By default the agent may do anything in the cluster (as cluster-admin): sources hold CRDs,\n" +
			"Namespaces and objects of every namespace. --rbac=namespaced confines it to its namespace and the\n" +
			"Applications there. Installing again updates what changed. --uninstall deletes what install\n" +
			"created except the CRD, which --crds deletes too (and every Application with it).\n" +
			"An Application CRD of another installation (KubeVela) is refused unless --force.",
		Example: "  kubectl gitops install\n" +
			"  kubectl apply -f clusters/infra.yaml -f clusters/apps.yaml\n" +
			"  kubectl gitops install --export > clusters/gitops-system.yaml\n" +
			"  kubectl gitops install --replicas 2 --shards 2 --node-selector kubernetes.io/os=linux --tolerations infra:NoSchedule\n" +
			"  kubectl gitops install --uninstall",
		RunE: runE(o),
	}
	o.ConfigFlags.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.Image, "image", "", "agent image (default "+install.ImageRepository+":<plugin version>)")
	cmd.Flags().StringVar(&o.RBAC, "rbac", install.RBACCluster, "what the agent may do: cluster (anything, as cluster-admin) or namespaced (its namespace only)")
	f := cmd.Flags()
	f.StringVar(&o.ImagePullPolicy, "image-pull-policy", "", "the agent's imagePullPolicy: Always, IfNotPresent or Never (default Kubernetes')")
	f.BoolVar(&o.DryRun, "export", false, "print every manifest as YAML instead of applying it, to keep the agent itself in Git")
	f.BoolVar(&o.DryRun, "dry-run", false, "the same as --export")
	f.IntVar(&o.Replicas, "replicas", 1, "replicas of each agent Deployment; only the one holding the leader Lease acts")
	f.IntVar(&o.Shards, "shards", 0, "also install N agent Deployments for shard1…shardN, each reconciling the Applications labelled "+
		install.ShardLabel+"=shard<i>; the main agent takes the unlabelled ones")
	f.StringToStringVar(&o.NodeSelector, "node-selector", nil, "nodeSelector of the agent Pods, e.g. kubernetes.io/os=linux")
	f.StringArrayVar(&o.Tolerations, "tolerations", nil, "a toleration of the agent Pods, key[=value]:Effect (repeatable), e.g. infra=true:NoSchedule")
	f.StringToStringVar(&o.Requests, "requests", nil, "resource requests of the agent (default cpu=100m,memory=128Mi)")
	f.StringToStringVar(&o.Limits, "limits", nil, "resource limits of the agent (default memory=1Gi)")
	f.BoolVar(&o.HostNetwork, "host-network", false, "run the agent on the node's network (when the Pod network is not there yet)")
	f.StringArrayVar(&o.Env, "env", nil, "an environment variable of the agent, NAME=VALUE (repeatable)")
	f.IntVar(&o.HealthPort, "health-port", 8081, "port of the agent's /healthz and /readyz")
	f.IntVar(&o.MetricsPort, "metrics-port", 8080, "port of the agent's /metrics")
	f.BoolVar(&o.Lockdown, "lockdown", false, "multi-tenant: apply every source as a ServiceAccount of its namespace (its serviceAccountName, else --default-service-account), "+
		"keep nested sources in their parent's namespace, and give the agent only what that needs, not cluster-admin")
	f.StringVar(&o.DefaultServiceAccount, "default-service-account", "", "with --lockdown: the ServiceAccount sources that name none are applied as (default \"default\")")
	cmd.Flags().BoolVar(&o.Force, "force", false, "take over an Application CRD that another installation (KubeVela) owns")
	cmd.Flags().BoolVar(&o.Uninstall, "uninstall", false, "delete what install created (not the CRD unless --crds)")
	cmd.Flags().BoolVar(&o.CRDs, "crds", false, "with --uninstall: delete the Application CRD too, and every Application with it")
	return cmd
}

// Complete reads the options and, unless DryRun, the kubeconfig.
func (o *InstallOptions) Complete(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("install takes no arguments, got %q", args)
	}
	o.manifest = install.DefaultOptions(Version)
	if o.ConfigFlags.Namespace != nil && *o.ConfigFlags.Namespace != "" {
		o.manifest.Namespace = *o.ConfigFlags.Namespace
	}
	if o.Image != "" {
		o.manifest.Image = o.Image
	}
	o.manifest.RBAC = o.RBAC
	o.manifest.Lockdown, o.manifest.DefaultServiceAccount = o.Lockdown, o.DefaultServiceAccount
	if err := o.completeAgent(); err != nil {
		return err
	}
	if o.DryRun && !o.Uninstall {
		return nil
	}
	var err error
	if o.restConfig, err = o.ConfigFlags.ToRESTConfig(); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return nil
}

// Validate checks the options.
func (o *InstallOptions) Validate() error {
	switch {
	case o.CRDs && !o.Uninstall:
		return errors.New("--crds goes with --uninstall")
	case o.DryRun && o.Uninstall:
		return errors.New("--dry-run goes with install, not --uninstall")
	case o.Force && o.Uninstall:
		return errors.New("--force goes with install, not --uninstall")
	}
	if err := o.manifest.Validate(); err != nil {
		return err
	}
	return nil
}

// Run installs, prints or uninstalls.
func (o *InstallOptions) Run(ctx context.Context) error {
	objs, err := install.Objects(o.manifest)
	if err != nil {
		return err
	}
	if o.DryRun {
		data, err := install.WriteYAML(objs)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.ErrOut, "agent image: %s\n", o.manifest.Image)
		_, err = o.Out.Write(data)
		return err
	}
	in, err := install.NewInstaller(o.restConfig)
	if err != nil {
		return err
	}
	if o.Uninstall {
		if err := in.Uninstall(ctx, objs, install.UninstallOptions{CRDs: o.CRDs, Finalizer: agent.Finalizer, Progress: o.ErrOut}); err != nil {
			return err
		}
		fmt.Fprintln(o.ErrOut, "uninstalled; what the agent applied stays in the cluster (kubectl gitops delete SOURCE removes it)")
		return nil
	}
	fmt.Fprintf(o.ErrOut, "agent image: %s\n", o.manifest.Image)
	if err := in.Install(ctx, objs, install.InstallOptions{Force: o.Force, Progress: o.ErrOut}); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "installed in namespace %s; now `kubectl apply -f clusters/infra.yaml` and the agent syncs it "+
		"(`kubectl get applications -A` shows the status)\n", o.manifest.Namespace)
	return nil
}
