package render

import (
	"encoding/json"
	"hash/fnv"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Labels and annotations of the OAM contract.
const (
	LabelAppName       = "app.oam.dev/name"
	LabelAppNamespace  = "app.oam.dev/namespace"
	LabelComponent     = "app.oam.dev/component"
	LabelAppRevision   = "app.oam.dev/appRevision"
	LabelResourceType  = "app.oam.dev/resourceType"
	LabelWorkloadType  = "workload.oam.dev/type"
	LabelTraitType     = "trait.oam.dev/type"
	LabelTraitResource = "trait.oam.dev/resource"

	AnnotationFilterLabelKeys      = "filter.oam.dev/label-keys"
	AnnotationFilterAnnotationKeys = "filter.oam.dev/annotation-keys"

	// TraitTypeAuxiliary marks a component's own `outputs`.
	TraitTypeAuxiliary = "AuxiliaryWorkload"
)

// neverCopied are app annotations that stay on the Application.
var neverCopied = map[string]bool{
	"kubectl.kubernetes.io/last-applied-configuration": true,
	"app.oam.dev/inplace-upgrade":                      true,
	AnnotationFilterLabelKeys:                          true,
	AnnotationFilterAnnotationKeys:                     true,
}

// toolPrefixes are annotations kustomize and kpt put on the items they hand
// a function (file paths, item ids, origins). They describe the Application
// item, not the objects it renders: copied, they would make every rendered
// object claim the Application's identity.
var toolPrefixes = []string{"config.kubernetes.io/", "internal.config.kubernetes.io/", "kustomize.config.k8s.io/", "config.k8s.io/"}

func isToolAnnotation(k string) bool {
	for _, p := range toolPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// clusterScoped lists the built-in kinds that take no namespace. Offline we
// cannot ask the API server; custom cluster-scoped kinds keep whatever
// namespace the template gave them.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "StorageClass": true, "PriorityClass": true, "IngressClass": true,
	"RuntimeClass": true, "CSIDriver": true, "CSINode": true, "VolumeAttachment": true, "APIService": true,
	"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"CertificateSigningRequest": true, "FlowSchema": true, "PriorityLevelConfiguration": true,
	"GatewayClass": true, "ClusterIssuer": true,
}

// IsClusterScoped reports whether a kind is a built-in cluster-scoped kind.
func IsClusterScoped(kind string) bool { return clusterScoped[kind] }

// stamp applies the common contract to one rendered object: name and
// namespace defaults, app labels and annotations, then the OAM labels.
func stamp(o *Object, app *oam.Application, c *oam.Component) {
	obj := o.Object
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	if name, _ := meta["name"].(string); name == "" {
		if o.IsWorkload() {
			meta["name"] = c.Name
		} else {
			trait := o.Trait
			if trait == "" {
				trait = "trait"
			}
			meta["name"] = c.Name + "-" + strings.ToLower(trait) + "-" + shortHash(obj)
		}
	}
	kind, _ := obj["kind"].(string)
	if ns, _ := meta["namespace"].(string); ns == "" && !clusterScoped[kind] && !o.clusterScoped {
		meta["namespace"] = app.Namespace
	}

	dropLabels := keySet(app.Annotations[AnnotationFilterLabelKeys])
	dropAnnotations := keySet(app.Annotations[AnnotationFilterAnnotationKeys])

	labels := stringMap(meta, "labels")
	for k, v := range app.Labels {
		if !dropLabels[k] {
			labels[k] = v
		}
	}
	oamLabels := map[string]string{
		LabelAppName:      app.Name,
		LabelAppNamespace: app.Namespace,
		LabelComponent:    c.Name,
		LabelAppRevision:  "",
	}
	if o.IsWorkload() {
		oamLabels[LabelResourceType] = "WORKLOAD"
		oamLabels[LabelWorkloadType] = c.Type
	} else {
		oamLabels[LabelResourceType] = "TRAIT"
		trait := o.Trait
		if trait == "" {
			trait = TraitTypeAuxiliary
		}
		oamLabels[LabelTraitType] = trait
		oamLabels[LabelTraitResource] = o.Resource
	}
	for k, v := range oamLabels {
		if !dropLabels[k] {
			labels[k] = v
		}
	}
	meta["labels"] = labels

	annotations := stringMap(meta, "annotations")
	for k, v := range app.Annotations {
		if !neverCopied[k] && !dropAnnotations[k] && !isToolAnnotation(k) {
			annotations[k] = v
		}
	}
	if len(annotations) > 0 {
		meta["annotations"] = annotations
	} else {
		delete(meta, "annotations")
	}
}

// stringMap returns meta[key] as a map, creating it when missing.
func stringMap(meta map[string]any, key string) map[string]any {
	m, _ := meta[key].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func keySet(list string) map[string]bool {
	if list == "" {
		return nil
	}
	out := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out[k] = true
		}
	}
	return out
}

// shortHash names auxiliaries that have no name: stable for the same
// content, in the alphabet Kubernetes uses for generated names.
func shortHash(obj map[string]any) string {
	b, _ := json.Marshal(obj)
	h := fnv.New32a()
	h.Write(b)
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	n := h.Sum32()
	out := make([]byte, 0, 8)
	for range 8 {
		out = append(out, alphabet[n%uint32(len(alphabet))])
		n /= uint32(len(alphabet))
	}
	return string(out)
}
