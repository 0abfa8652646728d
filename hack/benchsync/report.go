package main

import (
	"fmt"
	"io"
	"time"
)

// Targets of issue 4 item 8.
const (
	// targetRatio: the initial sync is no slower than kubectl apply + wait.
	targetRatio = 1.0
	// targetNoopShare: a no-op re-sync takes under a tenth of the initial sync.
	targetNoopShare = 0.10
)

// results is everything one run measured.
type results struct {
	// Kubernetes is the local cluster's version.
	Kubernetes string
	Apps       int
	Objects    objectSet
	// Build is `kubectl gitops build` of the Applications, no cluster:
	// the render part of a sync.
	Build usage
	// Kubectl and Gitops are nil for a side that did not run (-sides).
	Kubectl *sideResult
	Gitops  *sideResult
	// Agents are the agent runs, one per layout of the sources.
	Agents []agentResult
}

// ratios are the headline numbers.
type ratios struct {
	// SyncVsApplyWait is sync / (kubectl apply + kubectl wait).
	SyncVsApplyWait float64
	// SyncVsApply is sync / kubectl apply alone.
	SyncVsApply float64
	// SyncVsCluster is sync / the time from the start of kubectl apply
	// to the last Deployment becoming Available: what any wait after
	// kubectl apply could reach at best.
	SyncVsCluster float64
}

func (r results) ratios() ratios {
	sync := r.Gitops.Apply.Wall.Seconds()
	return ratios{
		SyncVsApplyWait: sync / r.Kubectl.Apply.plus(r.Kubectl.Wait).Wall.Seconds(),
		SyncVsApply:     sync / r.Kubectl.Apply.Wall.Seconds(),
		SyncVsCluster:   sync / r.Kubectl.AvailableAfter.Seconds(),
	}
}

// printAgents writes the agent's table.
func (r results) printAgents(w io.Writer) {
	if len(r.Agents) == 0 {
		return
	}
	fmt.Fprintf(w, "== agent (%d Applications; pull interval %s, drift checks every %s; agent out of cluster, a fresh cluster per layout)\n",
		r.Apps, agentInterval, agentDrift)
	fmt.Fprintf(w, "%-28s %8s %10s %10s %8s %13s %14s %14s\n", "layout", "sources", "to Ready s", "commit s", "CPU s", "peak RSS MiB", "no-op writes", "writes/hour")
	for _, a := range r.Agents {
		name := "a source per file"
		if a.Layout == "one" {
			name = "one source"
		}
		fmt.Fprintf(w, "%-28s %8d %10.1f %10.1f %8.1f %13.0f %14d %14.0f\n", name, a.Sources, a.ToReady.Seconds(), a.CommitToCluster.Seconds(),
			a.Agent.CPU.Seconds(), float64(a.Agent.MaxRSSKiB)/1024, a.NoopWrites.total(), a.perHour())
		if a.NoopWrites.total() > 0 {
			fmt.Fprintf(w, "  no-op writes: %s\n", a.NoopWrites.verbs())
		}
		if a.Failed != "" {
			fmt.Fprintf(w, "  failed: %s\n", a.Failed)
		}
	}
	fmt.Fprintf(w, "no-op API writes per hour target 0: %s\n", verdict(func() bool {
		for _, a := range r.Agents {
			if a.Failed != "" || a.NoopWrites.total() > 0 {
				return false
			}
		}
		return true
	}()))
}

