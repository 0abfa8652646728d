package apply

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestUnifiedDiff(t *testing.T) {
	lines := func(n int, change map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := change[i]; ok {
				if s != "" {
					b.WriteString(s + "\n")
				}
				continue
			}
			b.WriteString("l" + string(rune('a'+i-1)) + "\n")
		}
		return b.String()
	}
	tests := map[string]struct {
		from, to, want string
	}{
		"equal": {from: lines(5, nil), to: lines(5, nil), want: ""},
		"one change in the middle": {
			from: lines(9, nil), to: lines(9, map[int]string{5: "X"}),
			want: "--- a\n+++ b\n@@ -2,7 +2,7 @@\n lb\n lc\n ld\n-le\n+X\n lf\n lg\n lh\n",
		},
		"two hunks": {
			from: lines(20, nil), to: lines(20, map[int]string{2: "X", 18: ""}),
			want: "--- a\n+++ b\n@@ -1,5 +1,5 @@\n la\n-lb\n+X\n lc\n ld\n le\n@@ -15,6 +15,5 @@\n lo\n lp\n lq\n-lr\n ls\n lt\n",
		},
		"from nothing": {
			from: "", to: "x\ny\n",
			want: "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n",
		},
		"to nothing": {
			from: "x\n", to: "",
			want: "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-x\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := unifiedDiff("a", "b", tc.from, tc.to, 3)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestForDiffMasksSecrets(t *testing.T) {
	secret := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "s", "namespace": "ns", "resourceVersion": "7", "uid": "u",
			"managedFields": []any{map[string]any{"manager": "x"}}},
		"data":       map[string]any{"password": "c2VjcmV0", "changed": "*** (after)"},
		"stringData": map[string]any{"token": "plain"},
	}}
	got := toYAML(forDiff(secret))
	want := `apiVersion: v1
data:
  changed: '*** (after)'
  password: '***'
kind: Secret
metadata:
  name: s
  namespace: ns
stringData:
  token: '***'
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	cm := secret.DeepCopy()
	cm.SetKind("ConfigMap")
	if got := toYAML(forDiff(cm)); !strings.Contains(got, "c2VjcmV0") {
		t.Errorf("a ConfigMap's data was masked:\n%s", got)
	}
}
