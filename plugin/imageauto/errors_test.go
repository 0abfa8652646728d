package imageauto

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// hangingRegistry accepts connections and never answers.
func hangingRegistry(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// Bad input fails with a message naming the source, the object and the
// field (or the registry and image), pushes nothing and never shows a
// password.
func TestUpdateBadInput(t *testing.T) {
	tests := map[string]struct {
		// edit changes the user's clone (clusters/apps.yaml is read from it)
		// and what is pushed to the server.
		edit    func(t *testing.T, f *fixture, files map[string]string)
		options func(f *fixture, u *Updater)
		wantErr error
		want    []string
		// noRegistry: the failure comes before the registry is asked.
		noRegistry bool
	}{
		"invalid regular expression": {
			edit:       replaceIn("clusters/apps.yaml", "'^master-[a-f0-9]+-(?P<ts>[0-9]+)'", "'^master-[a-f0-9+-(?P<ts>[0-9]+)'"),
			wantErr:    imagepolicy.ErrInvalidPolicy,
			want:       []string{"source apps/apps", "clusters/apps.yaml: Application default/apps: spec.components[0].properties.imageRepository.filterTags.pattern: invalid regular expression"},
			noRegistry: true,
		},
		"value not a number": {
			edit:    replaceIn("clusters/apps.yaml", "(?P<ts>[0-9]+)'", "(?P<ts>[0-9]+)-?(?P<x>.*)'", "extract: '$ts'", "extract: 'ts-$ts'"),
			wantErr: imagepolicy.ErrNotNumeric,
			want:    []string{"clusters/apps.yaml: Application default/apps: spec.components[0].properties.imageRepository: image 127.0.0.1:", `extracted value "ts-`},
		},
		"semver range": {
			edit:       replaceIn("clusters/apps.yaml", "numerical:\n              order: asc", "semver:\n              range: '>=1.0 <<2'"),
			wantErr:    imagepolicy.ErrInvalidPolicy,
			want:       []string{"spec.components[0].properties.imageRepository.policy.semver.range: invalid range"},
			noRegistry: true,
		},
		"no tag in semver range": {
			edit:    replaceIn("clusters/apps.yaml", "numerical:\n              order: asc", "semver:\n              range: '>=1.0.0'"),
			wantErr: imagepolicy.ErrNoTag,
			want:    []string{"no tag matched semver range"},
		},
		"wrong registry password": {
			options: func(f *fixture, u *Updater) {
				u.RegistryCredentials = func(context.Context, string, string) (RegistryCredentials, error) {
					kc, err := DockerConfigKeychain([]byte(`{"auths": {"` + f.reg.Addr() + `": {"username": "ci", "password": "wr0ng-pa55word"}}}`))
					return RegistryCredentials{Keychain: kc, From: "Secret default/imagesecret"}, err
				}
			},
			wantErr: ErrRegistryAuth,
			want:    []string{"registry 127.0.0.1:", "/testapp: authentication failed", "check the registry credentials in Secret default/imagesecret"},
		},
		"no registry credentials": {
			options: func(_ *fixture, u *Updater) {
				u.RegistryCredentials = func(context.Context, string, string) (RegistryCredentials, error) { return RegistryCredentials{}, nil }
			},
			wantErr: ErrRegistryAuth,
		},
		"unknown image": {
			edit:    replaceIn("clusters/apps.yaml", "/testapp\n", "/nothere\n"),
			wantErr: ErrImageNotFound,
			want:    []string{"/nothere: repository not found"},
		},
		"registry does not answer": {
			edit: func(t *testing.T, f *fixture, files map[string]string) {
				replaceIn("clusters/apps.yaml", f.reg.Addr(), hangingRegistry(t))(t, f, files)
			},
			options: func(_ *fixture, u *Updater) { u.Options.RegistryTimeout = 300 * time.Millisecond },
			wantErr: ErrRegistryUnreachable,
			want:    []string{"no answer within 300ms"},
		},
		"image with a tag": {
			edit:       replaceIn("clusters/apps.yaml", "/testapp\n", "/testapp:latest\n"),
			wantErr:    ErrInvalidImage,
			want:       []string{"not an image repository name"},
			noRegistry: true,
		},
		"commit template does not parse": {
			edit:       replaceIn("clusters/apps.yaml", `{{range .Updated.Images}}`, `{{range .Updated.Images}`),
			want:       []string{"clusters/apps.yaml: Application default/apps: spec.components[0].properties.imageRepository.commitMessage: commit message template:"},
			noRegistry: true,
		},
		"commit template fails": {
			edit: replaceIn("clusters/apps.yaml", `{{range .Updated.Images}}`, `{{.Updated.Nope}}{{range .Updated.Images}}`),
			want: []string{"commit message template:", "Nope"},
		},
		"flux policy in the source fails": {
			edit: func(t *testing.T, f *fixture, files map[string]string) {
				files["apps/policy.yaml"] = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: other}\nspec: {image: " + f.reg.Repository("other") + "}\n" +
					"---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: other}\nspec:\n  imageRepositoryRef: {name: other}\n  policy: {alphabetical: {}}\n"
			},
			wantErr: ErrImageNotFound,
			want:    []string{"apps/policy.yaml: ImagePolicy default/other: registry 127.0.0.1:"},
		},
		"unsupported flux version": {
			edit: func(t *testing.T, f *fixture, files map[string]string) {
				files["apps/policy.yaml"] = "apiVersion: image.toolkit.fluxcd.io/v1beta1\nkind: ImagePolicy\nmetadata: {name: other}\nspec: {}\n"
			},
			want:       []string{"apps/policy.yaml: ImagePolicy default/other: apiVersion image.toolkit.fluxcd.io/v1beta1 is not supported"},
			noRegistry: true,
		},
		"policy declared twice": {
			edit: func(t *testing.T, f *fixture, files map[string]string) {
				files["apps/policy.yaml"] = "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata: {name: r}\nspec: {image: " + f.image + "}\n" +
					"---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: apps}\nspec:\n  imageRepositoryRef: {name: r}\n  policy: {alphabetical: {}}\n"
			},
			want:       []string{"policy default:apps is declared twice"},
			noRegistry: true,
		},
		"path out of the repository": {
			edit:       replaceIn("clusters/apps.yaml", "path: ./apps", "path: ../elsewhere"),
			wantErr:    source.ErrOutsideRepository,
			want:       []string{"path ../elsewhere leaves the repository"},
			noRegistry: true,
		},
		"source follows a tag": {
			edit:       replaceIn("clusters/apps.yaml", "branch: main", "tag: v1.0.0"),
			want:       []string{"image update commits to a branch, but the source follows tag v1.0.0"},
			noRegistry: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			files := map[string]string{}
			if tc.edit != nil {
				tc.edit(t, f, files)
			}
			if len(files) > 0 {
				f.repo.MustWriteFiles(t, files)
				f.repo.MustCommit(t, "edit")
				f.repo.MustPush(t)
			}
			head := gitOut(t, f.repo.Bare, "rev-parse", "main")
			u := f.updater(t)
			if tc.options != nil {
				tc.options(f, u)
			}
			before := f.reg.TagListRequests()
			res, err := u.Update(context.Background(), f.sources(t)[0])
			if err == nil {
				t.Fatalf("Update succeeded: %+v", res)
			}
			t.Log(err)
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, secret := range []string{regPassword, gitPassword, "wr0ng-pa55word"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(strings.Join(res.Notes, "\n"), secret) {
					t.Errorf("a password shows in the error or notes: %v", err)
				}
			}
			if res.Commit != "" || gitOut(t, f.repo.Bare, "rev-parse", "main") != head {
				t.Errorf("something was pushed")
			}
			if tc.noRegistry && f.reg.TagListRequests() != before {
				t.Errorf("the registry was asked before the mistake was found")
			}
		})
	}
}

