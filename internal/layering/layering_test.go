package layering

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/oamgitops/kubectl-gitops/"

// rules: packages under from may not depend, even through others, on
// packages under any of forbidden.
var rules = []struct {
	from      string
	forbidden []string
	why       string
}{
	{"krm/", []string{"plugin/", "remote/", "functions/", "catalog"}, "krm is pure: KRM in, KRM out"},
	{"remote/", []string{"plugin/", "functions/"}, "remote serves the plugin and the functions alike"},
	{"functions/", []string{"plugin/"}, "a function is krm, catalog and remote, wired"},
	{"plugin/source", []string{"plugin/reconcile", "plugin/build", "plugin/apply"}, "source is a leaf"},
	{"plugin/watch", []string{"plugin/reconcile", "plugin/cmd"}, "the loop is given its fetcher and syncer"},
	{"plugin/imageauto", []string{"plugin/reconcile", "plugin/cmd"}, "image automation reads declarations, not the orchestrator"},
	{"plugin/status", []string{"plugin/reconcile", "plugin/cmd", "plugin/agent"}, "status is pure rules over records"},
	{"plugin/apply", []string{"plugin/reconcile", "plugin/build", "plugin/cmd"}, "the applier knows objects, not builds"},
	{"plugin/build", []string{"plugin/reconcile", "plugin/apply", "plugin/cmd"}, "a build applies nothing"},
	{"plugin/agent", []string{"plugin/cmd"}, "commands wire the agent, not the other way"},
	{"plugin/clusters", []string{"plugin/reconcile", "plugin/apply", "plugin/cmd"}, "the registry knows clusters, not syncs"},
}

func TestLayering(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	checked := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue
		}
		for _, r := range rules {
			if !under(pkg, r.from) {
				continue
			}
			checked[r.from] = true
			for _, dep := range fields[1:] {
				d, ok := strings.CutPrefix(dep, module)
				if !ok {
					continue
				}
				for _, f := range r.forbidden {
					if under(d, f) {
						t.Errorf("%s depends on %s: %s", pkg, d, r.why)
					}
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if !checked[r.from] {
			t.Errorf("rule for %s matched no package: the layout changed; update the rules", r.from)
		}
	}
}

// under reports whether pkg is the package p or, for p ending in "/", in
// the tree under it.
func under(pkg, p string) bool {
	if strings.HasSuffix(p, "/") {
		return strings.HasPrefix(pkg, p)
	}
	return pkg == p || strings.HasPrefix(pkg, p+"/")
}
