package gitrepo

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"
)

func TestRefValidate(t *testing.T) {
	tests := map[string]struct {
		ref     Ref
		wantErr bool
	}{
		"zero":             {},
		"branch":           {ref: Ref{Branch: "main"}},
		"branch commit":    {ref: Ref{Branch: "main", Commit: "abcdef1"}},
		"semver":           {ref: Ref{SemVer: ">=1.0.0 <2"}},
		"branch and tag":   {ref: Ref{Branch: "main", Tag: "v1"}, wantErr: true},
		"tag and semver":   {ref: Ref{Tag: "v1", SemVer: "*"}, wantErr: true},
		"tag commit":       {ref: Ref{Tag: "v1", Commit: "abcdef1"}, wantErr: true},
		"short commit":     {ref: Ref{Commit: "abc"}, wantErr: true},
		"non-hex commit":   {ref: Ref{Commit: "main-branch"}, wantErr: true},
		"malformed semver": {ref: Ref{SemVer: ">= one"}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.ref.Validate()
			if tc.wantErr != (err != nil) {
				t.Fatalf("Validate() = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidRef) {
				t.Errorf("error %v is not ErrInvalidRef", err)
			}
		})
	}
}

func TestAuthFromSecretData(t *testing.T) {
	tests := map[string]struct {
		data    map[string][]byte
		want    Auth
		wantErr bool
	}{
		"seed git-secret": {data: map[string][]byte{"username": []byte("git"), "password": []byte("pw")}, want: Auth{Username: "git", Password: "pw"}},
		"bearer token":    {data: map[string][]byte{"bearerToken": []byte("tok")}, want: Auth{BearerToken: "tok"}},
		"ssh":             {data: map[string][]byte{"identity": []byte("KEY"), "known_hosts": []byte("KH"), "password": []byte("pass")}, want: Auth{Identity: []byte("KEY"), KnownHosts: []byte("KH"), Password: "pass"}},
		"legacy ca key":   {data: map[string][]byte{"caFile": []byte("CA")}, want: Auth{CAFile: []byte("CA")}},
		"token and basic": {data: map[string][]byte{"bearerToken": []byte("tok"), "password": []byte("pw")}, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := AuthFromSecretData(tc.data)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidAuth) {
					t.Fatalf("error = %v, want ErrInvalidAuth", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Auth (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthStringHidesSecrets(t *testing.T) {
	a := Auth{Username: "git", Password: "pw-123", BearerToken: "tok-456", Identity: []byte("KEY-789")}
	for _, s := range []string{a.String(), a.GoString()} {
		for _, secret := range []string{"pw-123", "tok-456", "KEY-789"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows %q", s, secret)
			}
		}
	}
}

func TestNewErrorMasksSecrets(t *testing.T) {
	cause := errors.New(`Get "https://bob:p%40ss@host/x?access_token=p%40ss": bad p@ss` + "\nsecond line")
	got := newError("apps", "https://host/x", "fetch", cause, []string{"p@ss"}).Error()
	want := `source apps (https://host/x): fetch: Get "https://host/x?access_token=***": bad *** second line`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
}

func TestSSHAuth(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	hostPub, err := ssh.NewPublicKey(pub) // any key serves as the host key
	if err != nil {
		t.Fatal(err)
	}
	otherPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ssh.NewPublicKey(otherPub)
	if err != nil {
		t.Fatal(err)
	}
	knownHosts := []byte("[127.0.0.1]:2222 " + string(ssh.MarshalAuthorizedKey(hostPub)))
	identity := pem.EncodeToMemory(block)

	ep, err := transport.NewEndpoint("ssh://deploy@127.0.0.1:2222/config.git")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Auth{Identity: identity, KnownHosts: knownHosts}.method(ep)
	if err != nil {
		t.Fatal(err)
	}
	keys, ok := m.(*gitssh.PublicKeys)
	if !ok {
		t.Fatalf("method = %T, want *ssh.PublicKeys", m)
	}
	if keys.User != "deploy" {
		t.Errorf("user = %q, want deploy", keys.User)
	}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2222}
	if err := keys.HostKeyCallback("127.0.0.1:2222", addr, hostPub); err != nil {
		t.Errorf("known host rejected: %v", err)
	}
	if err := keys.HostKeyCallback("127.0.0.1:2222", addr, otherKey); err == nil {
		t.Error("unknown host key accepted")
	}

	for name, a := range map[string]Auth{
		"no identity":    {KnownHosts: knownHosts},
		"no known_hosts": {Identity: identity},
		"bad identity":   {Identity: []byte("not a key"), KnownHosts: knownHosts},
	} {
		if _, err := a.method(ep); !errors.Is(err, ErrInvalidAuth) {
			t.Errorf("%s: error = %v, want ErrInvalidAuth", name, err)
		}
	}

	httpEP, err := transport.NewEndpoint("https://host/x.git")
	if err != nil {
		t.Fatal(err)
	}
	m, err = Auth{BearerToken: "tok"}.method(httpEP)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*githttp.TokenAuth); !ok {
		t.Errorf("https with bearerToken: method = %T, want *http.TokenAuth", m)
	}
}
