package imageauto

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

func TestDockerConfigKeychain(t *testing.T) {
	const secret = "Pa55-w0rd!"
	auth := base64.StdEncoding.EncodeToString([]byte("ci:" + secret))
	type want struct{ user, password string }
	tests := map[string]struct {
		config  string
		image   string
		want    want
		wantErr string
	}{
		"auths with auth field":    {config: `{"auths": {"reg.example.com:5000": {"auth": "` + auth + `"}}}`, image: "reg.example.com:5000/app", want: want{"ci", secret}},
		"username and password":    {config: `{"auths": {"reg.example.com": {"username": "ci", "password": "` + secret + `"}}}`, image: "reg.example.com/team/app", want: want{"ci", secret}},
		"key with scheme and path": {config: `{"auths": {"https://reg.example.com/v2/": {"username": "ci", "password": "p"}}}`, image: "reg.example.com/app", want: want{"ci", "p"}},
		"docker hub":               {config: `{"auths": {"https://index.docker.io/v1/": {"username": "hub", "password": "p"}}}`, image: "library/nginx", want: want{"hub", "p"}},
		"docker.io key":            {config: `{"auths": {"docker.io": {"username": "hub", "password": "p"}}}`, image: "docker.io/org/app", want: want{"hub", "p"}},
		"legacy dockercfg":         {config: `{"reg.example.com": {"auth": "` + auth + `"}}`, image: "reg.example.com/app", want: want{"ci", secret}},
		"other registry":           {config: `{"auths": {"reg.example.com": {"username": "ci", "password": "p"}}}`, image: "ghcr.io/org/app"},
		"not JSON":                 {config: `{"auths": {"reg.example.com": {"password": "` + secret + `"`, wantErr: "invalid JSON at byte"},
		"auth not base64":          {config: `{"auths": {"r": {"auth": "` + secret + `"}}}`, wantErr: "invalid registry credentials"},
		"auths not an object":      {config: `{"auths": ["` + secret + `"]}`, wantErr: "invalid registry credentials"},
	}
	for name_, tc := range tests {
		t.Run(name_, func(t *testing.T) {
			kc, err := DockerConfigKeychain([]byte(tc.config))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalidRegistryAuth) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			repo, err := name.NewRepository(tc.image)
			if err != nil {
				t.Fatal(err)
			}
			a, err := kc.Resolve(repo)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := a.Authorization()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, want{cfg.Username, cfg.Password}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeychainFromSecretData(t *testing.T) {
	if _, err := KeychainFromSecretData(map[string][]byte{KeyDockerConfigJSON: []byte(`{"auths": {}}`)}); err != nil {
		t.Errorf(".dockerconfigjson: %v", err)
	}
	if _, err := KeychainFromSecretData(map[string][]byte{KeyDockerConfig: []byte(`{}`)}); err != nil {
		t.Errorf(".dockercfg: %v", err)
	}
	_, err := KeychainFromSecretData(map[string][]byte{"username": []byte("u"), "password": []byte("hunter2")})
	if err == nil || !strings.Contains(err.Error(), "no .dockerconfigjson key (it has password, username)") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %v", err)
	}
}

// The masking keychain remembers what it handed out and masks it.
func TestMaskingKeychain(t *testing.T) {
	inner, err := DockerConfigKeychain([]byte(`{"auths": {"reg.example.com": {"username": "ci", "password": "s3cret-value"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	mk := newMaskingKeychain(inner)
	repo, _ := name.NewRepository("reg.example.com/app")
	a, err := mk.Resolve(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authorization(); err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("ci:s3cret-value"))
	got := mk.mask("sent Basic " + basic + " with s3cret-value")
	if got != "sent Basic *** with ***" {
		t.Errorf("masked = %q", got)
	}
	other, _ := name.NewRepository("ghcr.io/app")
	if a, _ := mk.Resolve(other); a != authn.Anonymous {
		t.Errorf("unknown registry resolved to %T, want anonymous", a)
	}
}
