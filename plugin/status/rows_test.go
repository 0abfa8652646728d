package status

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

var (
	t1 = time.Date(2021, 9, 26, 12, 48, 9, 0, time.UTC)
	t2 = time.Date(2021, 9, 27, 8, 55, 53, 0, time.UTC)
)

func inv(ns, name string) apply.Inventory {
	return apply.Inventory{Kind: "ConfigMap", Namespace: ns, Name: name}
}

// The seed after both syncs: two sources, three components of two apps.
func seedRecords() []apply.InventoryRecord {
	return []apply.InventoryRecord{
		{Inventory: inv("default", "gitops.infra.database-config"), Created: t1, Revision: "main@sha1:1111111",
			Source: &apply.SourceRecord{Name: "infra/database-config", App: "infra", Component: "database-config",
				URL: "https://git.example/config.git", Ref: "branch main", Path: "infrastructure"},
			Components: []apply.ComponentHealth{
				{App: "mysql", Namespace: "default", Component: "mysql-controller", Type: "helm", Healthy: true, Message: "Ready:1/1"},
				{App: "mysql", Namespace: "default", Component: "mysql-cluster", Type: "raw", Healthy: true, Index: 1},
			}},
		{Inventory: inv("default", "gitops.apps.apps"), Created: t2, Revision: "main@sha1:2222222",
			Source: &apply.SourceRecord{Name: "apps/apps", App: "apps", Component: "apps",
				URL: "https://git.example/config.git", Ref: "branch main", Path: "apps"},
			Components: []apply.ComponentHealth{
				{App: "my-app", Namespace: "default", Component: "my-server", Type: "webservice", Traits: []string{"ingress"},
					Healthy: true, Message: "Ready:1/1"},
			}},
	}
}

