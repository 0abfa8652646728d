package cmd_test

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Two agents share a Lease: only the leader applies. Killed in the middle
// of a sync, the leader is replaced by the other, which finishes the sync;
// nothing is pruned.
func TestAgentLeaderElection(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	mustSucceed(t, gitops(t, t.TempDir(), "install", "-n", "gitops-"+ns), "install") // the CRD
	t.Cleanup(func() { uninstallAll(t, "gitops-"+ns) })
	repo := appsRepo(ctx, t, ns)
	agent := func() *background {
		return startGitops(t, repo.Work, "agent", "-n", ns, "--interval", "2s", "--leader-elect", "--leader-election-namespace", ns,
			"--leader-election-id", "agents")
	}
	first := agent()
	eventually(t, time.Minute, "the first agent leads", func() string {
		if !strings.Contains(first.stderr.String(), "agent: leading") {
			return "not yet"
		}
		return ""
	})
	second := agent()
	eventually(t, time.Minute, "the second agent waits", func() string {
		if !strings.Contains(second.stderr.String(), "leads; waiting to take over") {
			return "not yet: " + second.stderr.String()
		}
		return ""
	})

	kubectl(t, "apply", "-f", filepath.Join(repo.Work, "clusters/apps.yaml"))
	eventually(t, time.Minute, "the leader applying", func() string {
		if !strings.Contains(first.stderr.String(), "apps/apps: applying") {
			return "not yet"
		}
		return ""
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if out := second.stderr.String(); strings.Contains(out, "applying") {
		t.Fatalf("the standby applied while the other led:\n%s", out)
	}
	eventually(t, 2*time.Minute, "the second agent takes over", func() string {
		if !strings.Contains(second.stderr.String(), "agent: leading") {
			return "not yet"
		}
		return ""
	})
	kubectl(t, "wait", "--for=condition=Ready", "applications", "--all", "-n", ns, "--timeout=120s")
	if msg := hostIs(ctx, ns, "testsvc.example.com")(); msg != "" {
		t.Error(msg)
	}
	events := kubectl(t, "get", "events", "-n", ns, "--field-selector", "reason=Pruned", "-o", "name")
	if strings.TrimSpace(events) != "" {
		t.Errorf("Pruned events after the takeover, want none:\n%s", events)
	}
	if out := second.stderr.String(); strings.Contains(out, " deleted") {
		t.Errorf("the new leader deleted objects:\n%s", out)
	}
}
