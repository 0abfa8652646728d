package cmd_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
)

// The seed's developer flow through watch: CI pushes master-<sha>-<ts>
// tags; watch's image automation commits the newest to Git and syncs it at
// once, so the new image runs without anyone running a command.
func TestWatchRollsOutNewImages(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := newImageSeed(t, clusterSecrets(ns))
	s.createSecrets(ctx, t, ns)

	w := startGitops(t, s.repo.Work, "watch", "clusters/apps.yaml", "--image-interval", "2s", "--drift-interval", "1h")
	runs := s.runs(ctx, ns)
	// The newest tag already in the registry goes in with the first pass.
	eventually(t, 2*time.Minute, "the newest tag CI pushed before watch started", runs(oldTag))

	s.reg.MustPush(t, "testapp", newTag)
	// The seed's pullInterval is 1m: the pull after the commit is the
	// image automation's, not the interval's.
	eventually(t, 40*time.Second, "a tag CI pushed while watch runs", runs(newTag))
	if code := w.stop(t); code != 0 {
		t.Errorf("watch exit %d", code)
	}
	log := w.stderr.String()
	if !strings.Contains(log, "apps/apps: image automation pushed ") || !strings.Contains(log, "-> "+s.image+":"+newTag) {
		t.Errorf("watch did not report the image commit:\n%s", log)
	}
	noSecrets(t, testbin.Result{Stderr: log})
	subject := s.serverGit(t, "log", "-1", "--format=%s")
	if !strings.HasPrefix(subject, "Update image automatically") {
		t.Errorf("last commit %q, want the image automation's", subject)
	}
}

// runs checks that Deployment my-server in ns runs the image with tag.
func (s *imageSeed) runs(ctx context.Context, ns string) func(tag string) func() string {
	return func(tag string) func() string {
		return func() string {
			d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, "my-server", metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			if got := d.Spec.Template.Spec.Containers[0].Image; got != s.image+":"+tag {
				return "my-server runs " + got
			}
			return ""
		}
	}
}

// The same flow in pull mode: the agent runs image automation on the
// sources of the Applications in the cluster.
func TestAgentRollsOutNewImages(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	system := "gitops-" + ns
	mustSucceed(t, gitops(t, t.TempDir(), "install", "-n", system), "install")
	t.Cleanup(func() { gitops(t, t.TempDir(), "install", "--uninstall", "--crds", "-n", system) })
	s := newImageSeed(t, clusterSecrets(ns))
	s.createSecrets(ctx, t, ns)

	agent := startGitops(t, s.repo.Work, "agent", "-n", ns, "--interval", "2s", "--image-interval", "2s", "--drift-interval", "1h")
	kubectl(t, "apply", "-f", filepath.Join(s.repo.Work, "clusters/apps.yaml"))
	runs := s.runs(ctx, ns)
	eventually(t, 2*time.Minute, "the app synced by the agent", runs(oldTag))
	s.reg.MustPush(t, "testapp", newTag)
	eventually(t, 40*time.Second, "a tag CI pushed while the agent runs", runs(newTag))
	if code := agent.stop(t); code != 0 {
		t.Errorf("agent exit %d", code)
	}
	if log := agent.stderr.String(); !strings.Contains(log, "apps/apps: image automation pushed ") {
		t.Errorf("the agent did not report the image commit:\n%s", log)
	}
}
