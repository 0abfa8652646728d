package imagepolicy

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelect(t *testing.T) {
	num := Choice{Numerical: &Numerical{}}
	tests := map[string]struct {
		spec    Spec
		tags    []string
		want    string
		wantErr error
	}{
		"seed numerical with extract": {
			spec: Spec{Policy: num, FilterTags: &TagFilter{Pattern: `^master-[a-f0-9]+-(?P<ts>[0-9]+)`, Extract: "$ts"}},
			tags: []string{"master-9f1c2ab-1700000000", "feature-1", "master-aaaaaaa-1700000500", "master-bbbbbbb-1700000100"},
			want: "master-aaaaaaa-1700000500",
		},
		"same extracted value: later tag wins": {
			spec: Spec{Policy: num, FilterTags: &TagFilter{Pattern: `-(?P<ts>[0-9]+)$`, Extract: "${ts}"}},
			tags: []string{"a-5", "b-5", "c-3"},
			want: "b-5",
		},
		"numerical equal values: later wins": {
			spec: Spec{Policy: num},
			tags: []string{"1.0", "1", "0.5"},
			want: "1",
		},
		"numerical desc equal values: later wins": {
			spec: Spec{Policy: Choice{Numerical: &Numerical{Order: "DESC"}}},
			tags: []string{"1", "2", "1.0"},
			want: "1.0",
		},
		"extract naming an unknown group gives empty values": {
			spec:    Spec{Policy: num, FilterTags: &TagFilter{Pattern: `(?P<ts>[0-9]+)`, Extract: "$tsx"}},
			tags:    []string{"1", "2"},
			wantErr: ErrNotNumeric,
		},
		"semver equal precedence: earlier wins": {
			spec: Spec{Policy: Choice{SemVer: &SemVer{Range: ">=1.0.0"}}},
			tags: []string{"v1.2.0", "1.2.0", "1.2.0+build"},
			want: "v1.2.0",
		},
		"semver zero padded": {
			spec: Spec{Policy: Choice{SemVer: &SemVer{Range: ">=2025.1.0"}}},
			tags: []string{"2025.02.03", "2025.01.09", "1.5", "2", "1.2.4.1", "V2026.0.0"},
			want: "2025.02.03",
		},
		"semver prerelease only with a prerelease range": {
			spec: Spec{Policy: Choice{SemVer: &SemVer{Range: ">=1.0.0-0"}}},
			tags: []string{"1.0.0", "1.1.0-rc.1"},
			want: "1.1.0-rc.1",
		},
		"semver skips prereleases": {
			spec: Spec{Policy: Choice{SemVer: &SemVer{Range: ">=1.0.0"}}},
			tags: []string{"1.0.0", "1.1.0-rc.1"},
			want: "1.0.0",
		},
		"default exclusion drops signatures": {
			spec: Spec{Policy: Choice{Alphabetical: &Alphabetical{}}},
			tags: []string{"a", "sha256-abc.sig"},
			want: "a",
		},
		"exclusion list replaces the default": {
			spec: Spec{Policy: Choice{Alphabetical: &Alphabetical{}}, ExclusionList: []string{"^z"}},
			tags: []string{"a", "z", "sha256-abc.sig"},
			want: "sha256-abc.sig",
		},
		"everything excluded": {
			spec:    Spec{Policy: Choice{Alphabetical: &Alphabetical{}}},
			tags:    []string{"x.sig"},
			wantErr: ErrNoTag,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sel, err := Compile(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sel.Select(tt.tags)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]struct {
		spec Spec
		want string
	}{
		"no policy":     {Spec{}, "policy: exactly one of alphabetical, numerical, semver is required, got none"},
		"two policies":  {Spec{Policy: Choice{Alphabetical: &Alphabetical{}, SemVer: &SemVer{Range: "1.x"}}}, "policy: exactly one of alphabetical, numerical, semver is required, got alphabetical, semver"},
		"bad order":     {Spec{Policy: Choice{Numerical: &Numerical{Order: "up"}}}, `policy.numerical.order: invalid order "up": expected asc or desc`},
		"bad range":     {Spec{Policy: Choice{SemVer: &SemVer{Range: "*-*"}}}, `policy.semver.range: invalid range "*-*": improper constraint: "*-*"`},
		"bad pattern":   {Spec{Policy: Choice{Numerical: &Numerical{}}, FilterTags: &TagFilter{Pattern: "[="}}, "filterTags.pattern: invalid regular expression \"[=\": error parsing regexp: missing closing ]: `[=`"},
		"bad exclusion": {Spec{Policy: Choice{Numerical: &Numerical{}}, ExclusionList: []string{"ok", "("}}, "exclusionList[1]: invalid regular expression \"(\": error parsing regexp: missing closing ): `(`"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Compile(tt.spec)
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("error %v does not match ErrInvalidPolicy", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectErrorMessages(t *testing.T) {
	sel, err := Compile(Spec{Policy: Choice{SemVer: &SemVer{Range: "1.0.x"}}, FilterTags: &TagFilter{Pattern: "^v"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sel.Select([]string{"v2.0.0", "x", "a.sig"})
	want := `no tag matched semver range "1.0.x": 3 tag(s); 1 excluded by the exclusion list; 1 not matching filterTags.pattern "^v"; 1 not a version in semver range "1.0.x"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
