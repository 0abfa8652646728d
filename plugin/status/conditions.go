package status

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Condition types and reasons, as kstatus reads them: Ready=True is
// Current, Reconciling=True is InProgress, Stalled=True is Failed.
const (
	ConditionReady       = "Ready"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"

	ReasonSucceeded   = "ReconciliationSucceeded"
	ReasonProgressing = "Progressing"
	ReasonFailed      = "ReconciliationFailed"
	ReasonInvalid     = "InvalidApplication"
	ReasonUnhealthy   = "Unhealthy"
)

// conditions are an Application's conditions: Ready always; Reconciling
// while a generation or a first sync is pending; Stalled when the
// Application itself is wrong, which no retry mends. A failing source
// makes Ready False, naming the source, file and object, and is retried.
func conditions(app *unstructured.Unstructured, parseErr error, reconciling bool, failing, waiting, unhealthy []string, applied string) []any {
	gen := app.GetGeneration()
	cond := func(typ, status, reason, msg string) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": reason, "message": msg, "observedGeneration": gen}
	}
	switch {
	case parseErr != nil:
		msg := fmt.Sprintf("Application %s: %v", app.GetNamespace()+"/"+app.GetName(), parseErr)
		return []any{cond(ConditionReady, "False", ReasonInvalid, msg), cond(ConditionStalled, "True", ReasonInvalid, msg)}
	case len(failing) > 0:
		return []any{cond(ConditionReady, "False", ReasonFailed, strings.Join(failing, "; "))}
	case reconciling:
		msg := fmt.Sprintf("reconciling generation %d", gen)
		if len(waiting) > 0 {
			msg = "waiting for the first sync of " + strings.Join(waiting, ", ")
		}
		return []any{cond(ConditionReady, "Unknown", ReasonProgressing, msg), cond(ConditionReconciling, "True", ReasonProgressing, msg)}
	case len(unhealthy) > 0:
		return []any{cond(ConditionReady, "False", ReasonUnhealthy, strings.Join(unhealthy, "; "))}
	case applied == "":
		return []any{cond(ConditionReady, "False", ReasonUnhealthy, "the Application declares no kustomize source for the agent to sync")}
	}
	return []any{cond(ConditionReady, "True", ReasonSucceeded, "Applied revision: "+applied)}
}

// KeepTransitions sets each condition's lastTransitionTime: the old one
// when the condition kept its status, else now.
func KeepTransitions(want, old map[string]any, now time.Time) {
	before := map[string]map[string]any{}
	oldConds, _, _ := unstructured.NestedSlice(map[string]any{"s": old}, "s", "conditions")
	for _, c := range oldConds {
		if m, ok := c.(map[string]any); ok {
			typ, _ := m["type"].(string)
			before[typ] = m
		}
	}
	conds, _ := want["conditions"].([]any)
	stamp := now.UTC().Format(time.RFC3339)
	for _, c := range conds {
		m := c.(map[string]any)
		typ, _ := m["type"].(string)
		if b := before[typ]; b != nil && b["status"] == m["status"] && b["lastTransitionTime"] != nil {
			m["lastTransitionTime"] = b["lastTransitionTime"]
			continue
		}
		m["lastTransitionTime"] = stamp
	}
}
