package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// A kustomization that calls another project's function builds only with
// AllowExec; without it the build fails naming the function and never
// runs it.
func TestDirForeignFunctions(t *testing.T) {
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		field     string // generators, transformers or validators
		allowExec bool
		wantErr   string // "" means success
	}{
		"transformer refused": {field: "transformers", wantErr: "fn.yaml: Stamp stamp: runs a function that is not this project's; pass --allow-exec"},
		"validator refused":   {field: "validators", wantErr: "fn.yaml: Stamp stamp: runs a function"},
		"transformer allowed": {field: "transformers", allowExec: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			marker := filepath.Join(dir, "ran")
			script := "#!/bin/sh\ntouch '" + marker + "'\nexec cat\n"
			files := map[string]string{
				"kustomization.yaml": "resources: [cm.yaml]\n" + tc.field + ": [fn.yaml]\n",
				"cm.yaml":            configMap("a"),
				"fn.yaml": "apiVersion: example.com/v1\nkind: Stamp\nmetadata:\n  name: stamp\n  annotations:\n" +
					"    config.kubernetes.io/function: |\n      exec:\n        path: ./stamp.sh\n",
				"stamp.sh": script,
			}
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Dir(context.Background(), dir, Options{Render: render.Function{Builtins: builtins}, AllowExec: tc.allowExec})
			_, statErr := os.Stat(marker)
			ran := statErr == nil
			if tc.wantErr != "" {
				if !errors.Is(err, ErrExecNotAllowed) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want ErrExecNotAllowed with %q", err, tc.wantErr)
				}
				if ran {
					t.Error("the function ran without AllowExec")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !ran || len(res.Objects) != 1 || res.Objects[0].GetName() != "a" {
				t.Errorf("ran %v, objects %d: want the function run and the ConfigMap through", ran, len(res.Objects))
			}
		})
	}
}
