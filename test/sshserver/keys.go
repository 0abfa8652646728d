package sshserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"
)

// KeyType names a kind of key GenerateKey makes.
type KeyType string

// The key types GenerateKey makes.
const (
	Ed25519   KeyType = "ed25519"
	ECDSAP256 KeyType = "ecdsa-p256"
)

// Key is a generated key pair.
type Key struct {
	// PrivatePEM is the private key in OpenSSH's PEM format, unencrypted.
	PrivatePEM []byte
	// Public is the public half.
	Public ssh.PublicKey
}

// GenerateKey makes a new key pair of type kt.
func GenerateKey(kt KeyType) (Key, error) {
	var priv crypto.PrivateKey
	var pub crypto.PublicKey
	switch kt {
	case Ed25519:
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return Key{}, fmt.Errorf("sshserver: %w", err)
		}
		pub, priv = p, k
	case ECDSAP256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return Key{}, fmt.Errorf("sshserver: %w", err)
		}
		pub, priv = &k.PublicKey, k
	default:
		return Key{}, fmt.Errorf("sshserver: unknown key type %q", kt)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return Key{}, fmt.Errorf("sshserver: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return Key{}, fmt.Errorf("sshserver: %w", err)
	}
	return Key{PrivatePEM: pem.EncodeToMemory(block), Public: sshPub}, nil
}

// writePrivate writes k's private key to path, readable by its owner only
// (sshd refuses host keys others can read).
func (k Key) writePrivate(path string) error {
	if err := os.WriteFile(path, k.PrivatePEM, 0o600); err != nil {
		return fmt.Errorf("sshserver: %w", err)
	}
	return nil
}
