package cmd

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
)

// clusterValues reads valuesFrom ConfigMaps and Secrets from a cluster.
// Secret data is decoded; it never appears in errors.
func clusterValues(client kubernetes.Interface) charts.ValuesFunc {
	return func(ctx context.Context, ref helm.ValuesRef) (map[string]string, error) {
		out := map[string]string{}
		var err error
		switch ref.Kind {
		case "ConfigMap":
			c, gerr := client.CoreV1().ConfigMaps(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			err = gerr
			if err == nil {
				for k, v := range c.Data {
					out[k] = v
				}
				for k, v := range c.BinaryData {
					out[k] = string(v)
				}
			}
		case "Secret":
			s, gerr := client.CoreV1().Secrets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
			err = gerr
			if err == nil {
				for k, v := range s.Data {
					out[k] = string(v)
				}
			}
		default:
			return nil, fmt.Errorf("kind %q: expected ConfigMap or Secret", ref.Kind)
		}
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("not in the cluster: %w", helm.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("reading it from the cluster: %w", err)
		}
		return out, nil
	}
}
