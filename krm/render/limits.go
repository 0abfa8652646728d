package render

import (
	"fmt"
	"runtime/metrics"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Limits bound the evaluation of one Application's templates. CUE cannot
// be interrupted, so an evaluation that passes a limit (a comprehension of
// n² fields in a user's definition) is abandoned: its Application fails
// naming the definition, the render goes on with a new engine, and the
// abandoned evaluation ends when CUE finishes it or the process exits.
type Limits struct {
	// Time is how long one Application's templates may take. Default 10s;
	// negative means no limit.
	Time time.Duration
	// Memory is how much the heap may grow while one Application's
	// templates evaluate. Default 2Gi; negative means no limit.
	Memory int64
}

// DefaultLimits are the limits of a render that names none.
func DefaultLimits() Limits { return Limits{Time: 10 * time.Second, Memory: 2 << 30} }

// LimitError is an evaluation that passed a limit.
type LimitError struct {
	Site  site
	Limit string // e.g. "time limit of 10s"
}

func (e *LimitError) Error() string {
	what := "its templates"
	if d := e.Site.def; d != nil {
		what = fmt.Sprintf("%s %q (%s)", d.Kind, d.Name, d.Origin)
	}
	return fmt.Sprintf("component %q: %s stopped at the %s for one Application "+
		"(spec.limits of the RenderApplications config sets it)", e.Site.component, what, e.Limit)
}

// limitsOf reads spec.limits of the function config.
func limitsOf(spec *LimitsConfig) (Limits, error) {
	l := DefaultLimits()
	if spec == nil {
		return l, nil
	}
	if spec.Time != "" {
		d, err := time.ParseDuration(spec.Time)
		if err != nil || d == 0 {
			return l, fmt.Errorf("spec.limits.time: %q is not a duration such as 10s or 1m (negative: no limit)", spec.Time)
		}
		l.Time = d
	}
	if spec.Memory != "" {
		q, err := resource.ParseQuantity(spec.Memory)
		if err != nil || q.IsZero() {
			return l, fmt.Errorf("spec.limits.memory: %q is not a quantity such as 512Mi or 2Gi (negative: no limit)", spec.Memory)
		}
		l.Memory = q.Value()
	}
	return l, nil
}

// renderLimited is Render within r's limits. When a limit is passed, the
// evaluation goes on in its goroutine and r must not be used again
// (spent is true).
func (r *Renderer) renderLimited(app *oam.Application) (res *Result, spent bool, err error) {
	lim := r.opts.Limits
	if lim.Time < 0 && lim.Memory < 0 {
		res, err = r.Render(app)
		return res, false, err
	}
	done := make(chan rendered, 1) // the abandoned evaluation's send never blocks
	go func() {
		res, err := r.Render(app)
		done <- rendered{res: res, err: err}
	}()
	var deadline <-chan time.Time
	if lim.Time > 0 {
		t := time.NewTimer(lim.Time)
		defer t.Stop()
		deadline = t.C
	}
	var sample <-chan time.Time
	var base uint64
	if lim.Memory > 0 {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		sample, base = tick.C, heapBytes()
	}
	for {
		select {
		case out := <-done:
			return out.res, false, out.err
		case <-deadline:
			return nil, true, r.limitError(app, fmt.Sprintf("time limit of %s", lim.Time))
		case <-sample:
			if h := heapBytes(); h > base && h-base > uint64(lim.Memory) {
				return nil, true, r.limitError(app, "memory limit of "+resource.NewQuantity(lim.Memory, resource.BinarySI).String())
			}
		}
	}
}

func (r *Renderer) limitError(app *oam.Application, limit string) error {
	at := site{field: "spec.components"}
	if s := r.eng.evaluating.Load(); s != nil {
		at = *s
	}
	return fieldError(app, at.field, &LimitError{Site: at, Limit: limit})
}

// heapBytes is the heap in use by objects, live or not yet swept: it
// grows as an evaluation allocates, without waiting for a GC.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
