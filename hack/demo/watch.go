package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// demoPullInterval replaces apps' pullInterval of 1m in the demo's copy of
// the seed, so the watch step does not wait a minute for the commit.
const demoPullInterval = "5s"

// watchChanges runs `kubectl gitops watch clusters/apps.yaml` in the
// background, waits for its first pass, pushes a new Ingress domain and
// waits for the watch to bring it to the cluster; then pushes a new image
// tag to the registry, as the seed's CI does, and waits for the watch's
// image automation to commit it and roll it out; then stops the watch.
func watchChanges(ctx context.Context, c *cluster.Cluster, g gitops, repo *gitserver.Repo, reg *registry.Server) error {
	w, err := g.start("watch", "clusters/apps.yaml", "--image-interval", "5s")
	if err != nil {
		return err
	}
	defer w.stop()
	if err := w.waitFor(ctx, "apps/apps: up to date at", 3*time.Minute); err != nil {
		return err
	}
	fmt.Printf("$ git commit -m 'change the domain' && git push   (apps/my-app.yaml: domain: newsvc.example.com)\n")
	if err := edit(repo, "apps/my-app.yaml", "domain: testsvc.example.com", "domain: newsvc.example.com", "change the domain"); err != nil {
		return err
	}
	if err := w.waitFor(ctx, "apps/apps: healthy at", time.Minute); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ing, err := c.Client.NetworkingV1().Ingresses("default").Get(ctx, "my-server", metav1.GetOptions{})
		if err == nil && len(ing.Spec.Rules) > 0 && ing.Spec.Rules[0].Host == "newsvc.example.com" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("watch did not bring the new domain to the cluster (Ingress my-server: %v)", err)
		}
		time.Sleep(time.Second)
	}

	const tag = "master-5d6e7f8-1700000500"
	fmt.Printf("$ docker push %s:%s   (CI built a new image)\n", reg.Repository("testapp"), tag)
	if err := reg.Push(ctx, "testapp", tag); err != nil {
		return err
	}
	if err := w.waitFor(ctx, "image automation pushed", time.Minute); err != nil {
		return err
	}
	if err := w.waitFor(ctx, "apps/apps: healthy at", time.Minute); err != nil {
		return err
	}
	d, err := c.Client.AppsV1().Deployments("default").Get(ctx, "my-server", metav1.GetOptions{})
	if err != nil {
		return err
	}
	if got, want := d.Spec.Template.Spec.Containers[0].Image, reg.Repository("testapp")+":"+tag; got != want {
		return fmt.Errorf("my-server runs %s after the image automation, want %s", got, want)
	}
	return w.stop()
}

// background is a kubectl gitops command running beside the demo; its
// output goes to stdout and is kept for waitFor.
type background struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	out     bytes.Buffer
	done    chan struct{}
	err     error
	stopped bool
}

func (b *background) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.Write(p)
}

func (g gitops) start(args ...string) (*background, error) {
	fmt.Printf("$ kubectl gitops %s &\n", strings.Join(args, " "))
	b := &background{done: make(chan struct{})}
	b.cmd = exec.Command(g.bin, append(args, "--kubeconfig", g.kubeconfig)...)
	b.cmd.Dir = g.dir
	b.cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+g.cache)
	out := io.MultiWriter(os.Stdout, b)
	b.cmd.Stdout, b.cmd.Stderr = out, out
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.done)
	}()
	return b, nil
}

// waitFor waits until the output holds text written after the call.
func (b *background) waitFor(ctx context.Context, text string, timeout time.Duration) error {
	b.mu.Lock()
	from := b.out.Len()
	b.mu.Unlock()
	deadline := time.Now().Add(timeout)
	for {
		b.mu.Lock()
		seen := strings.Contains(b.out.String()[from:], text)
		b.mu.Unlock()
		if seen {
			return nil
		}
		select {
		case <-b.done:
			return fmt.Errorf("kubectl gitops %s ended before printing %q: %v", strings.Join(b.cmd.Args[1:], " "), text, b.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kubectl gitops did not print %q within %s", text, timeout)
		}
	}
}

// stop interrupts the command, as Ctrl-C does, and waits for it; a
// second stop does nothing.
func (b *background) stop() error {
	if b.stopped {
		return nil
	}
	b.stopped = true
	fmt.Println("$ kill -INT %1   (stop the watch)")
	if err := b.cmd.Process.Signal(os.Interrupt); err != nil {
		return err
	}
	select {
	case <-b.done:
		return b.err
	case <-time.After(time.Minute):
		_ = b.cmd.Process.Kill()
		<-b.done
		return fmt.Errorf("kubectl gitops watch did not stop within a minute of SIGINT")
	}
}
