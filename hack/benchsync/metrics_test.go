package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestParseRequests(t *testing.T) {
	tests := map[string]struct {
		text string
		want requestCounts
	}{
		"sums codes and versions, keeps dry-run and subresource apart": {
			text: `# HELP apiserver_request_total [STABLE] Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="All",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} 4
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="status",verb="PUT",version="v1"} 7
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""} 1e+03
apiserver_request_duration_seconds_count{verb="GET"} 9
`,
			want: requestCounts{
				{Verb: "APPLY", Group: "apps", Resource: "deployments"}:                      5,
				{Verb: "APPLY", Group: "apps", Resource: "deployments", DryRun: true}:        4,
				{Verb: "PUT", Group: "apps", Resource: "deployments", Subresource: "status"}: 7,
				{Verb: "GET", Subresource: "/readyz"}:                                        1000,
			},
		},
		"escaped quotes and commas in a label value": {
			text: `apiserver_request_total{code="200",group="",resource="x\",y",subresource="",verb="PATCH"} 1` + "\n",
			want: requestCounts{{Verb: "PATCH", Resource: `x",y`}: 1},
		},
		"other metrics only": {
			text: "process_cpu_seconds_total 12\n",
			want: requestCounts{},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseRequests(strings.NewReader(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseRequests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRequestsErrors(t *testing.T) {
	tests := map[string]string{
		"no closing brace": `apiserver_request_total{verb="GET" 1`,
		"no value":         `apiserver_request_total{verb="GET"}`,
		"bad value":        `apiserver_request_total{verb="GET"} many`,
		"unquoted label":   `apiserver_request_total{verb=GET} 1`,
		"unterminated":     `apiserver_request_total{verb="GET} 1`,
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := parseRequests(strings.NewReader(text + "\n")); err == nil {
				t.Errorf("parseRequests(%q) = %v, want an error", text, got)
			}
		})
	}
}

func TestTally(t *testing.T) {
	before := requestCounts{
		{Verb: "APPLY", Group: "apps", Resource: "deployments"}: 10,
		{Verb: "GET", Group: "apps", Resource: "deployments"}:   50,
		{Verb: "PUT", Resource: "configmaps"}:                   1,
	}
	after := requestCounts{
		{Verb: "APPLY", Group: "apps", Resource: "deployments"}:                         14,
		{Verb: "GET", Group: "apps", Resource: "deployments"}:                           90,
		{Verb: "PUT", Resource: "configmaps"}:                                           2,
		{Verb: "POST", Resource: "configmaps"}:                                          1,
		{Verb: "APPLY", Group: "apps", Resource: "deployments", DryRun: true}:           3,
		{Verb: "PATCH", Resource: "pods", Subresource: "status"}:                        20,
		{Verb: "PUT", Group: "apps", Resource: "deployments", Subresource: "status"}:    6,
		{Verb: "PUT", Group: "coordination.k8s.io", Resource: "leases"}:                 2,
		{Verb: "DELETE", Group: "networking.k8s.io", Resource: "ingresses"}:             1,
		{Verb: "DELETECOLLECTION", Group: "networking.k8s.io", Resource: "ingresses"}:   1,
		{Verb: "WATCH", Group: "networking.k8s.io", Resource: "ingresses"}:              4,
		{Verb: "LIST", Group: "networking.k8s.io", Resource: "ingresses", DryRun: true}: 4,
	}
	applied := map[schema.GroupResource]bool{
		{Group: "apps", Resource: "deployments"}:            true,
		{Resource: "configmaps"}:                            true,
		{Group: "networking.k8s.io", Resource: "ingresses"}: true,
	}
	got := after.sub(before).tally(applied)
	want := requestTally{
		Reads:   44,
		Applied: map[string]int{"APPLY": 4, "PUT": 1, "POST": 1, "DELETE": 1, "DELETECOLLECTION": 1},
		DryRun:  3,
		Other:   28,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tally (-want +got):\n%s", diff)
	}
	if got.total() != 8 {
		t.Errorf("total = %d, want 8", got.total())
	}
	if v, wantVerbs := got.verbs(), "4 APPLY, 1 DELETE, 1 DELETECOLLECTION, 1 POST, 1 PUT"; v != wantVerbs {
		t.Errorf("verbs = %q, want %q", v, wantVerbs)
	}
}