// print writes the results table and the verdicts.
func (r results) print(w io.Writer) {
	defer r.printAgents(w)
	o := r.Objects
	fmt.Fprintf(w, "== sync (%d Applications: %d objects in %d namespaces, %d Deployments, %d pods; a fresh Kubernetes %s cluster per tool)\n",
		r.Apps, o.Count, len(o.Namespaces), o.Deployments, o.Replicas, r.Kubernetes)
	fmt.Fprintf(w, "%-40s %8s %8s %13s %6s %7s %8s %6s %13s\n", "step", "wall s", "CPU s", "peak RSS MiB", "reads", "writes", "dry-run", "req/s", "other writes")
	row := func(name string, u usage, t *requestTally) {
		if u.Wall == 0 {
			return // not measured: its side failed before
		}
		reads, writes, dry, rate, other := "-", "-", "-", "-", "-"
		if t != nil {
			reads, writes, dry, other = fmt.Sprint(t.Reads), fmt.Sprint(t.total()), fmt.Sprint(t.DryRun), fmt.Sprint(t.Other)
			rate = fmt.Sprintf("%.0f", float64(t.Reads+t.total()+t.DryRun)/u.Wall.Seconds())
		}
		fmt.Fprintf(w, "%-40s %8.2f %8.2f %13.1f %6s %7s %8s %6s %13s\n", name, u.Wall.Seconds(), u.CPU.Seconds(), float64(u.MaxRSSKiB)/1024, reads, writes, dry, rate, other)
	}
	k, g := r.Kubectl, r.Gitops
	if k != nil {
		row("kubectl apply --server-side", k.Apply, &k.ApplyRequests)
		row("kubectl wait (Deployments Available)", k.Wait, nil)
		row("kubectl apply + wait", k.Apply.plus(k.Wait), nil)
	}
	if g != nil {
		row("kubectl gitops sync", g.Apply, &g.ApplyRequests)
	}
	row("kubectl gitops build (render alone)", r.Build, nil)
	if k != nil {
		row("no-op: kubectl apply --server-side", k.Noop, &k.NoopRequests)
	}
	if g != nil {
		row("no-op: kubectl gitops sync", g.Noop, &g.NoopRequests)
	}
	fmt.Fprintln(w, "requests:      reads (GET, LIST) and writes (not dry-run) to the applied kinds and the inventory's, and their rate;")
	fmt.Fprintln(w, "               other writes: to other resources and subresources meanwhile (controllers, scheduler, kwok)")
	for _, s := range []struct {
		name string
		side *sideResult
		what string
	}{{"kubectl:", k, "after apply + wait"}, {"gitops:", g, "after sync"}} {
		if s.side == nil {
			continue
		}
		if s.side.Failed != "" {
			fmt.Fprintf(w, "%-14s FAILED: %s\n", s.name, s.side.Failed)
			continue
		}
		fmt.Fprintf(w, "%-14s writes %s; no-op %s; %d of %d Deployments Available %s, the last %s after the start; cluster start %s (not counted)\n",
			s.name, orNone(s.side.ApplyRequests.verbs()), orNone(s.side.NoopRequests.verbs()), s.side.Available, o.Deployments,
			s.what, s.side.AvailableAfter.Round(time.Second), s.side.Start.Round(100*time.Millisecond))
	}
	if k != nil && g != nil && k.Failed == "" && g.Failed == "" {
		x := r.ratios()
		fmt.Fprintf(w, "ratio:         %.2f x sync / (kubectl apply + wait) wall time (target <= %.0f: %s); %.2f x sync / kubectl apply alone;\n",
			x.SyncVsApplyWait, targetRatio, verdict(x.SyncVsApplyWait <= targetRatio), x.SyncVsApply)
		fmt.Fprintf(w, "               %.2f x sync / (kubectl apply until the cluster had every Deployment Available, %s)\n",
			x.SyncVsCluster, r.Kubectl.AvailableAfter.Round(time.Second))
	}
	if g != nil && g.Failed == "" {
		writes := g.NoopRequests.total() + g.NoopRequests.DryRun
		share := g.Noop.Wall.Seconds() / g.Apply.Wall.Seconds()
		fmt.Fprintf(w, "no-op sync:    %d writes (target 0: %s), %.2f s = %.1f %% of the initial sync (target < %.0f %%: %s)\n",
			writes, verdict(writes == 0), g.Noop.Wall.Seconds(), 100*share, 100*targetNoopShare, verdict(share < targetNoopShare))
	}
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
