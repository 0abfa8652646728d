package cmd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

func TestParseToleration(t *testing.T) {
	tests := map[string]struct {
		want    corev1.Toleration
		wantErr string
	}{
		"infra=true:NoSchedule": {want: corev1.Toleration{Key: "infra", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}},
		"infra:NoExecute":       {want: corev1.Toleration{Key: "infra", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}},
		"infra:":                {want: corev1.Toleration{Key: "infra", Operator: corev1.TolerationOpExists}},
		":NoSchedule":           {want: corev1.Toleration{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
		"infra":                 {wantErr: "want key[=value]:Effect"},
		"infra:Never":           {wantErr: `effect "Never"`},
		"=x:NoSchedule":         {wantErr: "a value needs a key"},
	}
	for in, tc := range tests {
		t.Run(in, func(t *testing.T) {
			got, err := parseToleration(in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
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

func TestInstallAgentFlags(t *testing.T) {
	tests := map[string]struct {
		o       InstallOptions
		check   func(o *InstallOptions) string
		wantErr string
	}{
		"requests replace the default, limits kept": {o: InstallOptions{Requests: map[string]string{"cpu": "2"}},
			check: func(o *InstallOptions) string {
				r := o.manifest.Resources
				if r.Requests.Cpu().String() != "2" || !r.Requests.Memory().IsZero() || r.Limits.Memory().String() != "1Gi" {
					return "resources " + r.String()
				}
				return ""
			}},
		"env": {o: InstallOptions{Env: []string{"KUBERNETES_SERVICE_HOST=127.0.0.1", "EMPTY="}},
			check: func(o *InstallOptions) string {
				if len(o.manifest.Env) != 2 || o.manifest.Env[0].Value != "127.0.0.1" || o.manifest.Env[1].Name != "EMPTY" {
					return fmt.Sprintf("env %v", o.manifest.Env)
				}
				return ""
			}},
		"unknown resource": {o: InstallOptions{Limits: map[string]string{"gpu": "1"}}, wantErr: "--limits gpu=1: want cpu, memory or ephemeral-storage"},
		"bad quantity":     {o: InstallOptions{Requests: map[string]string{"memory": "lots"}}, wantErr: "--requests memory=lots"},
		"env without =":    {o: InstallOptions{Env: []string{"HOME"}}, wantErr: `--env "HOME": want NAME=VALUE`},
		"bad toleration":   {o: InstallOptions{Tolerations: []string{"x"}}, wantErr: `--tolerations "x"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := tc.o
			o.ConfigFlags = genericclioptions.NewConfigFlags(true)
			o.RBAC, o.Replicas = "cluster", 1
			o.DryRun = true
			err := o.Complete(nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(&o); msg != "" {
				t.Error(msg)
			}
		})
	}
}
