package helmrepo

import (
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/registry"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
)

// PushOCI pushes a packaged chart to an OCI registry as `helm push
// CHART.tgz oci://HOST/NAMESPACE` does: to HOST/NAMESPACE/<chart> tagged
// with the chart's version ("+" written "_"). Registries on 127.0.0.1 are
// spoken to over plain HTTP. Username and password may be empty.
func PushOCI(archive []byte, host, namespace, username, password string) (string, error) {
	ch, err := helm.Load(archive)
	if err != nil {
		return "", fmt.Errorf("helmrepo: %w", err)
	}
	opts := []registry.ClientOption{registry.ClientOptEnableCache(false)}
	if strings.HasPrefix(host, "127.0.0.1:") || strings.HasPrefix(host, "localhost:") {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	if username != "" || password != "" {
		opts = append(opts, registry.ClientOptBasicAuth(username, password))
	}
	client, err := registry.NewClient(opts...)
	if err != nil {
		return "", fmt.Errorf("helmrepo: registry client: %w", err)
	}
	// The client writes "+" of the version as "_" in the tag itself.
	ref := fmt.Sprintf("%s/%s/%s:%s", host, strings.Trim(namespace, "/"), ch.Name(), ch.Metadata.Version)
	if _, err := client.Push(archive, ref); err != nil {
		return "", fmt.Errorf("helmrepo: pushing %s: %w", ref, err)
	}
	return ref, nil
}
