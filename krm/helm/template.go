package helm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// TemplateOptions steer Template.
type TemplateOptions struct {
	// ReleaseName is .Release.Name. Required.
	ReleaseName string
	// Namespace is .Release.Namespace. Required.
	Namespace string
	// Values are the user's values, coalesced over the chart's defaults.
	// Default none.
	Values map[string]any
	// KubeVersion is .Capabilities.KubeVersion ("v1.34.0"). Default: the
	// Helm SDK's default.
	KubeVersion string
}

// Load reads a packaged chart (.tgz).
func Load(archive []byte) (*chart.Chart, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("loading the chart archive: %w", err)
	}
	return ch, nil
}

// Template renders a chart as `helm template --include-crds` does and
// returns its objects: CRDs first, then the manifests in Helm's install
// order, then the hooks. It follows the Helm SDK's client-only install
// step by step (release name check, dependency conditions, values and
// their schema, the chart's kubeVersion, the templates, NOTES.txt left
// out, Helm's sort) without its cluster machinery. It may change ch (it
// resolves the chart's dependency conditions): load a fresh chart for each
// call.
func Template(ch *chart.Chart, opts TemplateOptions) ([]map[string]any, error) {
	if err := chartutil.ValidateReleaseName(opts.ReleaseName); err != nil {
		return nil, &TemplateError{Err: fmt.Errorf("release name %q: %w", opts.ReleaseName, err)}
	}
	if err := checkDependencies(ch); err != nil {
		return nil, &TemplateError{Err: err}
	}
	values := opts.Values
	if values == nil {
		values = map[string]any{}
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, values); err != nil {
		return nil, &TemplateError{Err: err}
	}
	caps := chartutil.DefaultCapabilities.Copy()
	if opts.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kube version %q: %w", opts.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	release := chartutil.ReleaseOptions{Name: opts.ReleaseName, Namespace: opts.Namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValuesWithSchemaValidation(ch, values, release, caps, false)
	if err != nil {
		return nil, &TemplateError{Err: err}
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return nil, &TemplateError{Err: fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
			ch.Metadata.KubeVersion, caps.KubeVersion.String())}
	}
	var eng engine.Engine
	files, err := eng.Render(ch, top)
	if err != nil {
		return nil, &TemplateError{Err: err}
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, &TemplateError{Err: err}
	}
	var out []map[string]any
	for _, crd := range ch.CRDObjects() {
		objs, err := decode(string(crd.File.Data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", crd.Filename, err)
		}
		out = append(out, objs...)
	}
	for _, m := range manifests {
		objs, err := decode(m.Content)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		out = append(out, objs...)
	}
	for _, h := range hooks {
		objs, err := decode(h.Manifest)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.Path, err)
		}
		out = append(out, objs...)
	}
	return out, nil
}

// checkDependencies refuses a chart whose Chart.yaml lists dependencies
// its charts/ directory lacks, as `helm template` does: rendered without
// them, it would silently miss objects.
func checkDependencies(ch *chart.Chart) error {
	var missing []string
	for _, dep := range ch.Metadata.Dependencies {
		found := false
		for _, sub := range ch.Dependencies() {
			found = found || sub.Name() == dep.Name
		}
		if !found {
			missing = append(missing, dep.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("found in Chart.yaml, but missing in charts/ directory: %s; vendor them with `helm dependency build`",
			strings.Join(missing, ", "))
	}
	return nil
}

// TemplateError is a chart that does not render: a template failing, a
// value the chart's schema refuses, a Kubernetes version the chart does
// not support.
type TemplateError struct {
	Err error
}

// Error is Helm's message on one line.
func (e *TemplateError) Error() string { return strings.Join(strings.Fields(e.Err.Error()), " ") }
func (e *TemplateError) Unwrap() error { return e.Err }

// decode reads a stream of YAML documents as Kubernetes reads them (YAML
// 1.1 through sigs.k8s.io/yaml), skipping empty ones; whole numbers are
// int64, other numbers float64.
func decode(stream string) ([]map[string]any, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var out []map[string]any
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the rendered manifests: %w", err)
		}
		data, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("a rendered manifest is not YAML: %w", err)
		}
		if t := bytes.TrimSpace(data); len(t) == 0 || bytes.Equal(t, []byte("null")) {
			continue
		}
		v, err := oam.FromJSON(data)
		if err != nil {
			return nil, fmt.Errorf("a rendered manifest: %w", err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a rendered manifest is not an object: %s", firstLine(doc))
		}
		if obj["apiVersion"] == nil || obj["kind"] == nil {
			return nil, fmt.Errorf("a rendered manifest has no apiVersion or kind: %s", firstLine(doc))
		}
		out = append(out, obj)
	}
}

func firstLine(doc []byte) string {
	for _, l := range strings.Split(string(doc), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return strconv.Quote(l)
		}
	}
	return `""`
}
