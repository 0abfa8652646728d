package imageauto

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// benchRegistryEnv makes the test binary serve the benchmark's registry
// instead of running tests, so that the registry's work is not counted in
// the benchmark's time and allocations.
const benchRegistryEnv = "IMAGEAUTO_BENCH_REGISTRY"

func TestMain(m *testing.M) {
	if os.Getenv(benchRegistryEnv) != "" {
		os.Exit(serveBenchRegistry())
	}
	os.Exit(m.Run())
}

// benchTags are n tags shaped like the seed's CI's: 2 % signatures, 8 %
// another branch, the rest master-<sha>-<ts>.
func benchTags(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	tags := make([]string, 0, n)
	for i := 0; i < n; i++ {
		sha := rng.Uint32() & 0xfffffff
		switch {
		case i%50 == 0:
			tags = append(tags, fmt.Sprintf("master-%07x-%d.sig", sha, 1700000000+i))
		case i%12 == 0:
			tags = append(tags, fmt.Sprintf("feature-%07x-%d", sha, 1700000000+i))
		default:
			tags = append(tags, fmt.Sprintf("master-%07x-%d", sha, 1700000000+i))
		}
	}
	return tags
}

// serveBenchRegistry runs a registry holding benchTags(5000) (100 tags a
// page, basic auth), prints its address and serves until stdin closes.
func serveBenchRegistry() int {
	reg, err := registry.New(registry.Options{Username: regUser, Password: regPassword, PageSize: 100})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer reg.Close()
	if err := reg.Push(context.Background(), "testapp", benchTags(5000)...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(reg.Addr())
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// startBenchRegistry runs serveBenchRegistry in a child process and returns
// its address; the child stops when the benchmark ends.
func startBenchRegistry(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchRegistryEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("benchmark registry: %v", err)
	}
	return strings.TrimSpace(line)
}
