package apply

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/health"
)

// Verdict is a health rule's judgement of a live object.
type Verdict struct {
	Healthy bool
	// Message says why, or what the object reports ("Ready:1/2").
	Message string
}

// HealthFunc judges a live object. ok false means no verdict: kstatus
// judges the object. An error is reported as the object's status (Unknown)
// and the wait goes on.
type HealthFunc func(live *unstructured.Unstructured) (v Verdict, ok bool, err error)

// DefinitionHealth judges rendered workloads by the health policy and custom
// status of their component definitions in reg (see krm/health), and
// honours app.oam.dev/disable-health-check on any object.
func DefinitionHealth(reg *definition.Registry) HealthFunc {
	checker := health.NewChecker(reg)
	return func(live *unstructured.Unstructured) (Verdict, bool, error) {
		st, ok, err := checker.Check(live.Object)
		return Verdict{Healthy: st.Healthy, Message: st.Message}, ok, err
	}
}
