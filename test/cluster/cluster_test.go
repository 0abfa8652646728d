package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
)

var env *cluster.Cluster

func TestMain(m *testing.M) { os.Exit(cluster.Main(m, &env)) }

// A Deployment becomes Available 1/1: the scheduler binds its pod to the
// kwok node, kwok runs it, the controller-manager counts it.
func TestDeploymentBecomesAvailable(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	labels := map[string]string{"app": "web"}
	one := int32(1)
	deploy := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.invalid/web:1"}}},
			},
		},
	}
	start := time.Now()
	if _, err := env.Client.AppsV1().Deployments(ns).Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	var got *appsv1.Deployment
	for {
		var err error
		got, err = env.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get deployment: %v", err)
		}
		if got.Status.AvailableReplicas == 1 && deploymentAvailable(got) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deployment never became Available: %+v", got.Status)
		case <-time.After(250 * time.Millisecond):
		}
	}
	t.Logf("Deployment Available 1/1 after %s", time.Since(start).Round(100*time.Millisecond))

	pods, err := env.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	type placed struct{ Node, Phase string }
	var gotPods []placed
	for _, p := range pods.Items {
		gotPods = append(gotPods, placed{p.Spec.NodeName, string(p.Status.Phase)})
	}
	want := []placed{{cluster.NodeName, string(corev1.PodRunning)}}
	if diff := cmp.Diff(want, gotPods); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// kubectl (built at the server's version) parses the server version: the
// binaries carry real version ldflags.
func TestKubectlVersion(t *testing.T) {
	if testing.Short() {
		t.Skip(cluster.SkipMessage)
	}
	out, err := exec.Command(env.Binaries.Kubectl, "--kubeconfig", env.Kubeconfig, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("kubectl version -o json: %v\n%s", err, exitStderr(err))
	}
	var got struct {
		ServerVersion struct{ GitVersion, Major, Minor string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("kubectl version output: %v\n%s", err, out)
	}
	major, minor, _ := strings.Cut(strings.TrimPrefix(env.Binaries.Version, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	want := struct{ GitVersion, Major, Minor string }{env.Binaries.Version, major, minor}
	if diff := cmp.Diff(want, got.ServerVersion); diff != "" {
		t.Errorf("server version (-want +got):\n%s", diff)
	}

	out, err = exec.Command(env.Binaries.Kubectl, "--kubeconfig", env.Kubeconfig, "version").Output()
	if err != nil {
		t.Fatalf("kubectl version: %v\n%s", err, exitStderr(err))
	}
	if wantLine := "Server Version: " + env.Binaries.Version; !strings.Contains(string(out), wantLine) {
		t.Errorf("kubectl version: want a line %q in\n%s", wantLine, out)
	}
}

// Each test gets its own namespace, and it is deleted when the test ends.
func TestNewNamespace(t *testing.T) {
	if testing.Short() {
		t.Skip(cluster.SkipMessage)
	}
	names := map[string]bool{}
	for _, sub := range []string{"first", "second"} {
		t.Run(sub, func(t *testing.T) {
			ns := env.NewNamespace(t)
			if !strings.HasPrefix(ns, "testnewnamespace-"+sub+"-") {
				t.Errorf("namespace %q: want the test name as prefix", ns)
			}
			names[ns] = true
		})
	}
	if len(names) != 2 {
		t.Fatalf("namespaces %v: want two different ones", names)
	}
	for ns := range names {
		got, err := env.Client.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		if err == nil && got.DeletionTimestamp == nil {
			t.Errorf("namespace %s still exists after its test ended", ns)
		} else if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("get namespace %s: %v", ns, err)
		}
	}
}

func exitStderr(err error) string {
	if exit, ok := err.(*exec.ExitError); ok {
		return string(exit.Stderr)
	}
	return ""
}

// kwok keeps a node lease and renews it, so the node lifecycle controller
// never sees the node stale and marks its pods not Ready (status heartbeats
// alone come too far apart under load).
func TestNodeLeaseRenewed(t *testing.T) {
	if testing.Short() {
		t.Skip(cluster.SkipMessage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var first time.Time
	for {
		lease, err := env.Client.CoordinationV1().Leases("kube-node-lease").Get(ctx, cluster.NodeName, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if err == nil && lease.Spec.RenewTime != nil {
			if first.IsZero() {
				first = lease.Spec.RenewTime.Time
			} else if lease.Spec.RenewTime.After(first) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("node lease kube-node-lease/%s not renewed within a minute (first renew time %v)", cluster.NodeName, first)
		case <-time.After(time.Second):
		}
	}
}

// The audit log records each deletion the API server answers, a second
// one of the same object as 404.
func TestDeletesAreAudited(t *testing.T) {
	ns := env.NewNamespace(t)
	ctx := context.Background()
	cms := env.Client.CoreV1().ConfigMaps(ns)
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "gone"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "gone", metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("second delete: %v, want NotFound", err)
	}
	deletes, err := env.Deletes()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range deletes {
		if d.Namespace == ns && d.Resource == "configmaps" {
			if d.User == "" {
				t.Errorf("%+v: no user", d)
			}
			got = append(got, fmt.Sprintf("%s %d %v", d.Name, d.Code, d.Deleted()))
		}
	}
	if want := []string{"gone 200 true", "gone 404 false"}; !slices.Equal(got, want) {
		t.Errorf("deletes %q, want %q", got, want)
	}
}
