package imagepolicy

import (
	"regexp"
	"testing"
)

// FuzzExtract checks tag extraction against a direct use of regexp: a kept
// tag matches the pattern and its value is the expansion of extract.
func FuzzExtract(f *testing.F) {
	f.Add(`^master-[a-f0-9]+-(?P<ts>[0-9]+)`, "$ts", "master-9f1c2ab-1700000000")
	f.Add(`(?P<a>x)(y)`, "${a}-$2-$tsx", "xxy")
	f.Add(`1.0.0-rc\.(?P<num>[0-9]+)`, "$num", "1.0.0-rc.3")
	f.Fuzz(func(t *testing.T, pattern, extract, tag string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		sel, err := Compile(Spec{Policy: Choice{Alphabetical: &Alphabetical{}}, FilterTags: &TagFilter{Pattern: pattern, Extract: extract}, ExclusionList: []string{"^$.^"}})
		if err != nil {
			t.Fatalf("valid pattern rejected: %v", err)
		}
		v, ok := sel.Extract(tag)
		m := re.FindStringSubmatchIndex(tag)
		if ok != (m != nil) {
			t.Fatalf("kept=%v but match=%v", ok, m)
		}
		if !ok {
			return
		}
		want := tag
		if extract != "" {
			want = string(re.ExpandString(nil, extract, tag, m))
		}
		if v != want {
			t.Fatalf("value %q, want %q", v, want)
		}
		got, err := sel.Select([]string{tag})
		if err != nil || got != tag {
			t.Fatalf("Select = %q, %v; want the original tag %q", got, err, tag)
		}
	})
}
