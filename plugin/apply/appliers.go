package apply

import (
	"fmt"
	"sync"

	"k8s.io/client-go/rest"
)

// Appliers hands out the Applier of each identity sources are applied
// as: the caller's own, or a ServiceAccount impersonated
// (system:serviceaccount:<namespace>:<name>), as Flux applies a
// Kustomization with spec.serviceAccountName. Each is made once.
type Appliers struct {
	cfg     *rest.Config
	version string
	own     *Applier

	mu     sync.Mutex
	byUser map[string]*Applier
}

// NewAppliers connects to the cluster of cfg as the caller; version is the
// ApplySet tooling version (see NewApplier).
func NewAppliers(cfg *rest.Config, version string) (*Appliers, error) {
	own, err := NewApplier(cfg, version)
	if err != nil {
		return nil, err
	}
	return &Appliers{cfg: cfg, version: version, own: own, byUser: map[string]*Applier{}}, nil
}

// HoldAs names the holder of the Leases this process takes (lease.go),
// for every Applier made so far and later. A name that outlives the
// process (the agent's Pod name) takes its own Leases back at once after a
// restart, instead of waiting for them to expire. Default: host, pid and a
// random suffix, unique to the process.
func (p *Appliers) HoldAs(holder string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.own.holder = holder
	for _, a := range p.byUser {
		a.holder = holder
	}
}

// Own is the Applier of the caller's own identity.
func (p *Appliers) Own() *Applier { return p.own }

// ServiceAccountUser is the user name of a ServiceAccount.
func ServiceAccountUser(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// As is the Applier impersonating ServiceAccount namespace/name; with an
// empty name, the caller's own.
func (p *Appliers) As(namespace, name string) (*Applier, error) {
	if name == "" {
		return p.own, nil
	}
	user := ServiceAccountUser(namespace, name)
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.byUser[user]; a != nil {
		return a, nil
	}
	cfg := rest.CopyConfig(p.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	a, err := NewApplier(cfg, p.version)
	if err != nil {
		return nil, fmt.Errorf("applying as ServiceAccount %s/%s: %w", namespace, name, err)
	}
	a.user = user
	a.locks, a.holder = p.own.locks, p.own.holder // Leases are taken as the caller, under one name
	p.byUser[user] = a
	return a, nil
}
