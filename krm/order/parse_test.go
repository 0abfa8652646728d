package order_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/krm/order"
)

func TestParseDependsOn(t *testing.T) {
	tests := map[string]struct {
		value   string
		want    []order.ObjectRef
		wantErr string
	}{
		"empty": {value: ""},
		"core namespaced": {
			value: "/namespaces/default/Service/db",
			want:  []order.ObjectRef{{Kind: "Service", Namespace: "default", Name: "db"}},
		},
		"grouped and cluster-scoped, spaces and blanks": {
			value: " apps/namespaces/n/Deployment/web , ,rbac.authorization.k8s.io/ClusterRole/reader,/Namespace/n",
			want: []order.ObjectRef{
				{Group: "apps", Kind: "Deployment", Namespace: "n", Name: "web"},
				{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "reader"},
				{Kind: "Namespace", Name: "n"},
			},
		},
		"too short": {
			value:   "ConfigMap/b",
			wantErr: `"ConfigMap/b": want <group>/namespaces/<namespace>/<kind>/<name> or <group>/<kind>/<name>`,
		},
		"five parts without namespaces": {
			value:   "apps/ns/n/Deployment/web",
			wantErr: `"apps/ns/n/Deployment/web": want <group>/namespaces/<namespace>/<kind>/<name> or <group>/<kind>/<name>`,
		},
		"empty name": {
			value:   "apps/namespaces/n/Deployment/",
			wantErr: `"apps/namespaces/n/Deployment/": kind, name and namespace must not be empty`,
		},
		"empty namespace": {
			value:   "/namespaces//ConfigMap/c",
			wantErr: `"/namespaces//ConfigMap/c": kind, name and namespace must not be empty`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := order.ParseDependsOn(tc.value)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDependsOnReadsFormat(t *testing.T) {
	refs := []order.ObjectRef{
		{Cluster: "local", Group: "apps", Kind: "Deployment", Namespace: "n", Name: "web"},
		{Cluster: "local", Kind: "Namespace", Name: "n"},
		{Cluster: "local", Group: "apps", Kind: "Deployment", Namespace: "n", Name: "web"},
	}
	got, err := order.ParseDependsOn(order.Format(refs))
	if err != nil {
		t.Fatal(err)
	}
	want := []order.ObjectRef{{Kind: "Namespace", Name: "n"}, {Group: "apps", Kind: "Deployment", Namespace: "n", Name: "web"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
