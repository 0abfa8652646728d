package decrypt

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// The files under testdata were encrypted with the sops CLI (v3.13.3) for
// the test-only identity in testdata/test.agekey (other-key.enc.yaml for
// testdata/other.agekey); tampered.enc.yaml had its name edited afterwards.

func testKeys(t *testing.T, file string) *Keys {
	t.Helper()
	k, err := KeysFromEnv(func(n string) string {
		if n == EnvAgeKeyFile {
			return filepath.Join("testdata", file)
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestFile(t *testing.T) {
	for _, tc := range []struct {
		file  string
		want  []string // in the plaintext
		value string   // remembered for masking
	}{
		{"secret.enc.yaml", []string{"name: mysql-secret", "ROOT_PASSWORD: plain-root-pw-1"}, "plain-root-pw-1"},
		{"secret-data.enc.yaml", []string{"token: dG9rZW4tdmFsdWUtMg=="}, "dG9rZW4tdmFsdWUtMg=="},
		{"db.enc.env", []string{"DB_PASSWORD=plain-db-pw-3"}, "plain-db-pw-3"},
		{"secret.enc.json", []string{`"key": "plain-json-4"`}, "plain-json-4"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d := New(testKeys(t, "test.agekey"))
			out, err := d.File(tc.file, read(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("plaintext lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "sops") {
				t.Errorf("plaintext keeps the sops metadata:\n%s", out)
			}
			if got := d.Redact("x " + tc.value + " y"); got != "x *** y" {
				t.Errorf("Redact = %q", got)
			}
			if d.Files() != 1 {
				t.Errorf("Files = %d", d.Files())
			}
		})
	}
}

func TestFileRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, file, keys, want string
		is                     error
	}{
		{"no keys", "secret.enc.yaml", "", "secret.enc.yaml is encrypted with SOPS and no age key was given: set SOPS_AGE_KEY_FILE", ErrNoKeys},
		{"another key", "other-key.enc.yaml", "test.agekey", "other-key.enc.yaml: cannot recover its data key with the age key(s) of SOPS_AGE_KEY_FILE testdata/test.agekey: it is encrypted for age1nnv5", nil},
		{"edited by hand", "tampered.enc.yaml", "test.agekey", "tampered.enc.yaml: its MAC does not match its content", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var keys *Keys
			if tc.keys != "" {
				keys = testKeys(t, tc.keys)
			}
			d := New(keys)
			d.NoKeysHint = "set SOPS_AGE_KEY_FILE"
			out, err := d.File(tc.file, read(t, tc.file))
			if err == nil {
				t.Fatalf("no error; got\n%s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if strings.Contains(err.Error(), "plain-root-pw-1") || strings.Contains(err.Error(), "AGE-SECRET-KEY") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestPlainFilesPass(t *testing.T) {
	for name, text := range map[string]string{
		"plain.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  sops: mentioned\n",
		"sops-ish.yaml": "sops:\n  note: not metadata, no mac\n",
		"plain.json":    `{"kind":"ConfigMap","data":{"sops":"x"}}`,
		"plain.env":     "A=b\n",
	} {
		out, err := New(nil).File(name, []byte(text))
		if err != nil || string(out) != text {
			t.Errorf("%s: got %q, %v; want it unchanged", name, out, err)
		}
	}
}

func TestKeysFromSecret(t *testing.T) {
	id := read(t, "test.agekey")
	if _, err := KeysFromSecret("team-a", "sops-age", map[string][]byte{"age.agekey": id}); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]map[string][]byte{
		"no age key": {"key.asc": []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")},
		"empty":      {},
		"not a key":  {"age.agekey": []byte("AGE-SECRET-KEY-1NOTAKEYATALL-secret-material")},
	} {
		_, err := KeysFromSecret("team-a", "sops-age", data)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.Contains(err.Error(), "Secret team-a/sops-age") || strings.Contains(err.Error(), "secret-material") || strings.Contains(err.Error(), "PGP PRIVATE") {
			t.Errorf("%s: error %q should name the Secret and no value", name, err)
		}
	}
}

func TestMaskObjects(t *testing.T) {
	d := New(testKeys(t, "test.agekey"))
	if _, err := d.File("db.enc.env", read(t, "db.enc.env")); err != nil {
		t.Fatal(err)
	}
	// A Secret generated from the .env: kustomize base64-encodes values.
	nodes, err := kio.FromBytes([]byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  DB_PASSWORD: cGxhaW4tZGItcHctMw==\n  OTHER: b3RoZXI=\nstringData:\n  again: plain-db-pw-3\n  dsn: mysql://root:plain-db-pw-3@db/app\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := d.MaskObjects(nodes); n != 3 {
		t.Errorf("masked %d values, want 3", n)
	}
	out, _ := kio.StringAll(nodes)
	if strings.Contains(out, "plain-db-pw-3") || strings.Contains(out, "cGxhaW4tZGItcHctMw==") || !strings.Contains(out, "OTHER: b3RoZXI=") ||
		!strings.Contains(out, "mysql://root:***@db/app") {
		t.Errorf("masked output:\n%s", out)
	}
	err = d.RedactError(errors.Join(ErrNoKeys, errors.New(`Secret "db" is invalid: plain-db-pw-3`)))
	if strings.Contains(err.Error(), "plain-db-pw-3") || !errors.Is(err, ErrNoKeys) {
		t.Errorf("RedactError = %v", err)
	}
}
