package agent

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// asAccount sets serviceAccountName on every component of app.
func asAccount(app *unstructured.Unstructured, sa string) *unstructured.Unstructured {
	comps, _, _ := unstructured.NestedSlice(app.Object, "spec", "components")
	for _, c := range comps {
		c.(map[string]any)["properties"].(map[string]any)["serviceAccountName"] = sa
	}
	_ = unstructured.SetNestedSlice(app.Object, comps, "spec", "components")
	return app
}

// Two Applications of one namespace declaring one source (repository, ref
// and path) with other settings: the later one is refused, naming the
// other and the setting, and the source keeps being synced as the first
// declares it. When they agree both share it; when the first lets go, the
// refused one takes it over.
func TestControllerRefusesOneSourceWithTwoSettings(t *testing.T) {
	f := newFixture(t, 4)
	readyHas := func(app, status, text string) func() string {
		return func() string {
			got := f.rec.ready(app)
			if !strings.HasPrefix(got, status+": ") || !strings.Contains(got, text) {
				return fmt.Sprintf("Ready of %s %q, want %s with %q", app, got, status, text)
			}
			return ""
		}
	}
	syncedAs := func(want string) func() string {
		return func() string {
			f.c.mu.Lock()
			defer f.c.mu.Unlock()
			var got []string
			for _, tr := range f.c.sources {
				got = append(got, tr.src.ServiceAccountName+" for "+strings.Join(slices.Sorted(maps.Keys(tr.apps)), ","))
			}
			if strings.Join(got, ";") != want {
				return fmt.Sprintf("tracked %q, want %q", got, want)
			}
			return ""
		}
	}

	f.c.SetApplication(asAccount(f.app("one", 1, "a"), "deployer"))
	f.eventually("one synced", f.syncedAt("one/a", f.revs[0]))
	f.c.SetApplication(asAccount(f.app("two", 1, "a"), "admin"))
	f.eventually("two refused", readyHas("team/two", "False",
		`source two/a is also declared by Application team/one with serviceAccountName "deployer", not "admin"`))
	f.still("the source keeps one's settings", syncedAs("deployer for team/one"))
	f.eventually("one still Ready", f.readyIs("team/one", "True"))

	// two agrees: both declare it, one source synced once.
	f.c.SetApplication(asAccount(f.app("two", 2, "a"), "deployer"))
	f.eventually("two Ready", f.readyIs("team/two", "True"))
	f.eventually("one source for both", syncedAs("deployer for team/one,team/two"))

	// one changes its mind while two still declares it: one is refused now.
	f.c.SetApplication(asAccount(f.app("one", 2, "a"), "other"))
	f.eventually("one refused", readyHas("team/one", "False", `also declared by Application team/two with serviceAccountName "deployer", not "other"`))
	f.still("two's settings kept", syncedAs("deployer for team/two"))

	// two goes: one's declaration is taken up without a new generation.
	f.c.DeleteApplication("team/two")
	f.eventually("one takes it over", syncedAs("other for team/one"))
	f.eventually("one Ready again", f.readyIs("team/one", "True"))
}
