package health

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// DisableAnnotation, present with any value, makes an object healthy.
const DisableAnnotation = "app.oam.dev/disable-health-check"

// Status is a definition's verdict on a live object.
type Status struct {
	Healthy bool
	// Message is the customStatus `message`, "" when there is none.
	Message string
}

// Context is what the rules see as `context`.
type Context struct {
	// Output is the live workload (context.output).
	Output map[string]any
	// Outputs are the live auxiliary objects by resource name
	// (context.outputs); nil is empty.
	Outputs map[string]map[string]any
	// Name is the component's name, AppName and Namespace the
	// Application's (context.name, context.appName, context.namespace).
	Name, AppName, Namespace string
}

func (c Context) value() map[string]any {
	outputs := map[string]any{}
	for k, v := range c.Outputs {
		outputs[k] = v
	}
	return map[string]any{"output": c.Output, "outputs": outputs,
		"name": c.Name, "appName": c.AppName, "namespace": c.Namespace}
}

// ErrNoRules means a definition has neither a health policy nor a custom
// status.
var ErrNoRules = errors.New("the definition has no health policy or custom status")

// Evaluate runs def's health policy and custom status against ctx. A
// definition without a health policy judges every object healthy; one with
// neither rule returns ErrNoRules. An object annotated
// app.oam.dev/disable-health-check is healthy.
func Evaluate(def *definition.Definition, ctx Context) (Status, error) {
	if def.HealthPolicy == "" && def.CustomStatus == "" {
		return Status{}, ErrNoRules
	}
	cctx := cuecontext.New()
	// Through JSON, so whole numbers are CUE ints whichever Go type held
	// them (YAML decoders give float64).
	data, err := json.Marshal(map[string]any{"context": ctx.value()})
	if err != nil {
		return Status{}, fmt.Errorf("%s: context: %w", def.Name, err)
	}
	scope := cctx.CompileBytes(data, cue.Filename("context.json"))
	if err := scope.Err(); err != nil {
		return Status{}, fmt.Errorf("%s: context: %w", def.Name, err)
	}
	st := Status{Healthy: true}
	if def.HealthPolicy != "" {
		v := cctx.CompileString(def.HealthPolicy, cue.Scope(scope), cue.Filename(def.Origin+": healthPolicy"))
		ok, err := v.LookupPath(cue.ParsePath("isHealth")).Bool()
		if err != nil {
			return Status{}, fmt.Errorf("%s: healthPolicy: %s", def.Name, cueMessage(err))
		}
		st.Healthy = ok
	}
	if def.CustomStatus != "" {
		v := cctx.CompileString(def.CustomStatus, cue.Scope(scope), cue.Filename(def.Origin+": customStatus"))
		msg, err := v.LookupPath(cue.ParsePath("message")).String()
		if err != nil {
			return Status{}, fmt.Errorf("%s: customStatus: %s", def.Name, cueMessage(err))
		}
		st.Message = msg
	}
	if disabled(ctx.Output) {
		st.Healthy = true
	}
	return st, nil
}

// cueMessage flattens a CUE error to one line.
func cueMessage(err error) string {
	var parts []string
	for _, e := range cueerrors.Errors(err) {
		parts = append(parts, e.Error())
	}
	if len(parts) == 0 {
		return err.Error()
	}
	return strings.Join(parts, "; ")
}

func disabled(obj map[string]any) bool {
	_, ok := annotations(obj)[DisableAnnotation]
	return ok
}

func labels(obj map[string]any) map[string]any {
	meta, _ := obj["metadata"].(map[string]any)
	l, _ := meta["labels"].(map[string]any)
	return l
}

func annotations(obj map[string]any) map[string]any {
	meta, _ := obj["metadata"].(map[string]any)
	a, _ := meta["annotations"].(map[string]any)
	return a
}

// Checker judges rendered workloads by their component definitions.
type Checker struct {
	registry *definition.Registry
}

// NewChecker looks definitions up in reg (catalog.Registry() plus the
// source's own definitions).
func NewChecker(reg *definition.Registry) *Checker { return &Checker{registry: reg} }

// Check judges a live object. ok is false when Checker has no verdict: the
// object is not a rendered workload, its type is not in the registry, or
// its definition has no rules. An object annotated
// app.oam.dev/disable-health-check is healthy in any case. err reports a
// rule that cannot be evaluated on the object.
func (c *Checker) Check(obj map[string]any) (st Status, ok bool, err error) {
	l := labels(obj)
	str := func(k string) string { s, _ := l[k].(string); return s }
	typ := str(render.LabelWorkloadType)
	if str(render.LabelResourceType) != "WORKLOAD" || typ == "" {
		if disabled(obj) {
			return Status{Healthy: true}, true, nil
		}
		return Status{}, false, nil
	}
	def, found := c.registry.Get(definition.Component, typ)
	if !found {
		def = &definition.Definition{Name: typ}
	}
	st, err = Evaluate(def, Context{Output: obj, Name: str(render.LabelComponent),
		AppName: str(render.LabelAppName), Namespace: str(render.LabelAppNamespace)})
	if errors.Is(err, ErrNoRules) {
		if disabled(obj) {
			return Status{Healthy: true}, true, nil
		}
		return Status{}, false, nil
	}
	if err != nil {
		return Status{}, false, err
	}
	return st, true, nil
}
