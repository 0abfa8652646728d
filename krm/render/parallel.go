package render

import (
	"runtime"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

type rendered struct {
	res *Result
	err error
}

// renderAll parses and renders the Applications among items on a bounded
// number of workers. Each worker owns a Renderer, since CUE evaluation is not
// safe for concurrent use; templates compile once per worker. The result is
// indexed like items (entries for other items stay empty).
func renderAll(reg *definition.Registry, opts Options, items []*yaml.RNode, parallelism int) []rendered {
	out := make([]rendered, len(items))
	var idx []int
	for i, it := range items {
		if oam.IsApplication(it) {
			idx = append(idx, i)
		}
	}
	if parallelism <= 0 {
		parallelism = runtime.GOMAXPROCS(0)
	}
	// A worker pays for compiling the templates it uses; small inputs are
	// not worth a second one.
	parallelism = min(parallelism, max(1, len(idx)/8))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := New(reg, opts)
			for i := range jobs {
				app, err := oam.Parse(items[i])
				if err != nil {
					out[i] = rendered{err: err}
					continue
				}
				res, spent, err := r.renderLimited(app)
				out[i] = rendered{res: res, err: err}
				if spent { // its engine is still busy with the abandoned evaluation
					r = New(reg, opts)
				}
			}
		}()
	}
	for _, i := range idx {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}
