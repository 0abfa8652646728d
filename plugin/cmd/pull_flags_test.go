package cmd

import (
	"testing"

	"github.com/oamgitops/kubectl-gitops/plugin/imageauto"
	"github.com/oamgitops/kubectl-gitops/plugin/reconcile"
	"github.com/oamgitops/kubectl-gitops/plugin/watch"
)

// watch and agent take the pull loop's flags with the packages' defaults.
func TestPullFlagsDefaults(t *testing.T) {
	sync, loop := reconcile.DefaultSyncOptions(), watch.DefaultOptions()
	want := map[string]string{
		"timeout":        sync.WaveTimeout.String(),
		"allow-empty":    "false",
		"interval":       loop.Interval.String(),
		"drift-interval": loop.DriftInterval.String(),
		"image-interval": imageauto.DefaultInterval.String(),
	}
	for _, cmd := range []string{"watch", "agent"} {
		c := NewCmdWatch(IOStreams{})
		if cmd == "agent" {
			c = NewCmdAgent(IOStreams{})
		}
		for name, def := range want {
			f := c.Flags().Lookup(name)
			if f == nil {
				t.Errorf("%s has no --%s", cmd, name)
				continue
			}
			if f.DefValue != def {
				t.Errorf("%s --%s defaults to %s, want %s", cmd, name, f.DefValue, def)
			}
		}
	}
}
