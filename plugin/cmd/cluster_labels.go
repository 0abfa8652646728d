package cmd

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/oamgitops/kubectl-gitops/plugin/clusters"
)

// joinedSecret reads the Secret of a joined cluster; another Secret of
// that name is not a cluster's and is refused.
func (o *ClusterOptions) joinedSecret(ctx context.Context, name string) (*corev1.Secret, error) {
	s, err := o.client.CoreV1().Secrets(o.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("cluster %s is not joined (no Secret %s/%s); kubectl gitops cluster list shows those that are", name, o.Namespace, name)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	if s.Labels[clusters.LabelCredentialType] == "" {
		return nil, fmt.Errorf("Secret %s/%s is not a cluster's (no label %s)", o.Namespace, name, clusters.LabelCredentialType)
	}
	return s, nil
}

// parseLabels reads k=v labels.
func parseLabels(kvs []string) (map[string]string, error) {
	set, remove, err := parseLabelChanges(kvs)
	if err == nil && len(remove) > 0 {
		err = fmt.Errorf("label %s-: only k=v here", remove[0])
	}
	return set, err
}

// parseLabelChanges reads k=v (set) and k- (remove), as kubectl label
// does. The credential type label is not a label to change.
func parseLabelChanges(args []string) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	for _, a := range args {
		k, v, isSet := strings.Cut(a, "=")
		if !isSet {
			var isRemove bool
			if k, isRemove = strings.CutSuffix(a, "-"); !isRemove {
				return nil, nil, fmt.Errorf("label %q: want KEY=VALUE or KEY-", a)
			}
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, nil, fmt.Errorf("label %q: key: %s", a, strings.Join(errs, "; "))
		}
		if k == clusters.LabelCredentialType {
			return nil, nil, fmt.Errorf("label %s says how the cluster is reached; join it again to change that", k)
		}
		if !isSet {
			remove = append(remove, k)
			continue
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return nil, nil, fmt.Errorf("label %q: value: %s", a, strings.Join(errs, "; "))
		}
		set[k] = v
	}
	return set, remove, nil
}
