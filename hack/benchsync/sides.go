package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
)

// bench is what both sides share.
type bench struct {
	run runner
	// objs summarises rendered, the objects `kubectl gitops build` made of
	// the Applications in appsDir.
	objs     objectSet
	rendered string
	appsDir  string
	// gitops is the kubectl-gitops binary.
	gitops string
	// timeout bounds each wait for health.
	timeout time.Duration
	// work holds the logs and the Git cache.
	work     string
	progress io.Writer
	// profile has the agent serve pprof and records its CPU profiles.
	profile bool
}

// sideResult is what one side measured.
type sideResult struct {
	// Start is how long its fresh cluster took to start (not part of any
	// other figure).
	Start time.Duration
	// Apply is the initial apply (kubectl) or sync (gitops).
	Apply         usage
	ApplyRequests requestTally
	// Wait is `kubectl wait` after the apply (kubectl only: sync waits
	// itself).
	Wait usage
	// Noop is the same apply or sync again, with nothing changed.
	Noop         usage
	NoopRequests requestTally
	// Available is the number of Deployments Available at the end, and
	// AvailableAfter the time from the start of the apply (or sync) to the
	// last of them becoming Available, as the cluster recorded it (to the
	// second): how long the cluster took, whoever watched it.
	Available      int
	AvailableAfter time.Duration
	// Failed is the last line of the error that ended the side early;
	// the figures above are those measured until then.
	Failed string
}

// available fills Available and AvailableAfter, for an apply started at start.
func (r *sideResult) available(ctx context.Context, bc *benchCluster, start time.Time) error {
	n, last, err := bc.availableDeployments(ctx)
	if err != nil {
		return err
	}
	r.Available, r.AvailableAfter = n, last.Sub(start.Truncate(time.Second))
	return nil
}

func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.progress, "benchsync: "+format+"\n", args...)
}

// build renders the Applications with `kubectl gitops build` into
// b.rendered, for kubectl to apply.
func (b *bench) build(ctx context.Context, clusterVersion string) (usage, error) {
	out, err := os.Create(b.rendered)
	if err != nil {
		return usage{}, err
	}
	u, err := b.run.run(ctx, "gitops-build", out, nil, b.gitops, "build", b.appsDir, "--cluster-version", clusterVersion)
	return u, errors.Join(err, out.Close())
}

// kubectlSide applies the rendered objects with kubectl on a fresh cluster,
// waits for the Deployments, then applies them again.
func (b *bench) kubectlSide(ctx context.Context) (r sideResult, err error) {
	b.step("kubectl: starting a fresh cluster")
	bc, err := startCluster(ctx, b.objs, b.progress)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, bc.Stop()) }()
	r.Start = bc.Start
	out, err := os.Create(filepath.Join(b.run.logDir, "kubectl.out"))
	if err != nil {
		return r, err
	}
	defer out.Close()
	kubectl := func(label string, args ...string) (usage, error) {
		return b.run.run(ctx, label, out, nil, bc.Binaries.Kubectl, append([]string{"--kubeconfig=" + bc.Kubeconfig}, args...)...)
	}

	b.step("kubectl: apply --server-side -f (%d objects)", b.objs.Count)
	start := time.Now()
	counts, err := bc.meter.during(ctx, func() (err error) {
		r.Apply, err = kubectl("kubectl-apply", "apply", "--server-side", "-f", b.rendered)
		return err
	})
	r.ApplyRequests = counts.tally(bc.applied)
	if err != nil {
		return r, err
	}
	b.step("kubectl: applied in %s; wait --for=condition=Available deployment --all -A", r.Apply.Wall.Round(time.Millisecond))
	if r.Wait, err = kubectl("kubectl-wait", "wait", "--for=condition=Available", "deployment", "--all", "--all-namespaces",
		"--timeout="+b.timeout.String()); err != nil {
		return r, err
	}
	b.step("kubectl: Deployments Available after %s more", r.Wait.Wall.Round(time.Millisecond))
	if err := r.available(ctx, bc, start); err != nil {
		return r, err
	}

	b.step("kubectl: apply --server-side -f again, nothing changed")
	counts, err = bc.meter.during(ctx, func() (err error) {
		r.Noop, err = kubectl("kubectl-reapply", "apply", "--server-side", "-f", b.rendered)
		return err
	})
	r.NoopRequests = counts.tally(bc.applied)
	if err != nil {
		return r, err
	}
	return r, nil
}

// gitopsSide syncs the Applications from a local Git server into a fresh
// cluster, then syncs again.
func (b *bench) gitopsSide(ctx context.Context) (r sideResult, err error) {
	b.step("gitops: pushing %s to a local Git server", b.appsDir)
	srv, err := gitserver.New(gitserver.Options{Root: filepath.Join(b.work, "git")})
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, srv.Close()) }()
	if err := pushApps(srv, b.appsDir); err != nil {
		return r, err
	}

	b.step("gitops: starting a fresh cluster")
	bc, err := startCluster(ctx, b.objs, b.progress)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, bc.Stop()) }()
	r.Start = bc.Start
	out, err := os.Create(filepath.Join(b.run.logDir, "gitops.out"))
	if err != nil {
		return r, err
	}
	defer out.Close()
	// A Git cache of its own: the first sync clones, the second fetches.
	env := []string{"XDG_CACHE_HOME=" + filepath.Join(b.work, "gitops-cache")}
	sync := func(label string) (usage, error) {
		return b.run.run(ctx, label, out, env, b.gitops, "sync",
			"--repo", srv.URL("config"), "--branch", "main", "--path", "apps",
			"--timeout", b.timeout.String(), "--kubeconfig", bc.Kubeconfig)
	}

	b.step("gitops: sync --repo %s --branch main --path apps", srv.URL("config"))
	start := time.Now()
	counts, err := bc.meter.during(ctx, func() (err error) {
		r.Apply, err = sync("gitops-sync")
		return err
	})
	r.ApplyRequests = counts.tally(bc.applied)
	if err != nil {
		return r, err
	}
	b.step("gitops: synced in %s:\n%s", r.Apply.Wall.Round(time.Millisecond), indent(tail(filepath.Join(b.run.logDir, "gitops-sync.err"), 3)))
	if err := r.available(ctx, bc, start); err != nil {
		return r, err
	}

	b.step("gitops: sync again, nothing changed")
	counts, err = bc.meter.during(ctx, func() (err error) {
		r.Noop, err = sync("gitops-resync")
		return err
	})
	r.NoopRequests = counts.tally(bc.applied)
	if err != nil {
		return r, err
	}
	b.step("gitops: re-synced in %s:\n%s", r.Noop.Wall.Round(time.Millisecond), indent(tail(filepath.Join(b.run.logDir, "gitops-resync.err"), 3)))
	return r, nil
}

// pushApps commits the files of dir under apps/ in a new repository
// "config" on srv and pushes it.
func pushApps(srv *gitserver.Server, dir string) error {
	repo, err := srv.Create("config")
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("applications: %w", err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("applications: %w", err)
		}
		files["apps/"+e.Name()] = string(data)
	}
	if len(files) == 0 {
		return fmt.Errorf("applications: no files in %s", dir)
	}
	if err := repo.WriteFiles(files); err != nil {
		return err
	}
	if _, err := repo.Commit("benchmark Applications"); err != nil {
		return err
	}
	return repo.Push()
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
