package cmd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/oamgitops/kubectl-gitops/plugin/clusters"
)

// ClusterOptions are the hub the cluster commands read and write the
// cluster Secrets of: the current context, as for every command.
type ClusterOptions struct {
	IOStreams
	ConfigFlags *genericclioptions.ConfigFlags
	// Namespace holds the cluster Secrets. Default vela-system.
	Namespace string
	client    kubernetes.Interface
	hub       *rest.Config
}

// NewCmdCluster builds `kubectl gitops cluster`: join, list, labels and
// detach, on KubeVela's cluster Secrets.
func NewCmdCluster(streams IOStreams) *cobra.Command {
	hub := &ClusterOptions{IOStreams: streams, ConfigFlags: genericclioptions.NewConfigFlags(false)}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Join, list, label and detach the clusters Applications are delivered to",
		Long: "The clusters a topology policy places components on, kept as KubeVela keeps them: one Secret per cluster\n" +
			"in the hub's vela-system namespace (label cluster.core.oam.dev/cluster-credential-type), so clusters joined\n" +
			"with `vela cluster join` are listed and used as they are. The hub is the cluster of the current context;\n" +
			"`local` is always the hub itself.",
	}
	hub.ConfigFlags.AddFlags(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVar(&hub.Namespace, "cluster-secrets-namespace", clusters.SecretNamespace, "namespace of the hub holding the cluster Secrets")
	cmd.AddCommand(newCmdClusterJoin(hub), newCmdClusterList(hub), newCmdClusterLabels(hub), newCmdClusterDetach(hub))
	return cmd
}

// connect reaches the hub.
func (o *ClusterOptions) connect() error {
	var err error
	if o.hub, err = o.ConfigFlags.ToRESTConfig(); err != nil {
		return err
	}
	o.client, err = kubernetes.NewForConfig(o.hub)
	return err
}

// registry is local and the joined clusters.
func (o *ClusterOptions) registry(ctx context.Context) (*clusters.Registry, error) {
	joined, err := clusters.ListSecrets(ctx, o.client, o.Namespace)
	if err != nil {
		return nil, err
	}
	return clusters.New(append([]clusters.Cluster{clusters.Local(o.hub)}, joined...)...)
}

// ClusterJoinOptions join one cluster.
type ClusterJoinOptions struct {
	*ClusterOptions
	Name, Kubeconfig, Context string
	Labels                    []string
	// Timeout bounds the check that the joined cluster answers.
	Timeout time.Duration
}

func newCmdClusterJoin(hub *ClusterOptions) *cobra.Command {
	o := &ClusterJoinOptions{ClusterOptions: hub, Timeout: 30 * time.Second}
	cmd := &cobra.Command{
		Use:   "join NAME --cluster-kubeconfig FILE [--cluster-context CONTEXT] [--labels k=v,...]",
		Short: "Join a cluster: write its Secret into the hub, as vela cluster join does",
		Long: "Reads the context of FILE (its current one unless --cluster-context names another), checks that the cluster\n" +
			"answers with those credentials, and writes them to the Secret NAME in vela-system of the hub. The context must\n" +
			"authenticate with a client certificate or a token; an exec plugin cannot be written down.",
		Example: "  kubectl gitops cluster join prod --cluster-kubeconfig prod.kubeconfig --labels env=prod,region=eu",
		Args:    cobra.ExactArgs(1),
		RunE:    runE(o),
	}
	cmd.Flags().StringVar(&o.Kubeconfig, "cluster-kubeconfig", "", "kubeconfig file of the cluster to join (required)")
	cmd.Flags().StringVar(&o.Context, "cluster-context", "", "context of that file (default: its current context)")
	cmd.Flags().StringSliceVar(&o.Labels, "labels", nil, "labels of the cluster, k=v, for topology policies' clusterLabelSelector")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "how long the joined cluster has to answer")
	return cmd
}

func (o *ClusterJoinOptions) Complete(args []string) error {
	o.Name = args[0]
	return o.connect()
}

func (o *ClusterJoinOptions) Validate() error {
	if o.Kubeconfig == "" {
		return errors.New("--cluster-kubeconfig is required: the kubeconfig of the cluster to join")
	}
	if o.Timeout <= 0 {
		return errors.New("--timeout must be positive")
	}
	_, err := parseLabels(o.Labels)
	return err
}

func (o *ClusterJoinOptions) Run(ctx context.Context) error {
	raw, err := clientcmd.LoadFromFile(o.Kubeconfig)
	if err != nil {
		return fmt.Errorf("--cluster-kubeconfig: %w", err)
	}
	contextName := o.Context
	if contextName == "" {
		contextName = raw.CurrentContext
	}
	labels, _ := parseLabels(o.Labels)
	found, err := clusters.FromKubeconfig(*raw, o.Kubeconfig, []clusters.Entry{{Name: o.Name, Context: contextName, Origin: "cluster join " + o.Name}}, false)
	if err != nil {
		return err
	}
	secret, err := clusters.SecretFor(o.Name, labels, found[0].Config)
	if err != nil {
		return err
	}
	joined, err := clusters.FromSecret(secret) // connects as the agent will
	if err != nil {
		return err
	}
	if err := answers(ctx, joined, o.Timeout); err != nil {
		return err
	}
	secret.Namespace = o.Namespace
	secrets := o.client.CoreV1().Secrets(o.Namespace)
	if _, err := o.client.CoreV1().Namespaces().Get(ctx, o.Namespace, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %s is not in the hub (%s); create it (kubectl create namespace %s) or give --cluster-secrets-namespace",
			o.Namespace, o.hub.Host, o.Namespace)
	}
	existing, err := secrets.Get(ctx, o.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = secrets.Create(ctx, secret, metav1.CreateOptions{})
	case err == nil && existing.Labels[clusters.LabelCredentialType] == "":
		return fmt.Errorf("Secret %s/%s exists and is not a cluster's; pick another name", o.Namespace, o.Name)
	case err == nil:
		secret.ResourceVersion = existing.ResourceVersion
		_, err = secrets.Update(ctx, secret, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("cluster %s: writing its Secret %s/%s: %w", o.Name, o.Namespace, o.Name, err)
	}
	fmt.Fprintf(o.ErrOut, "cluster %s joined (%s, %s): Secret %s/%s\n", o.Name, joined.Endpoint, joined.Type, o.Namespace, o.Name)
	return nil
}

