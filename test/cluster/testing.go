package cluster

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SkipMessage is what e2e tests say when -short keeps the cluster down.
const SkipMessage = "e2e test needs the local cluster (test/cluster): skipped with -short; run without -short to start it"

// Main is a TestMain body: it starts one cluster for the package into *env,
// runs the tests and stops the cluster. With -short it starts nothing and
// leaves *env nil, so NewNamespace skips each e2e test with SkipMessage.
//
//	func TestMain(m *testing.M) { os.Exit(cluster.Main(m, &env)) }
func Main(m *testing.M, env **Cluster) int {
	return MainWithOptions(m, env, Options{})
}

// MainWithOptions is Main with a cluster started with opts (Log is
// stderr). A RealNode asked for without root is left out, with a line
// saying so: the tests that need it skip (see HasRealNode).
func MainWithOptions(m *testing.M, env **Cluster, opts Options) int {
	flag.Parse()
	if testing.Short() {
		fmt.Fprintln(os.Stderr, SkipMessage)
		return m.Run()
	}
	// The first run builds the binaries, which takes minutes: `make test`
	// builds them beforehand (make cluster-binaries).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	start := time.Now()
	opts.Log = os.Stderr
	switch {
	case opts.RealNode && os.Geteuid() != 0:
		fmt.Fprintln(os.Stderr, "local cluster: no real node (it needs root); the tests that need one skip")
		opts.RealNode = false
	}
	c, err := StartWithOptions(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "local cluster: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "local cluster %s up in %s: %s\n", c.Binaries.Version, time.Since(start).Round(100*time.Millisecond), c.Kubeconfig)
	*env = c
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "local cluster: stop: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// NewNamespace creates a namespace named after the test with a random
// suffix, waits until its default ServiceAccount exists (so pods can be
// created) and deletes it when the test ends. On a nil Cluster (Main under
// -short) it skips the test with SkipMessage.
func (c *Cluster) NewNamespace(t testing.TB) string {
	t.Helper()
	if c == nil {
		if testing.Short() {
			t.Skip(SkipMessage)
		}
		t.Fatal("no local cluster: call cluster.Main(m, &env) from TestMain")
	}
	prefix := strings.Trim(nonName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(prefix) > 40 {
		prefix = strings.TrimRight(prefix[:40], "-")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := c.Client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	for {
		_, err := c.Client.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return ns.Name
		}
		if !apierrors.IsNotFound(err) {
			t.Fatalf("namespace %s: default ServiceAccount: %v", ns.Name, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("namespace %s: default ServiceAccount never appeared: %v", ns.Name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
