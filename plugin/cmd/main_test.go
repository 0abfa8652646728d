package cmd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/oamgitops/kubectl-gitops/internal/testbin"
	"github.com/oamgitops/kubectl-gitops/test/cluster"
)

// env is the package's local cluster; nil under -short.
var env *cluster.Cluster

// binDir holds the kubectl-gitops binary built once for these tests.
var binDir string

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

// testMain builds the binary, then runs the tests with one local cluster.
func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "testbin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binDir = filepath.Join(tmp, "bin")
	if err := testbin.Build(binDir, testbin.Bin{Name: "kubectl-gitops", Pkg: ".."}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The pull-mode walkthrough runs the agent as a Pod on a real node.
	return cluster.MainWithOptions(m, &env, cluster.Options{RealNode: true})
}
