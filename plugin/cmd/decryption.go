package cmd

import (
	"context"
	"os"

	"k8s.io/client-go/kubernetes"

	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// Where a source's age keys come from, said when an encrypted file has none.
const (
	hintSecretRef = "name a Secret of age keys (a data key ending in " + decrypt.AgeKeySuffix +
		") in the kustomize component's decryption: {provider: sops, secretRef: {name: NAME}}"
	hintTerminal = hintSecretRef + ", or set " + decrypt.EnvAgeKeyFile
)

// decryption gives each source the decrypter of its SOPS files: the keys
// of the Secret its decryption names, in the source's namespace. With
// terminal set (a user's command, not the agent), a source naming none
// uses the sops CLI's SOPS_AGE_KEY_FILE / SOPS_AGE_KEY. The agent never
// reads its own environment's keys: one tenant's source would decrypt
// with keys given for another's.
func decryption(client kubernetes.Interface, terminal bool) func(context.Context, source.Declaration) (*decrypt.Decrypter, error) {
	return func(ctx context.Context, s source.Declaration) (*decrypt.Decrypter, error) {
		if s.DecryptionSecret != "" {
			keys, err := secretKeys(ctx, client, s.Namespace, s.DecryptionSecret)
			if err != nil {
				return nil, err
			}
			return decrypt.New(keys), nil
		}
		if !terminal {
			d := decrypt.New(nil)
			d.NoKeysHint = hintSecretRef
			return d, nil
		}
		return terminalDecrypter(os.Getenv)
	}
}

// terminalDecrypter is the decrypter of a command run by a user, keyed as
// their sops CLI is.
func terminalDecrypter(getenv func(string) string) (*decrypt.Decrypter, error) {
	keys, err := decrypt.KeysFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	d := decrypt.New(keys)
	d.NoKeysHint = hintTerminal
	return d, nil
}

// secretKeys reads the age identities of a decryption Secret.
func secretKeys(ctx context.Context, client kubernetes.Interface, namespace, name string) (*decrypt.Keys, error) {
	secret, err := getSecret(ctx, client, namespace, name, "generic", "--from-file=age"+decrypt.AgeKeySuffix+"=AGE_KEY_FILE")
	if err != nil {
		return nil, err
	}
	return decrypt.KeysFromSecret(namespace, name, secret.Data)
}
