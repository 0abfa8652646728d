package cmd

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// completeAgent turns the flags that place and size the agent into the
// manifest's options.
func (o *InstallOptions) completeAgent() error {
	m := &o.manifest
	m.ImagePullPolicy, m.Replicas, m.Shards, m.HostNetwork = o.ImagePullPolicy, o.Replicas, o.Shards, o.HostNetwork
	m.NodeSelector = o.NodeSelector
	if o.HealthPort != 0 {
		m.HealthPort = o.HealthPort
	}
	if o.MetricsPort != 0 {
		m.MetricsPort = o.MetricsPort
	}
	for _, t := range o.Tolerations {
		tol, err := parseToleration(t)
		if err != nil {
			return fmt.Errorf("--tolerations %q: %w", t, err)
		}
		m.Tolerations = append(m.Tolerations, tol)
	}
	for flag, set := range map[string]struct {
		given map[string]string
		list  *corev1.ResourceList
	}{"--requests": {o.Requests, &m.Resources.Requests}, "--limits": {o.Limits, &m.Resources.Limits}} {
		if len(set.given) == 0 {
			continue
		}
		*set.list = corev1.ResourceList{}
		for name, q := range set.given {
			if name != string(corev1.ResourceCPU) && name != string(corev1.ResourceMemory) && name != string(corev1.ResourceEphemeralStorage) {
				return fmt.Errorf("%s %s=%s: want cpu, memory or ephemeral-storage", flag, name, q)
			}
			v, err := resource.ParseQuantity(q)
			if err != nil {
				return fmt.Errorf("%s %s=%s: %w", flag, name, q, err)
			}
			(*set.list)[corev1.ResourceName(name)] = v
		}
	}
	for _, e := range o.Env {
		name, value, ok := strings.Cut(e, "=")
		if !ok {
			return fmt.Errorf("--env %q: want NAME=VALUE", e)
		}
		m.Env = append(m.Env, corev1.EnvVar{Name: name, Value: value})
	}
	return nil
}

// parseToleration reads key[=value]:Effect, as kubectl taint writes
// taints; an empty effect tolerates every effect of the key.
func parseToleration(s string) (corev1.Toleration, error) {
	kv, effect, ok := strings.Cut(s, ":")
	if !ok {
		return corev1.Toleration{}, fmt.Errorf("want key[=value]:Effect")
	}
	t := corev1.Toleration{Effect: corev1.TaintEffect(effect), Operator: corev1.TolerationOpExists}
	key, value, hasValue := strings.Cut(kv, "=")
	t.Key = key
	if hasValue {
		t.Operator, t.Value = corev1.TolerationOpEqual, value
	}
	switch t.Effect {
	case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
	default:
		return corev1.Toleration{}, fmt.Errorf("effect %q: want NoSchedule, PreferNoSchedule or NoExecute", effect)
	}
	if key == "" && hasValue {
		return corev1.Toleration{}, fmt.Errorf("a value needs a key")
	}
	return t, nil
}
