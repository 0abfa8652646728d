package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWatchValidate(t *testing.T) {
	valid := func() WatchOptions {
		return WatchOptions{SourceOptions: SourceOptions{Arg: "clusters/apps.yaml"},
			PullFlags: PullFlags{Timeout: time.Minute, Interval: time.Minute, DriftInterval: 5 * time.Minute}}
	}
	tests := map[string]struct {
		edit    func(o *WatchOptions)
		wantErr string
	}{
		"defaults":          {edit: func(*WatchOptions) {}},
		"no interval":       {edit: func(o *WatchOptions) { o.Interval = 0 }, wantErr: "--interval must be positive"},
		"no drift interval": {edit: func(o *WatchOptions) { o.DriftInterval = -time.Second }, wantErr: "--drift-interval must be positive"},
		"no timeout":        {edit: func(o *WatchOptions) { o.Timeout = 0 }, wantErr: "--timeout must be positive"},
		"SOURCE and --repo": {edit: func(o *WatchOptions) { o.Repo = "https://h/r.git" }, wantErr: "either SOURCE or --repo"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := valid()
			tc.edit(&o)
			err := o.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// Every SOURCE argument is read; their sources are watched in order.
func TestWatchRoots(t *testing.T) {
	dir := t.TempDir()
	app := func(name, interval string) string {
		return "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: " + name + ", namespace: team}\n" +
			"spec:\n  components:\n    - name: src\n      type: kustomize\n" +
			"      properties: {url: https://git.example/c.git, path: ./" + name + interval + "}\n"
	}
	for name, text := range map[string]string{"infra.yaml": app("infra", ", pullInterval: 10m"), "apps.yaml": app("apps", "")} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	o := WatchOptions{Args: []string{filepath.Join(dir, "infra.yaml"), filepath.Join(dir, "apps.yaml")}}
	roots, err := o.roots()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range roots {
		got = append(got, s.Name)
	}
	if diff := cmp.Diff([]string{"infra/src", "apps/src"}, got); diff != "" {
		t.Errorf("roots (-want +got):\n%s", diff)
	}
	if want := "infra/src (every 10m0s), apps/src (every 1m0s)"; describe(roots, time.Minute) != want {
		t.Errorf("describe: %q, want %q", describe(roots, time.Minute), want)
	}
}
