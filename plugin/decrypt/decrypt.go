package decrypt

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/stores/dotenv"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// Decrypter opens the SOPS files of one build with one set of keys, and
// remembers the values it decrypted. The zero value and nil have no keys:
// an encrypted file then fails with ErrNoKeys, a plain one passes.
// It is safe for concurrent use.
type Decrypter struct {
	keys *Keys
	// NoKeysHint ends the ErrNoKeys message, saying where keys would come
	// from, e.g. "set SOPS_AGE_KEY_FILE".
	NoKeysHint string

	mu     sync.Mutex
	values map[string]bool
	files  map[string]bool
}

// New is a Decrypter with keys (nil for none).
func New(keys *Keys) *Decrypter {
	return &Decrypter{keys: keys}
}

// store reads and writes one file format the way the sops CLI does.
type store interface {
	LoadEncryptedFile([]byte) (sops.Tree, error)
	EmitPlainFile(sops.TreeBranches) ([]byte, error)
}

// storeFor picks the format of a file by its name, as the sops CLI does
// (.json, .env, else YAML), and says whether data looks like a SOPS file
// of that format: the cheap check every read of the build goes through.
func storeFor(name string, data []byte) (store, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return sopsjson.NewStore(&config.JSONStoreConfig{}), bytes.Contains(data, []byte(`"sops"`)) && bytes.Contains(data, []byte(`"mac"`))
	case ".env":
		return &dotenv.Store{}, bytes.Contains(data, []byte("sops_mac="))
	default:
		// The byte checks first: every file of a build comes through here.
		return sopsyaml.NewStore(&config.YAMLStoreConfig{}), bytes.Contains(data, []byte("mac:")) && yamlSopsKey.Match(data)
	}
}

var yamlSopsKey = regexp.MustCompile(`(?m)^sops:\s*$`)

// File returns data decrypted when it is a SOPS file, else data itself.
// Errors name the file and why (never a value): no keys, no matching
// identity, a key type other than age, or a MAC that does not match (the
// file was edited by hand after encryption).
func (d *Decrypter) File(name string, data []byte) ([]byte, error) {
	st, ok := storeFor(name, data)
	if !ok {
		return data, nil
	}
	tree, err := st.LoadEncryptedFile(data)
	if err != nil {
		if strings.Contains(err.Error(), "sops metadata not found") || strings.Contains(err.Error(), "no sops metadata") {
			return data, nil // a plain file that merely mentions sops
		}
		return nil, fmt.Errorf("%s: has SOPS metadata but sops cannot read it%s", name, lineOf(err))
	}
	if d == nil || d.keys.Empty() {
		hint := ""
		if d != nil && d.NoKeysHint != "" {
			hint = ": " + d.NoKeysHint
		}
		return nil, fmt.Errorf("%s %w%s", name, ErrNoKeys, hint)
	}
	secretPaths := map[string]bool{}
	walkLeaves(tree.Branches, func(path string, v any) {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "ENC[") {
			secretPaths[path] = true
		}
	})
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{ageService{keys: d.keys}}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot recover its data key with the age key(s) of %s: it is encrypted for %s",
			name, d.keys.Origin, recipients(tree.Metadata))
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(key, cipher)
	if err != nil {
		return nil, fmt.Errorf("%s: a value does not decrypt with its data key (the file is damaged)", name)
	}
	want, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, key, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil || want != mac {
		return nil, fmt.Errorf("%s: its MAC does not match its content: it was changed after it was encrypted (edit it with `sops FILE`, not by hand)", name)
	}
	plain, err := st.EmitPlainFile(tree.Branches)
	if err != nil {
		return nil, fmt.Errorf("%s: writing the decrypted document failed", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.values == nil {
		d.values = map[string]bool{}
	}
	if d.files == nil {
		d.files = map[string]bool{}
	}
	d.files[name] = true // a build may read a file twice (a render after fetching charts)
	walkLeaves(tree.Branches, func(path string, v any) {
		if secretPaths[path] {
			if s := fmt.Sprint(v); s != "" {
				d.values[s] = true
			}
		}
	})
	return plain, nil
}

// Files is how many distinct files were decrypted.
func (d *Decrypter) Files() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.files)
}

// walkLeaves visits each scalar of a sops tree with a path naming it.
func walkLeaves(v any, visit func(path string, v any)) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch t := v.(type) {
		case sops.TreeBranches:
			for i, b := range t {
				walk(path+"/"+strconv.Itoa(i), b)
			}
		case sops.TreeBranch:
			for _, item := range t {
				if _, ok := item.Key.(sops.Comment); ok {
					continue
				}
				walk(path+"/"+fmt.Sprint(item.Key), item.Value)
			}
		case []any:
			for i, e := range t {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		case sops.Comment:
		default:
			visit(path, v)
		}
	}
	walk("", v)
}

var lineRE = regexp.MustCompile(`line \d+`)

// lineOf keeps only the position of a parse error: YAML errors may quote
// the document.
func lineOf(err error) string {
	if l := lineRE.FindString(err.Error()); l != "" {
		return " (" + l + ")"
	}
	return ""
}

// recipients names the keys a file is encrypted for: public identifiers
// (age recipients, PGP fingerprints, KMS key names), never secrets.
func recipients(m sops.Metadata) string {
	var names []string
	for _, group := range m.KeyGroups {
		for _, k := range group {
			name := k.ToString()
			if t := k.TypeToIdentifier(); t != "age" {
				name = t + " " + name
			}
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "no key"
	}
	return strings.Join(names, ", ")
}
