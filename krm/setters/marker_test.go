package setters

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMarker(t *testing.T) {
	tests := map[string]struct {
		comment string
		want    Marker
		ok      bool
		err     bool
	}{
		"full":        {`# {"$imagepolicy": "ns:app"}`, Marker{Namespace: "ns", Name: "app"}, true, false},
		"tag":         {`#{"$imagepolicy":"ns:app:tag"}`, Marker{Namespace: "ns", Name: "app", Part: TagPart}, true, false},
		"digest":      {`# {"$imagepolicy": "ns:app:digest"}`, Marker{Namespace: "ns", Name: "app", Part: DigestPart}, true, false},
		"plain text":  {`# just a note`, Marker{}, false, false},
		"other json":  {`# {"$kpt-set": "x"}`, Marker{}, false, false},
		"bad part":    {`# {"$imagepolicy": "ns:app:version"}`, Marker{}, true, true},
		"not string":  {`# {"$imagepolicy": 5}`, Marker{}, true, true},
		"empty name":  {`# {"$imagepolicy": "ns:"}`, Marker{}, true, true},
		"one part":    {`# {"$imagepolicy": "app"}`, Marker{}, true, true},
		"broken json": {`# {"$imagepolicy": "ns:app"`, Marker{}, false, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok, err := ParseMarker(tt.comment)
			if ok != tt.ok || (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrMarker)) {
				t.Fatalf("ok=%v err=%v, want ok=%v err=%v", ok, err, tt.ok, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	tests := map[string]struct {
		arg     string
		want    Policy
		wantErr bool
	}{
		"registry with port": {arg: "default:apps=127.0.0.1:5000/testapp:master-1", want: Policy{Namespace: "default", Name: "apps", Image: "127.0.0.1:5000/testapp", Tag: "master-1"}},
		"digest":             {arg: "a:b=r/app:1.0@sha256:ff", want: Policy{Namespace: "a", Name: "b", Image: "r/app", Tag: "1.0", Digest: "sha256:ff"}},
		"no tag":             {arg: "a:b=127.0.0.1:5000/app", wantErr: true},
		"no equals":          {arg: "a:b", wantErr: true},
		"no namespace":       {arg: "b=r/app:1", wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePolicy(tt.arg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
