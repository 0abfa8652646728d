package cluster

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tools module pins every k8s.io staging module to the release matching
// k8s.io/kubernetes (v1.Y.Z needs v0.Y.Z), or the build mixes versions.
func TestToolsModuleReplacesStagingModules(t *testing.T) {
	goMod := filepath.Join("..", "..", "hack", "tools", "go.mod")
	version, err := kubernetesVersion(goMod)
	if err != nil {
		t.Fatal(err)
	}
	staging := "v0" + strings.TrimPrefix(version, "v1")
	f, err := os.Open(goMod)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wrong []string
	replaced := 0
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		// k8s.io/api => k8s.io/api v0.Y.Z
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(scanner.Text()), "replace "))
		if len(fields) == 4 && fields[1] == "=>" && strings.HasPrefix(fields[0], "k8s.io/") {
			replaced++
			if fields[0] != fields[2] || fields[3] != staging {
				wrong = append(wrong, strings.Join(fields, " "))
			}
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if replaced < 20 {
		t.Errorf("%s: %d k8s.io replace lines, want one per staging module (30 or so)", goMod, replaced)
	}
	if diff := cmp.Diff([]string(nil), wrong); diff != "" {
		t.Errorf("replace lines not pinned to %s (-want +got):\n%s", staging, diff)
	}
}

func TestVersionLDFlags(t *testing.T) {
	want := "-X k8s.io/component-base/version.gitVersion=v1.36.3 -X k8s.io/component-base/version.gitMajor=1" +
		" -X k8s.io/component-base/version.gitMinor=36 -X k8s.io/component-base/version.gitTreeState=clean" +
		" -X k8s.io/client-go/pkg/version.gitVersion=v1.36.3 -X k8s.io/client-go/pkg/version.gitMajor=1" +
		" -X k8s.io/client-go/pkg/version.gitMinor=36 -X k8s.io/client-go/pkg/version.gitTreeState=clean"
	if diff := cmp.Diff(want, versionLDFlags("v1.36.3")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
