package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/oamgitops/kubectl-gitops/catalog"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
)

// The SOPS files come from plugin/decrypt/testdata (see its tests).
func sopsFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "decrypt", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestDirDecryptsSOPSFiles(t *testing.T) {
	keys, err := decrypt.KeysFromEnv(func(n string) string {
		if n == decrypt.EnvAgeKeyFile {
			return filepath.Join("..", "decrypt", "testdata", "test.agekey")
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	builtins, err := catalog.Registry()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		files   map[string]string
		keys    *decrypt.Keys
		want    []string // in the output
		wantErr string
	}{
		// The namespace transformer runs after decryption: the MAC is
		// checked on the file as it is in Git.
		"kustomization with a namespace": {
			files: map[string]string{"kustomization.yaml": "namespace: team-a\nresources: [secret.enc.yaml]\n",
				"secret.enc.yaml": sopsFile(t, "secret.enc.yaml")},
			keys: keys, want: []string{"namespace: team-a", "ROOT_PASSWORD: plain-root-pw-1"},
		},
		"secretGenerator from an encrypted .env": {
			files: map[string]string{"kustomization.yaml": "secretGenerator:\n- name: db\n  envs: [db.enc.env]\n  options: {disableNameSuffixHash: true}\n",
				"db.enc.env": sopsFile(t, "db.enc.env")},
			keys: keys, want: []string{"DB_PASSWORD: cGxhaW4tZGItcHctMw=="},
		},
		"plain directory": {
			files: map[string]string{"s/secret.enc.yaml": sopsFile(t, "secret-data.enc.yaml")},
			keys:  keys, want: []string{"token: dG9rZW4tdmFsdWUtMg=="},
		},
		"no keys, kustomization": {
			files:   map[string]string{"kustomization.yaml": "resources: [secret.enc.yaml]\n", "secret.enc.yaml": sopsFile(t, "secret.enc.yaml")},
			wantErr: "secret.enc.yaml is encrypted with SOPS and no age key was given",
		},
		"no keys, plain directory": {
			files:   map[string]string{"s/secret.enc.yaml": sopsFile(t, "secret.enc.yaml")},
			wantErr: "s/secret.enc.yaml is encrypted with SOPS and no age key was given",
		},
		"edited by hand": {
			files:   map[string]string{"kustomization.yaml": "resources: [t.yaml]\n", "t.yaml": sopsFile(t, "tampered.enc.yaml")},
			keys:    keys,
			wantErr: "t.yaml: its MAC does not match its content",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			d := decrypt.New(tc.keys)
			res, err := Dir(context.Background(), dir, Options{Render: render.Function{Builtins: builtins, LoadDir: catalog.LoadDir}, Root: dir, Decrypter: d})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if tc.keys == nil && !errors.Is(err, decrypt.ErrNoKeys) {
					t.Errorf("error %v is not ErrNoKeys", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := kio.StringAll(res.Objects)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "sops") || strings.Contains(out, "ENC[") {
				t.Errorf("output keeps ciphertext:\n%s", out)
			}
			if n := d.MaskObjects(res.Objects); n == 0 {
				t.Errorf("nothing to mask in\n%s", out)
			}
		})
	}
}
