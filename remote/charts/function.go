package charts

import (
	"context"
	"time"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/oamgitops/kubectl-gitops/krm/fnconfig"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// Function is render-application with this package's chart cache: the
// function config's spec.charts names the cache (default the plugin's)
// and whether the network may be used. Renders that miss a chart fetch it
// when allowed, then render again; otherwise the render fails naming the
// chart.
type Function struct {
	// Render is the function to run. Required.
	Render render.Function
	// Timeout bounds the fetches of one run. Default 5m.
	Timeout time.Duration
}

var _ framework.ResourceListProcessor = Function{}

// Process implements framework.ResourceListProcessor.
func (f Function) Process(rl *framework.ResourceList) error {
	opts := Options{}
	if cfg := chartsConfig(rl); cfg != nil {
		opts.Dir, opts.AllowNetwork = cfg.CacheDir, cfg.AllowNetwork
	}
	p, err := New(opts)
	if err != nil {
		return err
	}
	timeout := f.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s := p.Session()
	fn := f.Render
	fn.Charts = s
	before := rl.Results
	for {
		err := fn.Process(rl)
		if err == nil {
			return nil
		}
		fetched, ferr := s.Fetch(ctx)
		if ferr != nil || !fetched {
			return err
		}
		rl.Results = before
	}
}

// chartsConfig reads spec.charts of a RenderApplications config; nil when
// there is none (an invalid config is reported by the render).
func chartsConfig(rl *framework.ResourceList) *render.ChartsConfig {
	cfg := &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
	if given, err := fnconfig.Load(rl.FunctionConfig, cfg, render.ConfigIdentity); !given || err != nil {
		return nil
	}
	return cfg.Spec.Charts
}
