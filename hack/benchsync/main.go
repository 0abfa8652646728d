package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
)

func main() {
	bin := flag.String("bin", "bin/kubectl-gitops", "the kubectl-gitops binary")
	apps := flag.String("apps", "", "directory of the Applications (hack/benchgen's DIR/apps)")
	timeBin := flag.String("time", "/usr/bin/time", "GNU time")
	timeout := flag.Duration("timeout", 30*time.Minute, "how long the Deployments may take to become Available")
	sides := flag.String("sides", "kubectl,gitops", "the sides to run, comma-separated: kubectl, gitops, agent-each (the agent, a source per file), agent-one (the agent, one source)")
	profile := flag.Bool("profile", false, "record CPU profiles of the agent (60 s of its first sync, 120 s of the quiet window) into WORK/logs")
	work := flag.String("work", "", "directory for logs, rendered objects and Git data (default: a temporary one, removed)")
	flag.Parse()
	if *apps == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: benchsync -apps DIR [-bin bin/kubectl-gitops] [-time /usr/bin/time] [-timeout 30m] [-sides S] [-profile] [-work DIR]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, *bin, *apps, *timeBin, *timeout, *work, strings.Split(*sides, ","), *profile)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsync:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, apps, timeBin string, timeout time.Duration, work string, sides []string, profile bool) error {
	run := map[string]bool{}
	for _, s := range sides {
		if s != "kubectl" && s != "gitops" && s != "agent-each" && s != "agent-one" {
			return fmt.Errorf("-sides: unknown side %q: want kubectl, gitops, agent-each or agent-one", s)
		}
		run[s] = true
	}
	var err error
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if work == "" {
		if work, err = os.MkdirTemp("", "benchsync-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if work, err = filepath.Abs(work); err != nil {
		return err
	}
	b := &bench{
		run:      runner{time: timeBin, logDir: filepath.Join(work, "logs")},
		rendered: filepath.Join(work, "rendered.yaml"),
		appsDir:  apps,
		gitops:   bin,
		timeout:  timeout,
		work:     work,
		progress: os.Stderr,
		profile:  profile,
	}
	if err := os.MkdirAll(b.run.logDir, 0o755); err != nil {
		return err
	}
	bins, err := cluster.EnsureBinaries(ctx, cluster.Options{Log: os.Stderr})
	if err != nil {
		return err
	}
	res := results{Kubernetes: bins.Version}
	if res.Apps, err = countApplications(apps); err != nil {
		return err
	}
	// What kubectl applies is what sync renders: same binary, same
	// cluster version.
	b.step("rendering %s with kubectl gitops build --cluster-version %s", apps, bins.Version)
	if res.Build, err = b.build(ctx, bins.Version); err != nil {
		return err
	}
	if b.objs, err = readRendered(b.rendered); err != nil {
		return err
	}
	res.Objects = b.objs
	// A side that fails still reports what it measured until then.
	var errs []error
	if run["kubectl"] {
		k, err := b.kubectlSide(ctx)
		if err != nil {
			k.Failed = lastLine(err)
			errs = append(errs, fmt.Errorf("kubectl side: %w", err))
		}
		res.Kubectl = &k
	}
	if run["gitops"] && ctx.Err() == nil {
		g, err := b.gitopsSide(ctx)
		if err != nil {
			g.Failed = lastLine(err)
			errs = append(errs, fmt.Errorf("gitops side: %w", err))
		}
		res.Gitops = &g
	}
	for _, layout := range []string{"each", "one"} {
		if !run["agent-"+layout] || ctx.Err() != nil {
			continue
		}
		a, err := b.agentSide(ctx, layout)
		if err != nil {
			a.Failed = lastLine(err)
			errs = append(errs, fmt.Errorf("agent side (%s): %w", layout, err))
		}
		res.Agents = append(res.Agents, a)
	}
	res.print(os.Stdout)
	return errors.Join(errs...)
}

// lastLine is the last line of err's message: for a command that failed,
// the last line it wrote to stderr, which says why.
func lastLine(err error) string {
	msg := strings.TrimSpace(err.Error())
	return msg[strings.LastIndex(msg, "\n")+1:]
}
