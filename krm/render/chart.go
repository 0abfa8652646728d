package render

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// A template that sets `helmChart` asks for a Helm chart to be rendered in
// Go (krm/helm) — the built-in `helm` component does. The chart's objects
// join the template's: when the template has no `output`, the chart's
// first Deployment, StatefulSet or DaemonSet (else its first object) is
// the workload, and every other object an auxiliary keyed
// `<kind>-<name>` in lower case. Traits then patch and add to them as to
// any component.

// workloadKinds are the kinds a chart's workload is picked from, in
// order of preference among objects of the same rank.
var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true}

// chartObjects renders the chart fields ask for and splits its objects
// into the workload (nil when the template has one already) and
// auxiliaries; before is how many auxiliaries come before the workload in
// the chart's order.
func (r *Renderer) chartObjects(app *oam.Application, c *oam.Component, fields map[string]any, haveWorkload bool) (workload map[string]any, aux []Object, before int, err error) {
	req, err := helm.ParseRequest(fields)
	if err != nil {
		return nil, nil, 0, err
	}
	req.Chart.Namespace = app.Namespace
	src := r.opts.Charts
	if src == nil {
		src = noCharts{}
	}
	res, err := helm.Render(req, src, r.opts.ClusterVersion.GitVersion)
	if err != nil {
		return nil, nil, 0, err
	}
	custom := helm.ClusterScopedKinds(res.Objects)
	pick := -1
	if !haveWorkload && len(res.Objects) > 0 {
		pick = 0
		for i, o := range res.Objects {
			if kind, _ := o["kind"].(string); workloadKinds[kind] {
				pick = i
				break
			}
		}
	}
	keys := map[string]int{}
	for i, o := range res.Objects {
		scoped := clusterScoped[kindOf(o)] || custom[groupKind(o)]
		if !scoped {
			meta, _ := o["metadata"].(map[string]any)
			if meta == nil {
				meta = map[string]any{}
				o["metadata"] = meta
			}
			if ns, _ := meta["namespace"].(string); ns == "" {
				meta["namespace"] = req.Namespace
			}
		}
		if i == pick {
			workload, before = o, len(aux)
			continue
		}
		key := chartKey(o)
		if keys[key]++; keys[key] > 1 {
			key = fmt.Sprintf("%s-%d", key, keys[key])
		}
		aux = append(aux, Object{Object: o, App: app, Component: c.Name, Resource: key, clusterScoped: scoped})
	}
	return workload, aux, before, nil
}

func kindOf(o map[string]any) string {
	k, _ := o["kind"].(string)
	return k
}

// groupKind is "group/kind" of an object, "/kind" for the core group.
func groupKind(o map[string]any) string {
	av, _ := o["apiVersion"].(string)
	group := ""
	if i := strings.Index(av, "/"); i >= 0 {
		group = av[:i]
	}
	return group + "/" + kindOf(o)
}

var notKeyChars = regexp.MustCompile(`[^a-z0-9.-]+`)

// chartKey is the output key of a chart object: `<kind>-<name>` in lower
// case, cut to fit a label value (it becomes trait.oam.dev/resource).
func chartKey(o map[string]any) string {
	meta, _ := o["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	key := notKeyChars.ReplaceAllString(strings.ToLower(kindOf(o)+"-"+name), "-")
	if len(key) > 63 {
		key = key[:54] + "-" + shortHash(o)
	}
	return strings.Trim(key, "-.")
}

// noCharts is the chart source of a render given none.
type noCharts struct{}

func (noCharts) Chart(ref helm.ChartRef) ([]byte, error) {
	return nil, fmt.Errorf("no charts are available to this render (kubectl gitops provides them; render-application reads them from spec.charts.cacheDir): %w", helm.ErrNotAvailable)
}

func (noCharts) Values(ref helm.ValuesRef) (map[string]string, error) {
	return nil, fmt.Errorf("not among the input objects, and there is no cluster to read it from: %w", helm.ErrNotFound)
}
