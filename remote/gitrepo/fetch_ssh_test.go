package gitrepo

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/sshserver"
)

// sshFixture is a repository with branches main and feature served by a
// real sshd.
type sshFixture struct {
	srv      *sshserver.Server
	main, f1 string
	// other is a key pair the server knows nothing of.
	other sshserver.Key
}

func newSSHFixture(t *testing.T) *sshFixture {
	t.Helper()
	git := gitserver.Start(t, gitserver.Options{})
	repo := git.MustCreate(t, "app")
	repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "v: main\n"})
	f := &sshFixture{main: repo.MustCommit(t, "main")}
	if err := repo.Branch("feature"); err != nil {
		t.Fatal(err)
	}
	repo.MustWriteFiles(t, map[string]string{"deploy/app.yaml": "v: feature\n"})
	f.f1 = repo.MustCommit(t, "feature")
	repo.MustPush(t)
	f.srv = sshserver.Start(t, sshserver.Options{Root: git.Root()})
	var err error
	if f.other, err = sshserver.GenerateKey(sshserver.Ed25519); err != nil {
		t.Fatal(err)
	}
	return f
}

// keyMaterial lists every piece of key text a message must not show: the
// the lines of private keys (PEM) and the base64 of public keys.
func (f *sshFixture) keyMaterial(extra ...[]byte) []string {
	var out []string
	for _, priv := range append([][]byte{f.srv.Identity(), f.other.PrivatePEM}, extra...) {
		for _, line := range strings.Split(string(priv), "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				out = append(out, line)
			}
		}
	}
	for _, k := range append(f.srv.HostKeys(), f.srv.ClientKey(), f.other.Public) {
		out = append(out, base64.StdEncoding.EncodeToString(k.Marshal())[20:60])
	}
	return out
}

func TestFetchSSH(t *testing.T) {
	f := newSSHFixture(t)
	encrypted, err := ssh.ParseRawPrivateKey(f.srv.Identity())
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKeyWithPassphrase(encrypted, "", []byte("key-pass-phrase"))
	if err != nil {
		t.Fatal(err)
	}
	encryptedPEM := pem.EncodeToMemory(block)
	url := f.srv.URL("app")
	noUserURL := strings.Replace(url, f.srv.User()+"@", "", 1)
	otherHost := strings.Replace(string(f.srv.KnownHosts()), "[127.0.0.1]", "[127.0.0.2]", -1)
	type want struct{ revision, content string }
	tests := map[string]struct {
		url     string
		ref     Ref
		auth    Auth
		want    want
		wantErr error    // the condition; nil means success
		wantMsg []string // substrings of the message
	}{
		"branch": {
			ref:  Ref{Branch: "main"},
			auth: Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts()},
			want: want{"main@sha1:" + f.main, "v: main\n"},
		},
		"default branch": {
			auth: Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts()},
			want: want{"main@sha1:" + f.main, "v: main\n"},
		},
		"other branch": {
			ref:  Ref{Branch: "feature"},
			auth: Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts()},
			want: want{"feature@sha1:" + f.f1, "v: feature\n"},
		},
		// The server offers ECDSA first among its keys; a client must ask
		// for the key type known_hosts has.
		"only the ed25519 host key known": {
			ref:  Ref{Branch: "main"},
			auth: Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts(f.srv.HostKeys()[0])},
			want: want{"main@sha1:" + f.main, "v: main\n"},
		},
		"only the ecdsa host key known": {
			ref:  Ref{Branch: "main"},
			auth: Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts(f.srv.HostKeys()[1])},
			want: want{"main@sha1:" + f.main, "v: main\n"},
		},
		"user from username": {
			url:  noUserURL,
			ref:  Ref{Branch: "main"},
			auth: Auth{Username: f.srv.User(), Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts()},
			want: want{"main@sha1:" + f.main, "v: main\n"},
		},
		"identity with passphrase": {
			ref:  Ref{Branch: "main"},
			auth: Auth{Identity: encryptedPEM, Password: "key-pass-phrase", KnownHosts: f.srv.KnownHosts()},
			want: want{"main@sha1:" + f.main, "v: main\n"},
		},
		"wrong host key": {
			ref:     Ref{Branch: "main"},
			auth:    Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts(f.other.Public)},
			wantErr: ErrHostKey,
			wantMsg: []string{"host key", "does not match", "known_hosts"},
		},
		"host not in known_hosts": {
			ref:     Ref{Branch: "main"},
			auth:    Auth{Identity: f.srv.Identity(), KnownHosts: []byte(otherHost)},
			wantErr: ErrHostKey,
			wantMsg: []string{"host key", "not in known_hosts", "ssh-keyscan"},
		},
		"unknown identity": {
			ref:     Ref{Branch: "main"},
			auth:    Auth{Identity: f.other.PrivatePEM, KnownHosts: f.srv.KnownHosts()},
			wantErr: ErrAuthFailed,
			wantMsg: []string{"unable to authenticate", "identity"},
		},
		"wrong passphrase": {
			ref:     Ref{Branch: "main"},
			auth:    Auth{Identity: encryptedPEM, Password: "not-the-phrase", KnownHosts: f.srv.KnownHosts()},
			wantErr: ErrInvalidAuth,
			wantMsg: []string{"identity"},
		},
		"user not allowed": {
			url:     strings.Replace(url, f.srv.User()+"@", "nobody-here@", 1),
			ref:     Ref{Branch: "main"},
			auth:    Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts()},
			wantErr: ErrAuthFailed,
		},
		"missing repository": {
			url:     f.srv.URL("nope"),
			auth:    Auth{Identity: f.srv.Identity(), KnownHosts: f.srv.KnownHosts()},
			wantErr: ErrRepositoryNotFound,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u := tc.url
			if u == "" {
				u = url
			}
			co, err := Fetch(context.Background(), Spec{Name: "apps", URL: u, Ref: tc.ref, Auth: tc.auth}, testOptions(t))
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				got := want{co.Revision, readApp(t, co)}
				if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
					t.Errorf("checkout (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Fetch error = %v, want %v", err, tc.wantErr)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "source apps (ssh://") {
				t.Errorf("error %q does not name the source and its URL", msg)
			}
			for _, s := range tc.wantMsg {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q lacks %q", msg, s)
				}
			}
			for _, secret := range append(f.keyMaterial(encryptedPEM), "key-pass-phrase", "not-the-phrase") {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q shows key material or a passphrase %q", msg, secret)
				}
			}
		})
	}
}

// TestFetchSSHFromSecretData reads the credentials the way a sync does: from
// a Secret's data under Flux's keys.
func TestFetchSSHFromSecretData(t *testing.T) {
	f := newSSHFixture(t)
	auth, err := AuthFromSecretData(map[string][]byte{
		KeyIdentity:     f.srv.Identity(),
		"identity.pub":  ssh.MarshalAuthorizedKey(f.srv.ClientKey()),
		KeyKnownHosts:   f.srv.KnownHosts(),
		"unrelated-key": []byte("ignored"),
	})
	if err != nil {
		t.Fatal(err)
	}
	co, err := Fetch(context.Background(), Spec{Name: "apps", URL: f.srv.URL("app"), Ref: Ref{Branch: "feature"}, Auth: auth}, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("feature@sha1:"+f.f1+" v: feature\n", co.Revision+" "+readApp(t, co)); diff != "" {
		t.Errorf("checkout (-want +got):\n%s", diff)
	}
	for _, secret := range f.keyMaterial() {
		if strings.Contains(auth.String(), secret) {
			t.Errorf("Auth.String() %q shows key material", auth.String())
		}
	}
}