// answers checks that c's API server answers its credentials.
func answers(ctx context.Context, c clusters.Cluster, timeout time.Duration) error {
	cfg := rest.CopyConfig(c.Config)
	cfg.Timeout = timeout
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	if _, err := client.Discovery().ServerVersion(); err != nil {
		return fmt.Errorf("cluster %s (%s) does not answer: %w", c.Name, c.Endpoint, err)
	}
	return nil
}

// ClusterListOptions list the registry.
type ClusterListOptions struct {
	*ClusterOptions
	OutputOptions
}

// ClusterRow is one cluster as `cluster list -o json` prints it.
type ClusterRow struct {
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Endpoint string            `json:"endpoint"`
	Labels   map[string]string `json:"labels,omitempty"`
	From     string            `json:"from"`
}

func newCmdClusterList(hub *ClusterOptions) *cobra.Command {
	o := &ClusterListOptions{ClusterOptions: hub}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the clusters: local and those joined to the hub",
		Args:    cobra.NoArgs,
		RunE:    runE(o),
	}
	o.OutputOptions.addFlags(cmd.Flags())
	return cmd
}

func (o *ClusterListOptions) Complete([]string) error { return o.connect() }
func (o *ClusterListOptions) Validate() error         { return o.OutputOptions.validate() }

func (o *ClusterListOptions) Run(ctx context.Context) error {
	r, err := o.registry(ctx)
	if err != nil {
		return err
	}
	rows := []ClusterRow{}
	for _, c := range r.All() {
		rows = append(rows, ClusterRow{Name: c.Name, Type: c.Type, Endpoint: c.Endpoint, Labels: c.Labels, From: c.From})
	}
	if o.machine() {
		return o.print(o.Out, rows)
	}
	tw := newTable(o.Out, "CLUSTER", "TYPE", "ENDPOINT", "LABELS")
	for _, c := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Type, c.Endpoint, formatLabels(c.Labels))
	}
	return tw.Flush()
}

func formatLabels(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

// ClusterLabelsOptions set and remove labels of a joined cluster.
type ClusterLabelsOptions struct {
	*ClusterOptions
	Name    string
	Changes []string
}

func newCmdClusterLabels(hub *ClusterOptions) *cobra.Command {
	o := &ClusterLabelsOptions{ClusterOptions: hub}
	return &cobra.Command{
		Use:     "labels NAME KEY=VALUE... | KEY-...",
		Short:   "Set (k=v) or remove (k-) labels of a joined cluster",
		Example: "  kubectl gitops cluster labels prod region=eu tier-",
		Args:    cobra.MinimumNArgs(2),
		RunE:    runE(o),
	}
}

func (o *ClusterLabelsOptions) Complete(args []string) error {
	o.Name, o.Changes = args[0], args[1:]
	return o.connect()
}

func (o *ClusterLabelsOptions) Validate() error {
	if o.Name == clusters.LocalName {
		return errors.New("local is the hub itself: it has no Secret to label")
	}
	_, _, err := parseLabelChanges(o.Changes)
	return err
}

func (o *ClusterLabelsOptions) Run(ctx context.Context) error {
	set, remove, _ := parseLabelChanges(o.Changes)
	secrets := o.client.CoreV1().Secrets(o.Namespace)
	s, err := o.joinedSecret(ctx, o.Name)
	if err != nil {
		return err
	}
	for _, k := range remove {
		delete(s.Labels, k)
	}
	maps.Copy(s.Labels, set)
	if _, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("cluster %s: %w", o.Name, err)
	}
	c, err := clusters.FromSecret(s)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "cluster %s labels: %s\n", o.Name, formatLabels(c.Labels))
	return nil
}

// ClusterDetachOptions detach a joined cluster.
type ClusterDetachOptions struct {
	*ClusterOptions
	Name string
}

func newCmdClusterDetach(hub *ClusterOptions) *cobra.Command {
	o := &ClusterDetachOptions{ClusterOptions: hub}
	return &cobra.Command{
		Use:   "detach NAME",
		Short: "Detach a joined cluster: delete its Secret (what was applied there stays)",
		Args:  cobra.ExactArgs(1),
		RunE:  runE(o),
	}
}

func (o *ClusterDetachOptions) Complete(args []string) error {
	o.Name = args[0]
	return o.connect()
}

func (o *ClusterDetachOptions) Validate() error {
	if o.Name == clusters.LocalName {
		return errors.New("local is the hub itself: it cannot be detached")
	}
	return nil
}

func (o *ClusterDetachOptions) Run(ctx context.Context) error {
	if _, err := o.joinedSecret(ctx, o.Name); err != nil {
		return err
	}
	if err := o.client.CoreV1().Secrets(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("cluster %s: %w", o.Name, err)
	}
	fmt.Fprintf(o.ErrOut, "cluster %s detached; what was applied there stays\n", o.Name)
	return nil
}