// replaceIn returns an edit replacing old with new (pairs) in file.
func replaceIn(file string, pairs ...string) func(t *testing.T, f *fixture, files map[string]string) {
	return func(t *testing.T, f *fixture, files map[string]string) {
		t.Helper()
		text, ok := files[file]
		if !ok {
			data, err := os.ReadFile(filepath.Join(f.repo.Work, filepath.FromSlash(file)))
			if err != nil {
				t.Fatal(err)
			}
			text = string(data)
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			if !strings.Contains(text, pairs[i]) {
				t.Fatalf("%s lacks %q", file, pairs[i])
			}
			text = strings.ReplaceAll(text, pairs[i], pairs[i+1])
		}
		files[file] = text
	}
}

// Markers naming a policy the source does not declare and files that are
// not YAML are left alone with a note; the rest is updated.
func TestUpdateNotes(t *testing.T) {
	f := newFixture(t)
	f.repo.MustWriteFiles(t, map[string]string{
		"apps/other.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata:\n  image: x/y:1 # {\"$imagepolicy\": \"default:nope\"}\n",
		"apps/broken.yaml": "image: x/y:1 # {\"$imagepolicy\": \"default:apps\"}\n  bad: [\n",
	})
	f.repo.MustCommit(t, "more files")
	f.repo.MustPush(t)
	res, err := f.updater(t).Update(context.Background(), f.sources(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{
		"apps/broken.yaml: not YAML",
		"apps/other.yaml:5: ConfigMap other: data.image: marker names policy default:nope, which this source does not declare; left alone (this source's policies: default:apps)",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if res.Commit == "" || len(res.Changes) != 1 {
		t.Errorf("the good file was not updated: %+v", res)
	}
}
