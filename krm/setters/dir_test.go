package setters

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUpdateDir(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	files := map[string]string{
		"apps/app.yaml":      "image: old # {\"$imagepolicy\": \"flux-system:app\"}\n",
		"apps/same.yml":      "image: ghcr.io/org/app:1.2.3 # {\"$imagepolicy\": \"flux-system:app\"}\n",
		"apps/Kustomization": "images:\n- newTag: x # {\"$imagepolicy\": \"flux-system:app:tag\"}\n",
		"apps/bad.yaml":      "a: [\n# {\"$imagepolicy\": \"flux-system:app\"}\n",
		"apps/notes.txt":     "image: old # {\"$imagepolicy\": \"flux-system:app\"}\n",
		".git/config.yaml":   "image: old # {\"$imagepolicy\": \"flux-system:app\"}\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "o.yaml"), []byte(files["apps/app.yaml"]), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink(filepath.Join(outside, "o.yaml"), filepath.Join(root, "apps/escape.yaml")))
	must(t, os.Symlink(filepath.Join(root, "gone.yaml"), filepath.Join(root, "apps/dangling.yaml")))
	old := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(filepath.Join(root, "apps/same.yml"), old, old))

	res, err := UpdateDir(root, testPolicies, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"apps/Kustomization", "apps/app.yaml"}, res.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	var notes []string
	for _, n := range res.Notes {
		notes = append(notes, n.String())
	}
	wantNotes := []string{
		"apps/bad.yaml: not YAML: yaml: line 2: did not find expected node content; skipped",
		"apps/dangling.yaml: dangling symlink; skipped",
		"apps/escape.yaml: symlink to a file outside the root; skipped",
	}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	want := map[string]string{
		"apps/app.yaml":      "image: ghcr.io/org/app:1.2.3 # {\"$imagepolicy\": \"flux-system:app\"}\n",
		"apps/Kustomization": "images:\n- newTag: 1.2.3 # {\"$imagepolicy\": \"flux-system:app:tag\"}\n",
		"apps/notes.txt":     files["apps/notes.txt"],
		".git/config.yaml":   files[".git/config.yaml"],
	}
	for name, w := range want {
		got, err := os.ReadFile(filepath.Join(root, name))
		must(t, err)
		if diff := cmp.Diff(w, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	info, err := os.Stat(filepath.Join(root, "apps/app.yaml"))
	must(t, err)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", info.Mode().Perm())
	}
	info, err = os.Stat(filepath.Join(root, "apps/same.yml"))
	must(t, err)
	if !info.ModTime().Equal(old) {
		t.Error("an unchanged file was written")
	}
	got, err := os.ReadFile(filepath.Join(outside, "o.yaml"))
	must(t, err)
	if string(got) != files["apps/app.yaml"] {
		t.Error("a file outside the root was changed")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
