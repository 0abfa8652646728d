package clusters

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// FromKubeconfig reads clusters from the contexts of a kubeconfig (what
// names where it was loaded from, for messages): each entry's context
// under its name and labels, and with all every other context too, named
// as the context. A context missing from the kubeconfig, or one that
// cannot be connected with, is an error naming it.
func FromKubeconfig(cfg clientcmdapi.Config, what string, entries []Entry, all bool) ([]Cluster, error) {
	var out []Cluster
	named := map[string]bool{}
	for _, e := range entries {
		if _, ok := cfg.Contexts[e.Context]; !ok {
			return nil, fmt.Errorf("%s: cluster %s: context %q is not in %s (it has %s)", e.Origin, e.Name, e.Context, what,
				strings.Join(slices.Sorted(maps.Keys(cfg.Contexts)), ", "))
		}
		c, err := fromContext(cfg, what, e.Context)
		if err != nil {
			return nil, fmt.Errorf("%s: cluster %s: %w", e.Origin, e.Name, err)
		}
		c.Name, c.Labels = e.Name, maps.Clone(e.Labels)
		named[e.Context] = true
		out = append(out, c)
	}
	if !all {
		return out, nil
	}
	for _, context := range slices.Sorted(maps.Keys(cfg.Contexts)) {
		if named[context] {
			continue
		}
		if err := ValidName(context); err != nil {
			return nil, fmt.Errorf("%s: context %s: %w; name it with --cluster NAME=%s", what, context, err, context)
		}
		c, err := fromContext(cfg, what, context)
		if err != nil {
			return nil, err
		}
		c.Name = context
		out = append(out, c)
	}
	return out, nil
}

func fromContext(cfg clientcmdapi.Config, what, context string) (Cluster, error) {
	rc, err := clientcmd.NewDefaultClientConfig(cfg, &clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if err != nil {
		return Cluster{}, fmt.Errorf("%s: context %s: %w", what, context, err)
	}
	return Cluster{Type: TypeKubeconfig, Endpoint: rc.Host, From: "kubeconfig context " + context, Config: rc}, nil
}
