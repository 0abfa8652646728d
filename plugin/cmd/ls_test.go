package cmd

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// cst is the zone of the seed's `vela ls` output.
var cst = time.FixedZone("CST", 8*3600)

func lsInv(ns, name string) apply.Inventory {
	return apply.Inventory{Kind: "ConfigMap", Namespace: ns, Name: name}
}

// seedRecords are the inventories after the seed's two syncs.
func seedRecords() []apply.InventoryRecord {
	t1 := time.Date(2021, 9, 26, 12, 48, 9, 0, time.UTC)
	t2 := time.Date(2021, 9, 27, 8, 55, 53, 0, time.UTC)
	return []apply.InventoryRecord{
		{Inventory: lsInv("default", "gitops.infra.database-config"), Created: t1, Revision: "main@sha1:1111111",
			Source: &apply.SourceRecord{Name: "infra/database-config", App: "infra", Component: "database-config"},
			Components: []apply.ComponentHealth{
				{App: "mysql", Namespace: "default", Component: "mysql-controller", Type: "helm", Healthy: true, Message: "Ready:1/1"},
				{App: "mysql", Namespace: "default", Component: "mysql-cluster", Type: "raw", Healthy: true, Index: 1},
			}},
		{Inventory: lsInv("default", "gitops.apps.apps"), Created: t2, Revision: "main@sha1:2222222",
			Source: &apply.SourceRecord{Name: "apps/apps", App: "apps", Component: "apps"},
			Components: []apply.ComponentHealth{{App: "my-app", Namespace: "default", Component: "my-server", Type: "webservice",
				Traits: []string{"ingress"}, Healthy: true, Message: "Ready:1/1"}}},
	}
}

func TestPrintApps(t *testing.T) {
	t3 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	shop := []apply.InventoryRecord{
		{Inventory: lsInv("prod", "gitops.shop"), Created: t3, Revision: "v1.2.0@sha1:abcdef0",
			Source: &apply.SourceRecord{Name: "shop-src", URL: "https://git.example/shop.git"},
			Components: []apply.ComponentHealth{
				{App: "shop", Namespace: "prod", Component: "api", Type: "webservice", Traits: []string{"scaler", "expose"}, Healthy: true, Message: "Ready:2/2"},
				{App: "shop", Namespace: "prod", Component: "db", Type: "statefulset", Healthy: false,
					Message: "StatefulSet prod/db is InProgress:\tRolling\nupdate"},
				{App: "shop", Namespace: "prod", Component: "web", Type: "webservice", Healthy: true, Message: "Ready:1/1"},
			}},
	}
	tests := map[string]struct {
		records       []apply.InventoryRecord
		allNamespaces bool
		want          string
	}{
		"the seed": {
			records: seedRecords(),
			want: `
APP      COMPONENT          TYPE         TRAITS    PHASE     HEALTHY   STATUS              CREATED-TIME
apps     apps               kustomize              running   healthy   main@sha1:2222222   2021-09-27 16:55:53 +0800 CST
infra    database-config    kustomize              running   healthy   main@sha1:1111111   2021-09-26 20:48:09 +0800 CST
my-app   my-server          webservice   ingress   running   healthy   Ready:1/1           2021-09-27 16:55:53 +0800 CST
mysql    mysql-controller   helm                   running   healthy   Ready:1/1           2021-09-26 20:48:09 +0800 CST
└─       mysql-cluster      raw                    running   healthy                       2021-09-26 20:48:09 +0800 CST
`,
		},
		"all namespaces, three components, unhealthy, a flags source": {
			records:       append(seedRecords()[:1], shop...),
			allNamespaces: true,
			want: `
NAMESPACE   APP        COMPONENT          TYPE          TRAITS          PHASE       HEALTHY     STATUS                                              CREATED-TIME
default     infra      database-config    kustomize                     running     healthy     main@sha1:1111111                                   2021-09-26 20:48:09 +0800 CST
default     mysql      mysql-controller   helm                          running     healthy     Ready:1/1                                           2021-09-26 20:48:09 +0800 CST
default     └─         mysql-cluster      raw                           running     healthy                                                         2021-09-26 20:48:09 +0800 CST
prod        shop       api                webservice    scaler,expose   unhealthy   healthy     Ready:2/2                                           2024-01-02 11:04:05 +0800 CST
prod        ├─         db                 statefulset                   unhealthy   unhealthy   StatefulSet prod/db is InProgress: Rolling update   2024-01-02 11:04:05 +0800 CST
prod        └─         web                webservice                    unhealthy   healthy     Ready:1/1                                           2024-01-02 11:04:05 +0800 CST
prod        shop-src                      kustomize                     unhealthy   unhealthy   v1.2.0@sha1:abcdef0                                 2024-01-02 11:04:05 +0800 CST
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printApps(&out, status.Rows(tc.records), tc.allNamespaces, cst); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.TrimPrefix(tc.want, "\n"), out.String()); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrintHistory(t *testing.T) {
	h := []SourceHistory{
		{Source: "apps/apps", Revision: "main@sha1:2222222", History: []apply.HistoryEntry{
			{Revision: "main@sha1:1111111", Time: time.Date(2021, 9, 27, 8, 55, 53, 0, time.UTC)},
			{Revision: "main@sha1:2222222", Time: time.Date(2021, 9, 28, 1, 2, 3, 0, time.UTC)},
		}},
		{Source: "infra/database-config", History: []apply.HistoryEntry{}},
		{Source: "plain/app", Revision: "v1@sha1:3333333", History: []apply.HistoryEntry{
			{Revision: "v1@sha1:3333333", Time: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		}},
	}
	tests := map[string]struct {
		results []SourceHistory
		want    string
	}{
		"oldest first per source": {results: h, want: `
SOURCE      REVISION            APPLIED-TIME
apps/apps   main@sha1:1111111   2021-09-27 16:55:53 +0800 CST
apps/apps   main@sha1:2222222   2021-09-28 09:02:03 +0800 CST
plain/app   v1@sha1:3333333     2022-01-01 08:00:00 +0800 CST
`},
		"no revision at all": {results: h[1:2], want: "\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printHistory(&out, tc.results, cst); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.TrimPrefix(tc.want, "\n"), out.String()); diff != "" {
				t.Errorf("table (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLsOptions(t *testing.T) {
	tests := map[string]struct {
		output  string
		args    []string
		wantErr string
	}{
		"table":       {output: OutputTable},
		"json":        {output: OutputJSON},
		"bad output":  {output: "wide", wantErr: `--output "wide"`},
		"an argument": {output: OutputTable, args: []string{"my-app"}, wantErr: "ls takes no arguments"},
		"two of them": {output: OutputYAML, args: []string{"a", "b"}, wantErr: "ls takes no arguments"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := &LsOptions{OutputOptions: OutputOptions{Output: tc.output}}
			var err error
			if len(tc.args) > 0 {
				err = o.Complete(tc.args)
			} else {
				err = o.Validate()
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("got %v, want %q", err, tc.wantErr)
			}
		})
	}
}
