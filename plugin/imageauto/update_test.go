package imageauto

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The seed's flow: CI pushed master-<sha>-<ts> tags; the policy of
// clusters/apps.yaml picks the newest and the marker in apps/my-app.yaml
// gets it, in a commit with the seed's template; a second run has nothing
// to do.
func TestUpdateSeed(t *testing.T) {
	f := newFixture(t)
	srcs := f.sources(t)
	if len(srcs) != 1 || srcs[0].Declared == nil || srcs[0].Declared.ID() != "default:apps" || srcs[0].Declared.SecretRef != "" {
		t.Fatalf("sources = %+v", srcs)
	}
	before := f.serverFile(t, "apps/my-app.yaml")
	head := gitOut(t, f.repo.Bare, "rev-parse", "main")
	u := f.updater(t)
	u.Options.Now = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	res, err := u.Update(context.Background(), srcs[0])
	if err != nil {
		t.Fatal(err)
	}
	newTag := "master-5d6e7f8-1700000500"
	wantMsg := "Update image automatically.\nImage: " + f.image + ":" + newTag + "\n"
	want := &Result{
		Source:   "apps/apps",
		Origin:   srcs[0].Git.Origin,
		Revision: "main@sha1:" + head,
		Policies: []PolicyResult{{ID: "default:apps", Image: f.image, Tags: len(seedTags), Tag: newTag,
			Origin: filepath.ToSlash(filepath.Join(f.repo.Work, "clusters", "apps.yaml")) + ": Application default/apps: spec.components[0].properties.imageRepository"}},
		Changes: []FieldChange{{File: "apps/my-app.yaml", Line: 13, Object: "Application default/my-app",
			Field: "spec.components[0].properties.image", Setter: "default:apps",
			Old: f.image + ":master-9f1c2ab-1700000000", New: f.image + ":" + newTag}},
		Message:  wantMsg,
		Commit:   gitOut(t, f.repo.Bare, "rev-parse", "main"),
		Branch:   "main",
		Attempts: 1,
		Notes:    []string{},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	after := f.serverFile(t, "apps/my-app.yaml")
	if diff := cmp.Diff(strings.ReplaceAll(before, "master-9f1c2ab-1700000000", newTag), after); diff != "" {
		t.Errorf("apps/my-app.yaml on the server (-want +got):\n%s", diff)
	}
	if got := gitOut(t, f.repo.Bare, "diff", "--name-only", head, "main"); got != "apps/my-app.yaml" {
		t.Errorf("files changed: %q", got)
	}
	if got := gitOut(t, f.repo.Bare, "log", "-1", "--format=%an <%ae>%n%ad%n%B", "--date=iso-strict", "main"); got != "kubectl-gitops <noreply@oamgitops.dev>\n2026-11-25T12:00:00+00:00\n"+strings.TrimSuffix(wantMsg, "\n") {
		t.Errorf("commit:\n%s", got)
	}

	again, err := f.updater(t).Update(context.Background(), srcs[0])
	if err != nil {
		t.Fatal(err)
	}
	if again.Commit != "" || len(again.Changes) != 0 || gitOut(t, f.repo.Bare, "rev-parse", "main") != res.Commit {
		t.Errorf("second run committed: %+v", again)
	}

	// A newer tag: the next run picks it.
	f.reg.MustPush(t, "testapp", "master-1234abc-1700000600")
	third, err := f.updater(t).Update(context.Background(), srcs[0])
	if err != nil {
		t.Fatal(err)
	}
	if third.Commit == "" || !strings.Contains(f.serverFile(t, "apps/my-app.yaml"), "testapp:master-1234abc-1700000600 # {\"$imagepolicy\": \"default:apps\"}") {
		t.Errorf("third run: %+v", third)
	}
}

func TestUpdateDryRun(t *testing.T) {
	f := newFixture(t)
	head := gitOut(t, f.repo.Bare, "rev-parse", "main")
	u := f.updater(t)
	u.Options.DryRun = true
	res, err := u.Update(context.Background(), f.sources(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.Commit != "" || len(res.Changes) != 1 || !strings.HasPrefix(res.Message, "Update image automatically.\n") {
		t.Errorf("dry run result: %+v", res)
	}
	if got := gitOut(t, f.repo.Bare, "rev-parse", "main"); got != head {
		t.Errorf("dry run moved main to %s", got)
	}
}

// Someone pushes to the branch while the update is on its way: the server
// refuses the push, the update is made again on top of their commit, and
// their commit stays.
func TestUpdateRetriesOnConcurrentCommit(t *testing.T) {
	f := newFixture(t)
	f.repo.MustWriteFiles(t, map[string]string{"apps/README.md": "config for the apps\n"})
	concurrent := f.repo.MustCommit(t, "a concurrent change")
	mark := filepath.Join(t.TempDir(), "raced")
	hook := filepath.Join(f.repo.Bare, "hooks", "pre-receive")
	script := "#!/bin/sh\n[ -e \"" + mark + "\" ] && exit 0\ntouch \"" + mark + "\"\n" +
		"unset GIT_DIR GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES\n" +
		"cd \"" + f.repo.Work + "\" && git push --quiet origin HEAD:main >&2\n"
	if err := os.WriteFile(hook, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := f.updater(t).Update(context.Background(), f.sources(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || res.Revision != "main@sha1:"+concurrent {
		t.Errorf("want a second attempt on %s, got %+v", concurrent, res)
	}
	if got := gitOut(t, f.repo.Bare, "rev-parse", "main^"); got != concurrent {
		t.Errorf("parent of the update = %s, want the concurrent commit %s", got, concurrent)
	}
	if got := f.serverFile(t, "apps/README.md"); got != "config for the apps" {
		t.Errorf("concurrent change lost: %q", got)
	}
	if !strings.Contains(f.serverFile(t, "apps/my-app.yaml"), "master-5d6e7f8-1700000500") {
		t.Errorf("update lost")
	}
}
