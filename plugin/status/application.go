package status

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// Messages of an Application's services (its components) that no sync
// recorded.
const (
	MessageWaiting    = "waiting for the first sync"
	MessageNotASource = "not synced by the agent: only kustomize components are"
)

// SourceStep is what the last step (fetch, build, sync) of one of an
// Application's sources left.
type SourceStep struct {
	// Stepped is false until a step has ended.
	Stepped bool
	// Applied and Attempted are the last revisions synced healthy and
	// tried.
	Applied, Attempted string
	// Err is why the step failed; nil when it did not.
	Err error
	// Records are the inventories of the source and its nested sources.
	Records []apply.InventoryRecord
}

// Application is the status of app: KubeVela's status.status and one
// service per component (a kustomize component is healthy when its source's
// last revision synced healthy, with every component it recorded and every
// nested source), the kstatus conditions, observedGeneration, and the last
// applied and attempted revisions.
func Application(app *unstructured.Unstructured, parseErr error, roots []source.Declaration, steps map[int]SourceStep, observedGen int64) map[string]any {
	byIndex := map[int]source.Declaration{}
	for _, s := range roots {
		byIndex[s.Index] = s
	}
	comps, _, _ := unstructured.NestedSlice(app.Object, "spec", "components")
	phase := PhaseRunning
	services := []any{}
	var failing, waiting, unhealthy []string
	var applied, attempted []string
	for i, c := range comps {
		cm, _ := c.(map[string]any)
		name, _ := cm["name"].(string)
		healthy, msg := false, MessageNotASource
		s, isSource := byIndex[i]
		snap := steps[i]
		switch {
		case parseErr != nil:
			msg = parseErr.Error()
		case isSource && snap.Err != nil:
			msg = snap.Err.Error()
			failing = append(failing, msg)
		case isSource && !snap.Stepped:
			msg = MessageWaiting
			waiting = append(waiting, s.Name)
		case isSource:
			var found bool
			if healthy, msg, found = NewTree(snap.Records).SourceHealth(apply.InventoryOf(s)); !found {
				msg = MessageWaiting
			}
			switch {
			case healthy:
			case snap.Applied == "":
				waiting = append(waiting, s.Name)
			default:
				unhealthy = append(unhealthy, name+": "+msg)
			}
		}
		if isSource {
			applied = append(applied, revisionOf(len(roots), s, snap.Applied))
			attempted = append(attempted, revisionOf(len(roots), s, snap.Attempted))
		}
		if !healthy {
			phase = PhaseUnhealthy
			if !isSource && parseErr == nil {
				unhealthy = append(unhealthy, name+": "+msg)
			}
		}
		services = append(services, map[string]any{"name": name, "namespace": app.GetNamespace(), "healthy": healthy, "message": msg})
	}
	if parseErr != nil || len(comps) == 0 {
		phase = PhaseUnhealthy
	}
	out := map[string]any{"status": phase, "services": services, "observedGeneration": observedGen}
	if s := strings.Join(nonEmpty(applied), ", "); s != "" {
		out["lastAppliedRevision"] = s
	}
	if s := strings.Join(nonEmpty(attempted), ", "); s != "" {
		out["lastAttemptedRevision"] = s
	}
	reconciling := observedGen != app.GetGeneration() || len(waiting) > 0
	out["conditions"] = conditions(app, parseErr, reconciling, failing, waiting, unhealthy, strings.Join(nonEmpty(applied), ", "))
	return out
}

// revisionOf is a source's revision in the status: alone when the
// Application has one source, else after its component's name.
func revisionOf(sources int, s source.Declaration, rev string) string {
	if rev == "" || sources == 1 {
		return rev
	}
	return s.Component + "=" + rev
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
