package cluster

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hostSnapshot is what a real node must leave as it found it.
func hostSnapshot(t *testing.T) map[string]string {
	t.Helper()
	snap := map[string]string{}
	for name, args := range map[string][]string{
		"routes": {"ip", "route"}, "addresses": {"ip", "-br", "addr"}, "links": {"ip", "-br", "link"},
		"iptables": {"iptables-save"}, "ip6tables": {"ip6tables-save"}, "nft tables": {"nft", "list", "tables"},
	} {
		out, err := sh(args...)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, ":") { // comments and counters change
				kept = append(kept, line)
			}
		}
		snap[name] = strings.Join(kept, "\n")
	}
	for _, s := range append([]string{"net.ipv4.ip_forward"}, sysctlsTouched...) {
		snap[s], _ = readSysctl(s)
	}
	return snap
}

func txPackets(t *testing.T, dev string) string {
	data, err := os.ReadFile("/sys/class/net/" + dev + "/statistics/tx_packets")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// A real node joins, runs a Pod from an image built here, sends nothing
// off the machine, and leaves the host as it was.
func TestRealNode(t *testing.T) {
	if testing.Short() {
		t.Skip(SkipMessage)
	}
	if os.Geteuid() != 0 {
		t.Skip("a real node needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// The host as it is with no real node: another package's waits.
	lock, err := acquireRealNode(ctx, Options{Log: testLog{t}})
	if err != nil {
		t.Fatal(err)
	}
	before := hostSnapshot(t)
	c, err := StartWithOptions(ctx, Options{RealNode: true, Log: testLog{t}, realNodeLock: lock})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()
	dev := c.node.host.OutDev
	tx := txPackets(t, dev)

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "sleeper", Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{RealNodeName: "true"},
			Tolerations:  []corev1.Toleration{{Key: RealNodeName, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			Containers:   []corev1.Container{{Name: "sleep", Image: SandboxImage, ImagePullPolicy: corev1.PullNever}},
		}}
	if _, err := c.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		p, err := c.Client.CoreV1().Pods("default").Get(ctx, "sleeper", metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning && p.Spec.NodeName == RealNodeName && strings.HasPrefix(p.Status.PodIP, "10.88.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Pod is not Running on %s with a bridge IP: %+v %v", RealNodeName, p.Status, err)
		}
		time.Sleep(time.Second)
	}
	if got := txPackets(t, dev); got != tx {
		t.Errorf("%s sent packets while the real node ran: tx_packets %s, then %s", dev, tx, got)
	}
	stopped = true
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	after := hostSnapshot(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed by the real node:\nbefore:\n%s\nafter:\n%s", k, v, after[k])
		}
	}
	if _, err := os.Stat(hostStateAt); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", hostStateAt, err)
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
