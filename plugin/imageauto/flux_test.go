package imageauto

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/gitserver"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// Flux's objects in a source: an ImagePolicy (v1beta2) whose
// ImageRepository (v1) is in another file, and an ImageUpdateAutomation
// giving the author, a v1 template with values, the update path and a push
// branch.
func TestUpdateFluxObjects(t *testing.T) {
	reg := registry.Start(t, registry.Options{Username: regUser, Password: regPassword})
	reg.MustPush(t, "podinfo", "6.0.0", "6.1.0", "v6.2.0", "7.0.0-rc.1", "6.1.1")
	image := reg.Repository("podinfo")
	srv := gitserver.Start(t, gitserver.Options{})
	repo := srv.MustCreate(t, "fleet")
	deployment := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: podinfo
          image: ` + image + `:6.0.0 # {"$imagepolicy": "flux-system:podinfo"}
`
	kustomization := `images:
  - name: podinfo
    newName: ` + image + ` # {"$imagepolicy": "flux-system:podinfo:name"}
    newTag: '6.0.0' # {"$imagepolicy": "flux-system:podinfo:tag"}
`
	outside := `image: ` + image + `:6.0.0 # {"$imagepolicy": "flux-system:podinfo"}` + "\n"
	repo.MustWriteFiles(t, map[string]string{
		"clusters/prod/repository.yaml": `apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: podinfo, namespace: flux-system}
spec:
  image: ` + image + `
  secretRef: {name: regcred}
`,
		"clusters/prod/policy.yaml": `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: podinfo, namespace: flux-system}
spec:
  imageRepositoryRef: {name: podinfo}
  policy:
    semver: {range: '>=6.0.0'}
`,
		"clusters/prod/automation.yaml": `apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {name: prod, namespace: flux-system}
spec:
  git:
    commit:
      author: {name: fluxbot, email: fluxbot@example.com}
      messageTemplate: |
        [{{ .Values.env | upper }}] {{ .AutomationObject }}
        {{ range $file, $objects := .Changed.FileChanges -}}
        {{ range $obj, $changes := $objects -}}
        {{ range $changes }}{{ $file }}: {{ $obj }}: {{ .OldValue }} -> {{ .NewValue }} ({{ .Setter }})
        {{ end }}{{ end }}{{ end -}}
        images: {{ range .Updated.Images }}{{ . }} {{ end }}
      messageTemplateValues: {env: prod}
    push: {branch: image-updates}
  update:
    path: ./clusters/prod/apps
    strategy: Setters
`,
		"clusters/prod/apps/deployment.yaml":    deployment,
		"clusters/prod/apps/kustomization.yaml": kustomization,
		"clusters/prod/elsewhere.yaml":          outside,
	})
	head := repo.MustCommit(t, "fleet")
	repo.MustPush(t)

	var asked []string
	u := &Updater{
		RegistryCredentials: func(_ context.Context, ns, name string) (RegistryCredentials, error) {
			asked = append(asked, ns+"/"+name)
			kc, err := DockerConfigKeychain([]byte(`{"auths": {"http://` + reg.Addr() + `/v2/": {"username": "` + regUser + `", "password": "` + regPassword + `"}}}`))
			return RegistryCredentials{Keychain: kc}, err
		},
		Fetch:   gitrepo.Options{CacheDir: t.TempDir()},
		Options: Options{Progress: &testWriter{t: t}},
	}
	src := Source{Git: source.Declaration{Name: "fleet", Namespace: "default", URL: srv.URL("fleet"), Ref: gitrepo.Ref{Branch: "main"}, Path: "./clusters/prod"}}
	res, err := u.Update(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"flux-system/regcred"}, asked); diff != "" {
		t.Errorf("registry credentials asked for (-want +got):\n%s", diff)
	}
	if res.Branch != "image-updates" || len(res.Policies) != 1 || res.Policies[0].Tag != "v6.2.0" || res.Policies[0].Origin != "clusters/prod/policy.yaml: ImagePolicy flux-system/podinfo" {
		t.Errorf("result: %+v", res)
	}
	if got := gitOut(t, repo.Bare, "rev-parse", "main"); got != head {
		t.Errorf("main moved")
	}
	wantMsg := `[PROD] flux-system/prod
clusters/prod/apps/deployment.yaml: Deployment apps/podinfo: ` + image + `:6.0.0 -> ` + image + `:v6.2.0 (flux-system:podinfo)
clusters/prod/apps/kustomization.yaml: document 1: 6.0.0 -> v6.2.0 (flux-system:podinfo:tag)
images: ` + image + `:v6.2.0 
`
	if diff := cmp.Diff(wantMsg, res.Message); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if got := gitOut(t, repo.Bare, "log", "-1", "--format=%an <%ae>%n%B", "image-updates"); got != "fluxbot <fluxbot@example.com>\n"+strings.TrimSuffix(wantMsg, "\n") {
		t.Errorf("commit on image-updates:\n%q", got)
	}
	for file, want := range map[string]string{
		"clusters/prod/apps/deployment.yaml":    strings.Replace(deployment, ":6.0.0 #", ":v6.2.0 #", 1),
		"clusters/prod/apps/kustomization.yaml": strings.Replace(kustomization, "'6.0.0'", "'v6.2.0'", 1),
		"clusters/prod/elsewhere.yaml":          outside, // outside the update path
	} {
		if diff := cmp.Diff(strings.TrimRight(want, "\n"), gitOut(t, repo.Bare, "show", "image-updates:"+file)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", file, diff)
		}
	}
}
