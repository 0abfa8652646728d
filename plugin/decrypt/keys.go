package decrypt

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
)

// AgeKeySuffix marks the keys of a decryption Secret that hold age
// identities, as Flux's kustomize-controller reads them.
const AgeKeySuffix = ".agekey"

// Environment variables of the sops CLI that a terminal command reads.
const (
	EnvAgeKeyFile = "SOPS_AGE_KEY_FILE"
	EnvAgeKey     = "SOPS_AGE_KEY"
)

// ErrNoKeys means an encrypted file was found and no key was given.
var ErrNoKeys = errors.New("is encrypted with SOPS and no age key was given")

// Keys are the age identities a build may decrypt with, and where they
// came from (for messages: never the keys themselves).
type Keys struct {
	identities sopsage.ParsedIdentities
	// Origin says where the keys came from, e.g. "Secret team-a/sops-age".
	Origin string
}

// Empty says whether there is no identity to decrypt with.
func (k *Keys) Empty() bool { return k == nil || len(k.identities) == 0 }

// ParseKeys reads age identities, one per line (comments and blank lines
// skipped), from each text. Errors name origin, never the text.
func ParseKeys(origin string, texts ...string) (*Keys, error) {
	k := &Keys{Origin: origin}
	for i, t := range texts {
		if err := k.identities.Import(t); err != nil {
			where := origin
			if len(texts) > 1 {
				where = fmt.Sprintf("%s (text %d)", origin, i+1)
			}
			return nil, fmt.Errorf("%s: not age identities (AGE-SECRET-KEY-1…, one per line)", where)
		}
	}
	return k, nil
}

// KeysFromSecret reads the age identities of a decryption Secret: every
// data key ending in .agekey. A Secret with none is an error naming the
// keys it has (their names, not their values).
func KeysFromSecret(namespace, name string, data map[string][]byte) (*Keys, error) {
	origin := "Secret " + namespace + "/" + name
	var texts, others []string
	for _, key := range slices.Sorted(maps.Keys(data)) {
		if strings.HasSuffix(key, AgeKeySuffix) {
			texts = append(texts, string(data[key]))
			continue
		}
		others = append(others, key)
	}
	if len(texts) == 0 {
		hint := "it has no keys"
		if len(others) > 0 {
			hint = "it has " + strings.Join(others, ", ") + " (PGP and cloud KMS keys are not supported)"
		}
		return nil, fmt.Errorf("%s: no key ending in %s holds an age identity; %s", origin, AgeKeySuffix, hint)
	}
	return ParseKeys(origin, texts...)
}

// KeysFromEnv reads the identities a terminal user gave the sops CLI:
// the file SOPS_AGE_KEY_FILE names and the text of SOPS_AGE_KEY. Neither
// set gives nil keys and no error.
func KeysFromEnv(getenv func(string) string) (*Keys, error) {
	var texts, origins []string
	if f := getenv(EnvAgeKeyFile); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvAgeKeyFile, err)
		}
		texts, origins = append(texts, string(data)), append(origins, EnvAgeKeyFile+" "+f)
	}
	if t := getenv(EnvAgeKey); t != "" {
		texts, origins = append(texts, t), append(origins, EnvAgeKey)
	}
	if len(texts) == 0 {
		return nil, nil
	}
	return ParseKeys(strings.Join(origins, " and "), texts...)
}