func TestRows(t *testing.T) {
	appsInv, infraInv := inv("default", "gitops.apps.apps"), inv("default", "gitops.infra.database-config")
	tests := map[string]struct {
		records []apply.InventoryRecord
		want    []Row
	}{
		"nothing": {want: []Row{}},
		"seed": {
			records: seedRecords(),
			want: []Row{
				{Namespace: "default", App: "apps", Component: "apps", Type: "kustomize", Phase: "running", Healthy: true,
					Status: "main@sha1:2222222", Created: t2, Inventory: appsInv,
					Source: &Source{Name: "apps/apps", URL: "https://git.example/config.git", Ref: "branch main", Path: "apps", Revision: "main@sha1:2222222"}},
				{Namespace: "default", App: "infra", Component: "database-config", Type: "kustomize", Phase: "running", Healthy: true,
					Status: "main@sha1:1111111", Created: t1, Inventory: infraInv,
					Source: &Source{Name: "infra/database-config", URL: "https://git.example/config.git", Ref: "branch main", Path: "infrastructure", Revision: "main@sha1:1111111"}},
				{Namespace: "default", App: "my-app", Component: "my-server", Type: "webservice", Traits: []string{"ingress"},
					Phase: "running", Healthy: true, Status: "Ready:1/1", Created: t2, Inventory: appsInv},
				{Namespace: "default", App: "mysql", Component: "mysql-controller", Type: "helm", Phase: "running", Healthy: true,
					Status: "Ready:1/1", Created: t1, Inventory: infraInv},
				{Namespace: "default", App: "mysql", Component: "mysql-cluster", Type: "raw", Phase: "running", Healthy: true,
					Created: t1, Inventory: infraInv, index: 1},
			},
		},
		"one app from two sources, one component unhealthy": {
			records: []apply.InventoryRecord{
				{Inventory: inv("prod", "gitops.b"), Created: t2, Revision: "v2@sha1:bbbbbbb", Source: &apply.SourceRecord{Name: "b", App: "b", Component: "b"},
					Components: []apply.ComponentHealth{{App: "shop", Namespace: "prod", Component: "web", Type: "webservice", Healthy: false,
						Message: "Ready:0/1"}}},
				{Inventory: inv("prod", "gitops.a"), Created: t1, Revision: "v1@sha1:aaaaaaa", Source: &apply.SourceRecord{Name: "a", App: "a", Component: "a"},
					Components: []apply.ComponentHealth{{App: "shop", Namespace: "prod", Component: "db", Type: "worker", Healthy: true}}},
			},
			want: []Row{
				{Namespace: "prod", App: "a", Component: "a", Type: "kustomize", Phase: "running", Healthy: true, Status: "v1@sha1:aaaaaaa",
					Created: t1, Inventory: inv("prod", "gitops.a"), Source: &Source{Name: "a", Revision: "v1@sha1:aaaaaaa"}},
				{Namespace: "prod", App: "b", Component: "b", Type: "kustomize", Phase: "unhealthy", Healthy: false, Status: "v2@sha1:bbbbbbb",
					Created: t2, Inventory: inv("prod", "gitops.b"), Source: &Source{Name: "b", Revision: "v2@sha1:bbbbbbb"}},
				{Namespace: "prod", App: "shop", Component: "db", Type: "worker", Phase: "unhealthy", Healthy: true,
					Created: t1, Inventory: inv("prod", "gitops.a")},
				{Namespace: "prod", App: "shop", Component: "web", Type: "webservice", Phase: "unhealthy", Healthy: false, Status: "Ready:0/1",
					Created: t1, Inventory: inv("prod", "gitops.b")},
			},
		},
		"source declared by flags, its objects not OAM": {
			records: []apply.InventoryRecord{{Inventory: inv("ns1", "gitops.plain.app"), Created: t1, Revision: "main@sha1:3333333",
				Source: &apply.SourceRecord{Name: "plain/app", URL: "https://git.example/plain.git", Ref: "branch main", Path: "app"}}},
			want: []Row{{Namespace: "ns1", App: "plain/app", Type: "kustomize", Phase: "running", Healthy: true, Status: "main@sha1:3333333",
				Created: t1, Inventory: inv("ns1", "gitops.plain.app"),
				Source: &Source{Name: "plain/app", URL: "https://git.example/plain.git", Ref: "branch main", Path: "app", Revision: "main@sha1:3333333"}}},
		},
		"hand-edited record: no source, no components, no revision": {
			records: []apply.InventoryRecord{{Inventory: inv("ns1", "gitops.x"), Created: t1}},
			want: []Row{{Namespace: "ns1", App: "gitops.x", Type: "kustomize", Phase: "unhealthy", Status: NoRevision, Created: t1,
				Inventory: inv("ns1", "gitops.x"), Source: &Source{Name: "gitops.x"}}},
		},
		"a component recorded twice: the first inventory wins; a component without namespace or app": {
			records: []apply.InventoryRecord{
				{Inventory: inv("ns1", "gitops.z"), Created: t1, Revision: "r2", Source: &apply.SourceRecord{Name: "z", App: "z", Component: "z"},
					Components: []apply.ComponentHealth{{App: "shop", Namespace: "ns1", Component: "web", Type: "worker", Healthy: true}}},
				{Inventory: inv("ns1", "gitops.y"), Created: t2, Revision: "r1", Source: &apply.SourceRecord{Name: "y", App: "y", Component: "y"},
					Components: []apply.ComponentHealth{
						{App: "shop", Namespace: "ns1", Component: "web", Type: "webservice", Healthy: true},
						{Component: "lost", Type: "raw", Healthy: true},
					}},
			},
			want: []Row{
				{Namespace: "ns1", App: "-", Component: "lost", Type: "raw", Phase: "running", Healthy: true, Created: t2, Inventory: inv("ns1", "gitops.y")},
				{Namespace: "ns1", App: "shop", Component: "web", Type: "webservice", Phase: "running", Healthy: true, Created: t2, Inventory: inv("ns1", "gitops.y")},
				{Namespace: "ns1", App: "y", Component: "y", Type: "kustomize", Phase: "running", Healthy: true, Status: "r1", Created: t2,
					Inventory: inv("ns1", "gitops.y"), Source: &Source{Name: "y", Revision: "r1"}},
				{Namespace: "ns1", App: "z", Component: "z", Type: "kustomize", Phase: "running", Healthy: true, Status: "r2", Created: t1,
					Inventory: inv("ns1", "gitops.z"), Source: &Source{Name: "z", Revision: "r2"}},
			},
		},
		"a source whose first sync failed": {
			records: []apply.InventoryRecord{{Inventory: inv("ns1", "gitops.s"), Created: t1, Source: &apply.SourceRecord{Name: "s", App: "s", Component: "s"},
				Components: []apply.ComponentHealth{{App: "s", Namespace: "ns1", Component: "web", Type: "webservice", Healthy: false,
					Message: "not applied yet: waits for an earlier wave"}}}},
			want: []Row{
				{Namespace: "ns1", App: "s", Component: "s", Type: "kustomize", Phase: "unhealthy", Status: NoRevision, Created: t1,
					Inventory: inv("ns1", "gitops.s"), Source: &Source{Name: "s"}},
				{Namespace: "ns1", App: "s", Component: "web", Type: "webservice", Phase: "unhealthy", Status: "not applied yet: waits for an earlier wave",
					Created: t1, Inventory: inv("ns1", "gitops.s")},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Rows(tc.records), cmp.AllowUnexported(Row{})); diff != "" {
				t.Errorf("Rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRowsDoesNotReorderItsInput(t *testing.T) {
	records := seedRecords()
	Rows(records)
	if diff := cmp.Diff(seedRecords(), records); diff != "" {
		t.Errorf("records changed (-want +got):\n%s", diff)
	}
}

func TestInNamespace(t *testing.T) {
	rows := []Row{{Namespace: "a", App: "x"}, {Namespace: "b", App: "y"}, {Namespace: "a", App: "z"}}
	tests := map[string]struct {
		namespace string
		want      []Row
	}{
		"some":    {namespace: "a", want: []Row{{Namespace: "a", App: "x"}, {Namespace: "a", App: "z"}}},
		"none":    {namespace: "c", want: []Row{}},
		"another": {namespace: "b", want: []Row{{Namespace: "b", App: "y"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, InNamespace(rows, tc.namespace), cmp.AllowUnexported(Row{})); diff != "" {
				t.Errorf("InNamespace (-want +got):\n%s", diff)
			}
		})
	}
}
