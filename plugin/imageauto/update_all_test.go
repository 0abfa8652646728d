package imageauto

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
	"github.com/oamgitops/kubectl-gitops/test/registry"
)

// TestUpdateAllUpdatesRepositoriesAtOnce holds every registry's answers:
// the three repositories must all be asking their registry at once (one
// after another, only the first would), while the two sources of the first
// repository never ask at the same time. Once the registries answer, each
// source has its result in the order given.
func TestUpdateAllUpdatesRepositoriesAtOnce(t *testing.T) {
	fs := []*fixture{newFixture(t), newFixture(t), newFixture(t)}
	auths := map[string]any{}
	var srcs []Source
	for _, f := range fs {
		srcs = append(srcs, f.sources(t)...)
		auths[f.reg.Addr()] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(regUser + ":" + regPassword))}
		f.reg.SetFault(registry.Hang)
	}
	srcs = append(srcs[:1], srcs...) // the first repository twice
	cfg, err := json.Marshal(map[string]any{"auths": auths})
	if err != nil {
		t.Fatal(err)
	}
	u := fs[0].updater(t)
	u.RegistryCredentials = func(context.Context, string, string) (RegistryCredentials, error) {
		kc, err := DockerConfigKeychain(cfg)
		return RegistryCredentials{Keychain: kc, From: "the test's docker config"}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type outcome struct {
		results []*Result
		errs    []error
	}
	done := make(chan outcome, 1)
	go func() {
		r, e := u.UpdateAll(ctx, srcs, 4)
		done <- outcome{r, e}
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		asking := 0
		for _, f := range fs {
			if f.reg.Held() > 0 {
				asking++
			}
		}
		if asking == len(fs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s only %d of %d registries were asked at once: the repositories are updated one after another", asking, len(fs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := fs[0].reg.Held(); n != 1 {
		t.Errorf("the first repository's registry holds %d requests: its two sources are updated at once", n)
	}
	for _, f := range fs {
		f.reg.SetFault(registry.Healthy)
	}
	got := <-done

	newTag := "master-5d6e7f8-1700000500"
	for i, res := range got.results {
		if got.errs[i] != nil {
			t.Errorf("source %d: %v", i, got.errs[i])
			continue
		}
		if res.Source != srcs[i].Git.Name || res.Origin != srcs[i].Git.Origin {
			t.Errorf("result %d is of %s (%s), want %s (%s)", i, res.Source, res.Origin, srcs[i].Git.Name, srcs[i].Git.Origin)
		}
		pushed := res.Commit != ""
		if want := i != 1; pushed != want { // the second of the first repository finds it done
			t.Errorf("result %d: pushed %v, want %v (%+v)", i, pushed, want, res)
		}
	}
	for i, f := range fs {
		if !strings.Contains(f.serverFile(t, "apps/my-app.yaml"), newTag) {
			t.Errorf("repository %d: apps/my-app.yaml not updated to %s", i, newTag)
		}
	}
}

// A source without a policy is looked at once per revision when a Seen
// remembers it: the next pass fetches and stops; a new commit is looked
// at again, and one that adds a policy is updated.
func TestSeenSkipsSourcesWithoutPolicyUntilTheyChange(t *testing.T) {
	f := newFixture(t)
	src := f.sources(t)[0]
	src.Declared = nil // the Application's block aside: a plain source
	u := f.updater(t)
	var progress strings.Builder
	u.Options.Progress = &progress
	u.Seen = NewSeen()
	ctx := context.Background()
	for i, want := range []string{"no image policy; nothing to do", "no image policy at main@sha1:"} {
		progress.Reset()
		res, err := u.Update(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(progress.String(), want) || len(res.Policies) != 0 || len(res.Notes) != 1 {
			t.Errorf("pass %d: progress %q, want %q; result %+v", i+1, progress.String(), want, res)
		}
	}

	// A Flux ImagePolicy arrives in Git: a new revision, looked at, updated.
	policy := "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: apps, namespace: default}\n" +
		"spec:\n  imageRepositoryRef: {name: apps}\n  filterTags: {pattern: '^master-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts'}\n  policy: {numerical: {order: asc}}\n" +
		"---\napiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata: {name: apps, namespace: default}\nspec: {image: " + f.image + "}\n"
	f.repo.MustWriteFiles(t, map[string]string{"apps/policy.yaml": policy})
	f.repo.MustCommit(t, "a Flux policy")
	f.repo.MustPush(t)
	progress.Reset()
	res, err := u.Update(ctx, src)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if len(res.Policies) != 1 || res.Commit == "" {
		t.Errorf("after the policy arrived: %+v\n%s", res, progress.String())
	}
}

// Plain sources of one repository and ref share one fetch per pass once
// each is known to hold no policy.
func TestSeenFetchesARepositoryOncePerPass(t *testing.T) {
	f := newFixture(t)
	a := f.sources(t)[0]
	a.Declared = nil
	b := a
	b.Git.Path, b.Git.Name = "clusters", "apps/clusters"
	u := f.updater(t)
	u.Seen = NewSeen()
	ctx := context.Background()
	pass := func() int64 {
		before := f.srv.Fetches()
		_, errs := u.UpdateAll(ctx, []Source{a, b}, 4)
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return f.srv.Fetches() - before
	}
	if n := pass(); n != 2 {
		t.Errorf("first pass: %d fetches, want one per source (neither known yet)", n)
	}
	for i := range 2 {
		if n := pass(); n != 1 {
			t.Errorf("pass %d: %d fetches, want one for the repository", i+2, n)
		}
	}
}

// With a shared Trees the plan reads the process's checkout of the
// commit, which another reader holds meanwhile: the push leaves it as it
// was.
func TestUpdateWithSharedTrees(t *testing.T) {
	f := newFixture(t)
	src := f.sources(t)[0]
	u := f.updater(t)
	trees := &gitrepo.Trees{}
	defer trees.Close()
	u.Fetch.Trees = trees
	// Another reader of the process holds the commit's tree meanwhile.
	spec := gitrepo.Spec{Name: "reader", URL: f.srv.URL("config"), Ref: src.Git.Ref, Auth: gitrepo.Auth{Username: gitUser, Password: gitPassword}}
	held, err := gitrepo.Fetch(context.Background(), spec, gitrepo.Options{CacheDir: f.cacheDir, Trees: trees})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	res, err := u.Update(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	newTag := "master-5d6e7f8-1700000500"
	if res.Commit == "" || res.Revision != held.Revision || !strings.Contains(f.serverFile(t, "apps/my-app.yaml"), newTag) {
		t.Fatalf("not pushed from the held revision %s: %+v", held.Revision, res)
	}
	data, err := os.ReadFile(filepath.Join(held.Dir, "apps", "my-app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), newTag) {
		t.Error("the shared checkout was written")
	}
}
