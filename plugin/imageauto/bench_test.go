package imageauto

import (
	"context"
	"testing"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
)

// BenchmarkScanTags5000 lists the 5,000 tags of an image from a registry on
// loopback that serves at most 100 tags a page (Docker Hub's size) behind
// basic auth, and selects with the seed's policy: one op is what scanning
// one image costs, every page and the selection included. The registry
// runs in a child process, so time and allocations are the client's only.
func BenchmarkScanTags5000(b *testing.B) {
	const n = 5000
	addr := startBenchRegistry(b)
	kc, err := DockerConfigKeychain([]byte(`{"auths": {"` + addr + `": {"username": "` + regUser + `", "password": "` + regPassword + `"}}}`))
	if err != nil {
		b.Fatal(err)
	}
	sel, err := imagepolicy.Compile(imagepolicy.Spec{
		Policy:     imagepolicy.Choice{Numerical: &imagepolicy.Numerical{Order: "asc"}},
		FilterTags: &imagepolicy.TagFilter{Pattern: `^master-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	image := addr + "/testapp"
	want := ""
	b.ReportAllocs()
	for b.Loop() {
		tags, err := ListTags(ctx, image, kc, ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(tags) != n {
			b.Fatalf("listed %d tags, want %d", len(tags), n)
		}
		got, err := sel.Select(tags)
		if err != nil {
			b.Fatal(err)
		}
		if want == "" {
			want = got
		} else if got != want {
			b.Fatalf("selected %s, then %s", want, got)
		}
	}
}
