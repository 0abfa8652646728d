package decrypt

import (
	"context"
	"errors"
	"fmt"

	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/keyservice"
	"google.golang.org/grpc"
)

// ageService recovers a file's data key with the given age identities
// only. sops's own local service would also try the user's home, the
// environment and SOPS_AGE_KEY_CMD (a shell command), and every cloud KMS
// the file names: an agent must do none of that.
type ageService struct {
	keys *Keys
}

var _ keyservice.KeyServiceClient = ageService{}

func (s ageService) Decrypt(_ context.Context, req *keyservice.DecryptRequest, _ ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
	k := req.GetKey().GetAgeKey()
	if k == nil {
		return nil, fmt.Errorf("a %s key: only age keys are supported", keyType(req.GetKey()))
	}
	if s.keys.Empty() {
		return nil, ErrNoKeys
	}
	mk := &sopsage.MasterKey{Recipient: k.GetRecipient(), EncryptedKey: string(req.GetCiphertext())}
	s.keys.identities.ApplyToMasterKey(mk)
	plain, err := mk.Decrypt()
	if err != nil {
		return nil, fmt.Errorf("age recipient %s: no identity of %s matches", k.GetRecipient(), s.keys.Origin)
	}
	return &keyservice.DecryptResponse{Plaintext: plain}, nil
}

func (ageService) Encrypt(context.Context, *keyservice.EncryptRequest, ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	return nil, errors.New("encrypting is not done here: use the sops CLI")
}

// keyType names the kind of a non-age master key for messages.
func keyType(k *keyservice.Key) string {
	switch {
	case k.GetPgpKey() != nil:
		return "PGP"
	case k.GetKmsKey() != nil:
		return "AWS KMS"
	case k.GetGcpKmsKey() != nil:
		return "GCP KMS"
	case k.GetAzureKeyvaultKey() != nil:
		return "Azure Key Vault"
	case k.GetVaultKey() != nil:
		return "HashiCorp Vault"
	default:
		return "non-age"
	}
}
