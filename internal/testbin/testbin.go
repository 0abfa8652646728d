package testbin

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Bin is one binary to build.
type Bin struct {
	// Name is the binary's file name under bin/.
	Name string
	// Pkg is the Go package to build, as `go build` takes it, relative to
	// the test's directory: "." or "../render-application".
	Pkg string
}

// Build compiles bins into binDir with `go build`, which writes its output
// to os.Stderr.
func Build(binDir string, bins ...Bin) error {
	for _, b := range bins {
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, b.Name), b.Pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s from %s: %w", b.Name, b.Pkg, err)
		}
	}
	return nil
}

// Main is the body of a TestMain: it builds bins into bin/ under a new
// temporary directory, sets *binDir to that bin/ directory, runs the tests
// and removes the directory. It returns the code for os.Exit: m.Run's, or 1
// when the build fails.
func Main(m *testing.M, binDir *string, bins ...Bin) int {
	tmp, err := os.MkdirTemp("", "testbin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	*binDir = filepath.Join(tmp, "bin")
	if err := Build(*binDir, bins...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// CopyExample copies the directory src, a path in this repository relative
// to the test's directory, into a new temporary tree at the path src has in
// the repository, and links the tree's bin/ to binDir. Exec paths written
// relative to src (../../../../bin/render-application) then reach the built
// binaries. It returns the copy of src. See CopyTree for what is copied.
func CopyExample(t testing.TB, binDir, src string) string {
	t.Helper()
	rel, err := repoPath(src)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.Symlink(binDir, filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, rel)
	// As a checkout has it, .expected/ included: the commands run as the
	// README says must cope with it (kpt reads every file not in .krmignore).
	copyTree(t, src, dst, false)
	return dst
}

// repoPath returns dir's path relative to the repository root: the nearest
// directory above it that holds go.mod.
func repoPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for root := abs; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return filepath.Rel(root, abs)
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("%s: no go.mod above it", dir)
		}
		root = parent
	}
}

// CopyTree copies the files under src to dst, leaving out directories named
// .expected (an example's golden files). Directories get mode 0755 and
// files 0644.
func CopyTree(t testing.TB, src, dst string) { copyTree(t, src, dst, true) }

func copyTree(t testing.TB, src, dst string, skipExpected bool) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipExpected && d.Name() == ".expected" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReadTree returns the content of every file under dir, keyed by its
// slash-separated path relative to dir.
func ReadTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == ".expected" {
			return filepath.SkipDir // the goldens are not the example's files
		}
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Options say how Run starts a command.
type Options struct {
	// Dir is the working directory; "" is the test's own.
	Dir string
	// Stdin is the standard input; "" is none (the null device).
	Stdin string
	// Env holds KEY=VALUE entries added to the test's environment; for a
	// key set twice, the later entry wins. Nil adds none.
	Env []string
}

// In is the Options to run a command in dir with no input.
func In(dir string) Options { return Options{Dir: dir} }

// Result is what a finished command left.
type Result struct {
	Stdout, Stderr string
	// Code is the exit status.
	Code int
}

// Run runs name with args and returns its output and exit status. It
// fails the test only when the command cannot be run at all.
func Run(t testing.TB, opts Options, name string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = opts.Dir
	if opts.Stdin != "" {
		cmd.Stdin = strings.NewReader(opts.Stdin)
	}
	if opts.Env != nil {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		res.Code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return res
}

// Succeed is Run for a command that must exit 0: any other status fails the
// test with the command's standard error.
func Succeed(t testing.TB, opts Options, name string, args ...string) Result {
	t.Helper()
	res := Run(t, opts, name, args...)
	if res.Code != 0 {
		t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), res.Code, res.Stderr)
	}
	return res
}

// Tool returns the path of name found on PATH, or fails the test with a
// message that ends with install, how to get it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH: %s", name, install)
	}
	return path
}

// Kustomize returns the kustomize to run: $KUSTOMIZE if set, else
// kustomize on PATH. Without either it fails the test.
func Kustomize(t testing.TB) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	return Tool(t, "kustomize", "run `make tools` (it installs kustomize into the user cache dir; "+
		"`make test` passes it as $KUSTOMIZE), or put kustomize on PATH")
}

// Sops returns the sops CLI to encrypt with as a user would: $SOPS if
// set, else sops on PATH. Run it with SopsEnv: without it, sops asks
// GitHub for its latest version.
func Sops(t testing.TB) string {
	t.Helper()
	if s := os.Getenv("SOPS"); s != "" {
		return s
	}
	return Tool(t, "sops", "run `make tools` (it installs sops into the user cache dir; `make test` passes it as $SOPS)")
}

// SopsEnv is the environment sops runs with in tests: no version check
// (no packet leaves the machine).
const SopsEnv = "SOPS_DISABLE_VERSION_CHECK=1"

// AgeKeygen returns age-keygen: $AGE_KEYGEN if set, else age-keygen on PATH.
func AgeKeygen(t testing.TB) string {
	t.Helper()
	if s := os.Getenv("AGE_KEYGEN"); s != "" {
		return s
	}
	return Tool(t, "age-keygen", "run `make tools` (it installs age-keygen into the user cache dir; `make test` passes it as $AGE_KEYGEN)")
}

// Kpt returns kpt on PATH, or fails the test.
func Kpt(t testing.TB) string {
	t.Helper()
	return Tool(t, "kpt", "install kpt 1.0.0-beta.56 or later")
}

// Golden compares got with the file at path, or with update writes got
// there (creating its directory) instead.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it, and review it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
