package testbin

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorder is a testing.TB that keeps what the code under test reports
// instead of failing the real test. Fatal stops the calling goroutine, as
// testing.T's does.
type recorder struct {
	testing.TB
	errors, fatals []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) {
	r.fatals = append(r.fatals, fmt.Sprint(args...))
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// record runs f on a recorder in its own goroutine, so a Fatal ends only f.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// probe builds testdata/probe into a bin/ directory of the test's own and
// returns that directory.
func probe(t *testing.T) string {
	t.Helper()
	binDir := filepath.Join(t.TempDir(), "bin")
	if err := Build(binDir, Bin{Name: "probe", Pkg: "./testdata/probe"}); err != nil {
		t.Fatal(err)
	}
	return binDir
}

func TestBuildRunAndCopyExample(t *testing.T) {
	binDir := probe(t)
	dir := CopyExample(t, binDir, filepath.Join("testdata", "example"))
	if want := filepath.Join("internal", "testbin", "testdata", "example"); !strings.HasSuffix(dir, want) {
		t.Errorf("copy at %s, want it at …/%s", dir, want)
	}
	if diff := cmp.Diff(map[string]string{"a.yaml": "a: 1\n", "sub/b.yaml": "b: 2\n"}, ReadTree(t, dir)); diff != "" {
		t.Errorf("copied tree, without .expected (-want +got):\n%s", diff)
	}
	// The path an example in the repository would write reaches the binary.
	const execPath = "../../../../bin/probe"
	tests := map[string]struct {
		opts Options
		args []string
		want Result
	}{
		"args and working directory": {
			opts: Options{Dir: dir},
			args: []string{"x", "y"},
			want: Result{Stdout: "example x y "},
		},
		"stdin, env and exit status": {
			opts: Options{Dir: dir, Stdin: "in", Env: []string{"PROBE=err", "PROBE_EXIT=3"}},
			want: Result{Stdout: "example  in", Stderr: "err", Code: 3},
		},
		"later env entry wins": {
			opts: Options{Dir: filepath.Join(dir, "sub"), Env: []string{"PROBE=a", "PROBE=b"}},
			want: Result{Stdout: "sub  ", Stderr: "b"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := execPath // relative to dir
			if tt.opts.Dir != dir {
				path = filepath.Join(binDir, "probe")
			}
			if diff := cmp.Diff(tt.want, Run(t, tt.opts, path, tt.args...)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSucceedFailsOnNonZeroExit(t *testing.T) {
	bin := filepath.Join(probe(t), "probe")
	r := record(t, func(tb testing.TB) {
		Succeed(tb, Options{Env: []string{"PROBE=boom", "PROBE_EXIT=2"}}, bin, "arg")
	})
	if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "arg: exit 2\nboom") {
		t.Errorf("fatals %q, want one naming the args, status and stderr", r.fatals)
	}
	r = record(t, func(tb testing.TB) { Run(tb, Options{}, filepath.Join(t.TempDir(), "missing")) })
	if len(r.fatals) != 1 || !strings.HasPrefix(r.fatals[0], "running ") {
		t.Errorf("fatals %q, want one for a command that cannot start", r.fatals)
	}
}

func TestKustomize(t *testing.T) {
	t.Setenv("KUSTOMIZE", "/opt/kustomize")
	if got := Kustomize(t); got != "/opt/kustomize" {
		t.Errorf("with $KUSTOMIZE: %q", got)
	}
	t.Setenv("KUSTOMIZE", "")
	t.Setenv("PATH", t.TempDir())
	r := record(t, func(tb testing.TB) { Kustomize(tb) })
	if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "run `make tools`") {
		t.Errorf("fatals %q, want one telling to run make tools", r.fatals)
	}
	r = record(t, func(tb testing.TB) { Kpt(tb) })
	if len(r.fatals) != 1 || !strings.HasPrefix(r.fatals[0], "kpt not found on PATH: install kpt") {
		t.Errorf("fatals %q, want one telling to install kpt", r.fatals)
	}
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "out.yaml")
	r := record(t, func(tb testing.TB) { Golden(tb, path, "a\n", false) })
	if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "-update") {
		t.Errorf("missing file: fatals %q, want one telling to run with -update", r.fatals)
	}
	Golden(t, path, "a\n", true)
	if data, err := os.ReadFile(path); err != nil || string(data) != "a\n" {
		t.Fatalf("update wrote %q, %v", data, err)
	}
	Golden(t, path, "a\n", false)
	r = record(t, func(tb testing.TB) { Golden(tb, path, "b\n", false) })
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "(-want +got)") || !strings.Contains(r.errors[0], `"b\n"`) {
		t.Errorf("mismatch: errors %q, want one diff", r.errors)
	}
}
