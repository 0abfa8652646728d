package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oamgitops/kubectl-gitops/test/cluster"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// pullMode is the story again in pull mode: the agent image built here,
// installed on the real node, the Applications applied with kubectl, and
// a commit reaching the cluster with no kubectl gitops in between.
func pullMode(ctx context.Context, c *cluster.Cluster, g gitops, k kubectl, repo *gitserver.Repo, reg *registry.Server) error {
	if !c.HasRealNode() {
		step("pull mode skipped: the real node needs root (run make demo as root to see the agent as a Pod)")
		return nil
	}
	step("make image: the agent's OCI image, built without Docker, pushed to the local registry")
	image := reg.Repository("kubectl-gitops") + ":demo"
	layout := c.Dir + "/agent-image"
	for _, args := range [][]string{{"build", "-platforms", "linux/" + runtime.GOARCH, "-version", "demo", "-out", layout},
		{"push", "-from", layout, "-image", image}} {
		cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./hack/image"}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("hack/image %s: %w", args[0], err)
		}
	}
	if err := c.AllowRegistry(reg.Addr()); err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	apiPort := c.Server[strings.LastIndex(c.Server, ":")+1:]
	step("kubectl gitops install: two agent replicas on the real node (host network, the API server on 127.0.0.1), one leading")
	if err := g.run("install", "--image", image, "--image-pull-policy", "IfNotPresent", "--replicas", "2", "--host-network",
		"--env", "KUBERNETES_SERVICE_HOST=127.0.0.1", "--env", "KUBERNETES_SERVICE_PORT="+apiPort,
		"--node-selector", cluster.RealNodeName+"=true", "--tolerations", cluster.RealNodeName+":NoSchedule",
		"--health-port", strconv.Itoa(ports[0]), "--metrics-port", strconv.Itoa(ports[1])); err != nil {
		return err
	}
	k.run("rollout", "status", "deployment/kubectl-gitops-agent", "-n", "kubectl-gitops-system", "--timeout=180s")
	k.run("get", "pods", "-n", "kubectl-gitops-system", "-o", "wide")

	step("kubectl apply -f clusters/infra.yaml -f clusters/apps.yaml; the agent syncs them; kubectl wait until Ready")
	k.run("apply", "-f", repo.Work+"/clusters/infra.yaml", "-f", repo.Work+"/clusters/apps.yaml")
	k.run("wait", "--for=condition=Ready", "applications", "--all", "-n", "default", "--timeout=180s")
	k.run("get", "applications", "-n", "default")
	if err := g.run("ls"); err != nil {
		return err
	}

	step("a commit to Git reaches the cluster through the agent alone (hello's image tag)")
	if err := edit(repo, "apps/hello.yaml", "registry.example/hello:1.0.0", "registry.example/hello:1.1.0", "hello 1.1.0"); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		d, err := c.Client.AppsV1().Deployments("default").Get(ctx, "hello", metav1.GetOptions{})
		if err == nil && d.Spec.Template.Spec.Containers[0].Image == "registry.example/hello:1.1.0" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the commit did not reach the cluster in 2 minutes")
		}
		time.Sleep(time.Second)
	}
	k.run("get", "deployment", "hello", "-n", "default", "-o", "jsonpath={.spec.template.spec.containers[0].image}{\"\\n\"}")
	k.run("get", "events", "-n", "default", "--field-selector", "involvedObject.kind=Application")

	step("kubectl gitops install --uninstall: the agent goes, what it applied stays")
	if err := g.run("install", "--uninstall"); err != nil {
		return err
	}
	k.run("get", "deployments", "-n", "default")
	return nil
}

// freePorts are n ports free on every address, for the agent on the host
// network.
func freePorts(n int) ([]int, error) {
	var out []int
	for range n {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
