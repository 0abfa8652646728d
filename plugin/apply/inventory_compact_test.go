package apply

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The components of a source of a thousand apps fit the annotation limit
// and read back the same; a small record stays plain JSON.
func TestRecordCompactsManyComponents(t *testing.T) {
	tests := map[string]struct {
		n          int
		compacted  bool
		underBytes int
	}{
		"seed size":     {n: 3, compacted: false, underBytes: compactFrom},
		"thousand apps": {n: 2000, compacted: true, underBytes: 64 << 10},
		"ten thousand":  {n: 20000, compacted: true, underBytes: 256 << 10},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var r record
			for i := range tc.n {
				r.components = append(r.components, ComponentHealth{App: fmt.Sprintf("app-%04d", i/2), Namespace: fmt.Sprintf("team-%d", i%7),
					Component: fmt.Sprintf("app-%04d-web-%d", i/2, i%2), Type: "webservice", Traits: []string{"ingress", "scaler"}, Healthy: true,
					Message: "Ready:2/2", Index: i % 2})
			}
			anns := map[string]string{}
			if err := r.annotate(anns); err != nil {
				t.Fatal(err)
			}
			v := anns[ComponentsAnnotation]
			if got := strings.HasPrefix(v, compactPrefix); got != tc.compacted {
				t.Errorf("compacted = %v, want %v", got, tc.compacted)
			}
			if len(v) >= tc.underBytes {
				t.Errorf("annotation is %d bytes, want under %d", len(v), tc.underBytes)
			}
			if diff := cmp.Diff(r.components, readRecord(anns).components); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
	if got := readRecord(map[string]string{ComponentsAnnotation: compactPrefix + "not base64!"}).components; got != nil {
		t.Errorf("a broken compacted annotation read as %v, want nothing", got)
	}
}
