package setters

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testPolicies = NewPolicies(
	Policy{Namespace: "flux-system", Name: "app", Image: "ghcr.io/org/app", Tag: "1.2.3"},
	Policy{Namespace: "flux-system", Name: "num", Image: "ghcr.io/org/num", Tag: "1.10"},
	Policy{Namespace: "flux-system", Name: "dig", Image: "ghcr.io/org/app", Tag: "2.0.0", Digest: "sha256:abc"},
)

func TestSetBytes(t *testing.T) {
	tests := map[string]struct {
		in, want string
		notes    []string
	}{
		"full, end of line, comment and spacing kept": {
			in:   "spec:\n  image:   ghcr.io/org/app:1.0.0   #   {\"$imagepolicy\": \"flux-system:app\"}\n  # trailing\n",
			want: "spec:\n  image:   ghcr.io/org/app:1.2.3   #   {\"$imagepolicy\": \"flux-system:app\"}\n  # trailing\n",
		},
		"digest appended when known": {
			in:   "image: ghcr.io/org/app:1.0.0 # {\"$imagepolicy\": \"flux-system:dig\"}\n",
			want: "image: ghcr.io/org/app:2.0.0@sha256:abc # {\"$imagepolicy\": \"flux-system:dig\"}\n",
		},
		"tag, name and digest on sequence items": {
			in:   "args:\n  # {\"$imagepolicy\": \"flux-system:dig:name\"}\n  - old/name\n  # {\"$imagepolicy\": \"flux-system:dig:digest\"}\n  - 'sha256:old'\n  - keep # {\"$imagepolicy\": \"flux-system:dig:tag\"}\n",
			want: "args:\n  # {\"$imagepolicy\": \"flux-system:dig:name\"}\n  - ghcr.io/org/app\n  # {\"$imagepolicy\": \"flux-system:dig:digest\"}\n  - 'sha256:abc'\n  - 2.0.0 # {\"$imagepolicy\": \"flux-system:dig:tag\"}\n",
		},
		"marker above a key is ignored": {
			in:   "# {\"$imagepolicy\": \"flux-system:app\"}\nimage: old\n",
			want: "# {\"$imagepolicy\": \"flux-system:app\"}\nimage: old\n",
		},
		"numeric-looking value quoted, stale tag cleared": {
			in:   "images:\n- name: x\n  newTag: !!float 1.0 # {\"$imagepolicy\": \"flux-system:num:tag\"}\n  other: 5 # {\"$imagepolicy\": \"flux-system:num:tag\"}\n",
			want: "images:\n- name: x\n  newTag: \"1.10\" # {\"$imagepolicy\": \"flux-system:num:tag\"}\n  other: \"1.10\" # {\"$imagepolicy\": \"flux-system:num:tag\"}\n",
		},
		"quoting style kept": {
			in:   "a: \"old\" # {\"$imagepolicy\": \"flux-system:app:tag\"}\nb: 'o''ld' # {\"$imagepolicy\": \"flux-system:app:tag\"}\n",
			want: "a: \"1.2.3\" # {\"$imagepolicy\": \"flux-system:app:tag\"}\nb: '1.2.3' # {\"$imagepolicy\": \"flux-system:app:tag\"}\n",
		},
		"flow mapping, anchor, multi-document, CRLF": {
			in:   "a: 1\r\n---\r\nc: {image: &x old, n: 1} # {\"$imagepolicy\": \"flux-system:app\"}\r\nd: &y old # {\"$imagepolicy\": \"flux-system:app\"}\r\n",
			want: "a: 1\r\n---\r\nc: {image: &x old, n: 1} # {\"$imagepolicy\": \"flux-system:app\"}\r\nd: &y ghcr.io/org/app:1.2.3 # {\"$imagepolicy\": \"flux-system:app\"}\r\n",
		},
		"non-ascii before the value": {
			in:   "é: {ü: old} # x\nlist: [ä, old] \nimage: old # {\"$imagepolicy\": \"flux-system:app:tag\"}\n",
			want: "é: {ü: old} # x\nlist: [ä, old] \nimage: 1.2.3 # {\"$imagepolicy\": \"flux-system:app:tag\"}\n",
		},
		"unknown policy and bad markers left alone": {
			in:   "kind: Deployment\nmetadata: {name: d, namespace: n}\na: old # {\"$imagepolicy\": \"flux-system:other\"}\nb: old # {\"$imagepolicy\": \"a:b:c:d\"}\nc: | # {\"$imagepolicy\": \"flux-system:app\"}\n  old\nd: old # not json\n",
			want: "kind: Deployment\nmetadata: {name: d, namespace: n}\na: old # {\"$imagepolicy\": \"flux-system:other\"}\nb: old # {\"$imagepolicy\": \"a:b:c:d\"}\nc: | # {\"$imagepolicy\": \"flux-system:app\"}\n  old\nd: old # not json\n",
			notes: []string{
				"debug: f.yaml:3: Deployment n/d: a: marker names policy flux-system:other, which is not given; left alone",
				`warning: f.yaml:4: Deployment n/d: b: malformed $imagepolicy marker: "a:b:c:d": expected NAMESPACE:NAME or NAMESPACE:NAME:tag|name|digest`,
				"warning: f.yaml:5: Deployment n/d: c: a block scalar (| or >) cannot be set; left alone",
			},
		},
		"missing digest": {
			in:    "a: old # {\"$imagepolicy\": \"flux-system:app:digest\"}\n",
			want:  "a: old # {\"$imagepolicy\": \"flux-system:app:digest\"}\n",
			notes: []string{"warning: f.yaml:1: document 1: a: policy flux-system:app has no digest; left alone"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := SetBytes("f.yaml", []byte(tt.in), testPolicies)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(res.Data)); diff != "" {
				t.Errorf("bytes (-want +got):\n%s", diff)
			}
			var notes []string
			for _, n := range res.Notes {
				notes = append(notes, string(n.Level)+": "+n.String())
			}
			if diff := cmp.Diff(tt.notes, notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetBytesChangesAndIdempotence(t *testing.T) {
	in := "kind: Deployment\nmetadata:\n  name: d\nspec:\n  containers:\n  - image: old # {\"$imagepolicy\": \"flux-system:app\"}\n"
	res, err := SetBytes("d.yaml", []byte(in), testPolicies)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{File: "d.yaml", Line: 6, Object: "Deployment d", Field: "spec.containers[0].image",
		Setter: "flux-system:app", OldValue: "old", NewValue: "ghcr.io/org/app:1.2.3"}}
	if diff := cmp.Diff(want, res.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	again, err := SetBytes("d.yaml", res.Data, testPolicies)
	if err != nil || len(again.Changes) != 0 || string(again.Data) != string(res.Data) {
		t.Errorf("second run changed something: %v %+v", err, again.Changes)
	}
}

func TestSetBytesNotYAML(t *testing.T) {
	_, err := SetBytes("bad.yaml", []byte("a: [\n# {\"$imagepolicy\": \"x:y\"}\n"), testPolicies)
	if !errors.Is(err, ErrNotYAML) {
		t.Fatalf("error %v does not match ErrNotYAML", err)
	}
	if want := "bad.yaml: not YAML: yaml: line 2: did not find expected node content"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}
