package imagepolicy

import (
	"fmt"
	"testing"
)

// benchTags are n CI-style tags (master-<sha>-<timestamp>), some of them
// signatures or other branches, in a shuffled order.
func benchTags(n int) []string {
	tags := make([]string, n)
	for i := range n {
		j := (i * 7919) % n
		switch {
		case j%50 == 0:
			tags[i] = fmt.Sprintf("sha256-%040x.sig", j)
		case j%10 == 0:
			tags[i] = fmt.Sprintf("feature-%07x-%d", j*31, 1700000000+j)
		default:
			tags[i] = fmt.Sprintf("master-%07x-%d", j*31, 1700000000+j)
		}
	}
	return tags
}

func benchSelect(b *testing.B, spec Spec, n int) {
	tags := benchTags(n)
	sel, err := Compile(spec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := sel.Select(tags); err != nil {
			b.Fatal(err)
		}
	}
}

var (
	seedSpec   = Spec{Policy: Choice{Numerical: &Numerical{}}, FilterTags: &TagFilter{Pattern: `^master-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"}}
	alphaSpec  = Spec{Policy: Choice{Alphabetical: &Alphabetical{}}}
	semverSpec = Spec{Policy: Choice{SemVer: &SemVer{Range: ">=1.0.0"}}}
)

func BenchmarkSelectNumericalExtract10k(b *testing.B)  { benchSelect(b, seedSpec, 10_000) }
func BenchmarkSelectNumericalExtract100k(b *testing.B) { benchSelect(b, seedSpec, 100_000) }
func BenchmarkSelectAlphabetical10k(b *testing.B)      { benchSelect(b, alphaSpec, 10_000) }
func BenchmarkSelectAlphabetical100k(b *testing.B)     { benchSelect(b, alphaSpec, 100_000) }

func semverTags(n int) []string {
	tags := make([]string, n)
	for i := range n {
		j := (i * 7919) % n
		tags[i] = fmt.Sprintf("v%d.%d.%d", j/1000+1, (j/100)%10, j%100)
	}
	return tags
}

func benchSemver(b *testing.B, n int) {
	tags := semverTags(n)
	sel, err := Compile(semverSpec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := sel.Select(tags); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSelectSemver10k(b *testing.B)  { benchSemver(b, 10_000) }
func BenchmarkSelectSemver100k(b *testing.B) { benchSemver(b, 100_000) }
