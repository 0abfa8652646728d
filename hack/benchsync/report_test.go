package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestResultsPrint(t *testing.T) {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	k := &sideResult{
		Apply:         usage{Wall: sec(40), CPU: sec(10), MaxRSSKiB: 200 * 1024},
		ApplyRequests: requestTally{Reads: 10, Applied: map[string]int{"APPLY": 4000}, Other: 900},
		Wait:          usage{Wall: sec(60), CPU: sec(2), MaxRSSKiB: 50 * 1024},
		Noop:          usage{Wall: sec(30)},
		NoopRequests:  requestTally{Applied: map[string]int{"APPLY": 4000}},
		Available:     2000, AvailableAfter: sec(50),
	}
	tests := map[string]struct {
		gitops *sideResult
		want   []string
	}{
		"targets met": {
			gitops: &sideResult{
				Apply:         usage{Wall: sec(80)},
				ApplyRequests: requestTally{Applied: map[string]int{"APPLY": 4000, "POST": 1, "PUT": 2}, DryRun: 4000},
				Noop:          usage{Wall: sec(4)},
				NoopRequests:  requestTally{Applied: map[string]int{}},
				Available:     2000, AvailableAfter: sec(65.2),
			},
			want: []string{
				"kubectl apply --server-side                 40.00    10.00         200.0     10    4000        0    100           900",
				"kubectl apply + wait                       100.00    12.00         200.0      -       -        -      -             -",
				"gitops:        writes 4000 APPLY, 2 PUT, 1 POST; no-op none; 2000 of 2000 Deployments Available after sync, the last 1m5s after the start; cluster start 0s (not counted)",
				"ratio:         0.80 x sync / (kubectl apply + wait) wall time (target <= 1: met); 2.00 x sync / kubectl apply alone;",
				"               1.60 x sync / (kubectl apply until the cluster had every Deployment Available, 50s)",
				"no-op sync:    0 writes (target 0: met), 4.00 s = 5.0 % of the initial sync (target < 10 %: met)",
			},
		},
		"targets missed": {
			gitops: &sideResult{
				Apply:        usage{Wall: sec(200)},
				Noop:         usage{Wall: sec(100)},
				NoopRequests: requestTally{Applied: map[string]int{"PUT": 1}, DryRun: 2},
			},
			want: []string{
				"ratio:         2.00 x sync / (kubectl apply + wait) wall time (target <= 1: MISSED); 5.00 x sync / kubectl apply alone;",
				"no-op sync:    3 writes (target 0: MISSED), 100.00 s = 50.0 % of the initial sync (target < 10 %: MISSED)",
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			results{Kubernetes: "v1.36.3", Apps: 1000, Objects: objectSet{Count: 4000, Namespaces: make([]string, 7), Deployments: 2000, Replicas: 3000},
				Kubectl: k, Gitops: tt.gitops}.print(&out)
			lines := strings.Split(out.String(), "\n")
			if want := "== sync (1000 Applications: 4000 objects in 7 namespaces, 2000 Deployments, 3000 pods; a fresh Kubernetes v1.36.3 cluster per tool)"; lines[0] != want {
				t.Errorf("first line:\n%s\nwant:\n%s", lines[0], want)
			}
			var got []string
			for _, w := range tt.want {
				for _, l := range lines {
					if strings.HasPrefix(l, w[:30]) {
						got = append(got, l)
						break
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("print (-want +got):\n%s\nall output:\n%s", diff, out.String())
			}
		})
	}
}

func TestResultsPrintOneSide(t *testing.T) {
	var out bytes.Buffer
	results{Apps: 1, Objects: objectSet{Count: 4}, Gitops: &sideResult{Apply: usage{Wall: time.Second}, Noop: usage{Wall: time.Second}}}.print(&out)
	if strings.Contains(out.String(), "kubectl apply") || strings.Contains(out.String(), "ratio:") {
		t.Errorf("gitops side alone prints kubectl rows or a ratio:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "no-op sync:") {
		t.Errorf("gitops side alone lacks the no-op verdict:\n%s", out.String())
	}
}

func TestResultsPrintFailedSide(t *testing.T) {
	var out bytes.Buffer
	results{Apps: 1, Objects: objectSet{Count: 4},
		Kubectl: &sideResult{Apply: usage{Wall: time.Second}, Wait: usage{Wall: time.Second}, Noop: usage{Wall: time.Second}},
		Gitops:  &sideResult{Apply: usage{Wall: time.Hour, CPU: time.Minute}, Failed: "error: inventory: too long"},
	}.print(&out)
	got := out.String()
	for _, want := range []string{"kubectl gitops sync                       3600.00    60.00", "gitops:        FAILED: error: inventory: too long"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"no-op: kubectl gitops sync", "ratio:", "no-op sync:"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("output of a failed sync has %q:\n%s", unwanted, got)
		}
	}
}
