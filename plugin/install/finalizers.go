package install

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// applications are the Applications of the CRD install puts in.
var applications = schema.GroupVersionResource{Group: "core.oam.dev", Version: "v1beta1", Resource: "applications"}

// removeFinalizers takes opts.Finalizer off every Application that has it,
// leaving the others' finalizers.
func (in *Installer) removeFinalizers(ctx context.Context, opts UninstallOptions) error {
	list, err := in.client.Resource(applications).List(ctx, metav1.ListOptions{})
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil // no CRD, no Applications
	}
	if err != nil {
		return fmt.Errorf("listing the Applications to take the agent's finalizer off: %w", err)
	}
	n := 0
	for _, app := range list.Items {
		if !slices.Contains(app.GetFinalizers(), opts.Finalizer) {
			continue
		}
		rest := slices.DeleteFunc(slices.Clone(app.GetFinalizers()), func(f string) bool { return f == opts.Finalizer })
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": rest, "resourceVersion": app.GetResourceVersion()}})
		if err != nil {
			return err
		}
		_, err = in.client.Resource(applications).Namespace(app.GetNamespace()).Patch(ctx, app.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("Application %s/%s: taking the agent's finalizer off: %w", app.GetNamespace(), app.GetName(), err)
		}
		n++
	}
	if n > 0 {
		progress(opts.Progress, "the agent's finalizer taken off %d Applications (what they applied stays)", n)
	}
	return nil
}
