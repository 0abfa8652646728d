package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/render"
)

// Annotations of the ApplySet parent that record what was applied.
const (
	// RevisionAnnotation is the revision of the last apply that became
	// healthy.
	RevisionAnnotation = "oamgitops.dev/revision"
	// ComponentsAnnotation is the JSON list of ComponentHealth of the last
	// apply, also one that failed.
	ComponentsAnnotation = "oamgitops.dev/components"
	// HistoryAnnotation is the JSON list of the last HistoryLimit applied
	// revisions, oldest first.
	HistoryAnnotation = "oamgitops.dev/history"
	HistoryLimit      = 10
	// SourceAnnotation is the JSON SourceRecord of where the set comes
	// from.
	SourceAnnotation = "oamgitops.dev/source"
)

// SourceRecord says where a set of objects comes from, for `ls`. It holds
// no credentials: URL is written without user information.
type SourceRecord struct {
	// Name is the source's name: <application>/<component> for a source
	// declared by an Application.
	Name string `json:"name"`
	// App and Component name the declaring Application component.
	App       string `json:"app,omitempty"`
	Component string `json:"component,omitempty"`
	// Index is the component's position in its Application.
	Index int    `json:"index,omitempty"`
	URL   string `json:"url,omitempty"`
	Ref   string `json:"ref,omitempty"`
	Path  string `json:"path,omitempty"`
	// Parent is the inventory of the source whose build declared this
	// one; nil for a root source (from SOURCE or --repo).
	Parent *Inventory `json:"parent,omitempty"`
}

// ErrNoInventory means the ApplySet parent of a source is not in the
// cluster: nothing was applied from it.
var ErrNoInventory = errors.New("no inventory in the cluster: nothing was applied from this source")

// ComponentHealth is the health of one OAM component, from the objects
// rendered for it (labels app.oam.dev/name, app.oam.dev/namespace,
// app.oam.dev/component).
type ComponentHealth struct {
	App       string   `json:"app"`
	Namespace string   `json:"namespace"`
	Component string   `json:"component"`
	Type      string   `json:"type,omitempty"`
	Traits    []string `json:"traits,omitempty"`
	Healthy   bool     `json:"healthy"`
	Message   string   `json:"message,omitempty"`
	// Index is the component's position in its Application, when the
	// Applications were given (ApplyOptions.Applications).
	Index int `json:"index,omitempty"`
}

// HistoryEntry is one applied revision.
type HistoryEntry struct {
	Revision string    `json:"revision"`
	Time     time.Time `json:"time"`
}

// InventoryRecord is what an ApplySet parent says about its source.
type InventoryRecord struct {
	Inventory Inventory
	// ID is the ApplySet id; Tooling is kubectl-gitops/<version>.
	ID, Tooling string
	// Created is when the parent was created: the first apply.
	Created time.Time
	// GroupKinds and Namespaces are where the members are.
	GroupKinds, Namespaces []string
	Revision               string
	Components             []ComponentHealth
	History                []HistoryEntry
	// Source is nil when the apply named none.
	Source *SourceRecord
}

// record is the part of the parent this package keeps across applies.
type record struct {
	revision   string
	components []ComponentHealth
	history    []HistoryEntry
	source     *SourceRecord
}

// readRecord reads the record annotations; an unreadable one (edited by
// hand) reads as empty and is rewritten by the next apply.
func readRecord(anns map[string]string) record {
	r := record{revision: anns[RevisionAnnotation]}
	if data, err := expand(anns[ComponentsAnnotation]); err != nil || json.Unmarshal(data, &r.components) != nil {
		r.components = nil
	}
	if err := json.Unmarshal([]byte(anns[HistoryAnnotation]), &r.history); err != nil {
		r.history = nil
	}
	if v, ok := anns[SourceAnnotation]; ok {
		r.source = &SourceRecord{}
		if err := json.Unmarshal([]byte(v), r.source); err != nil {
			r.source = nil
		}
	}
	return r
}

// annotate writes r into anns.
func (r record) annotate(anns map[string]string) error {
	if r.revision != "" {
		anns[RevisionAnnotation] = r.revision
	}
	if len(r.components) > 0 {
		data, err := json.Marshal(r.components)
		if err != nil {
			return err
		}
		if anns[ComponentsAnnotation], err = compact(data); err != nil {
			return err
		}
	}
	if len(r.history) > 0 {
		data, err := json.Marshal(r.history)
		if err != nil {
			return err
		}
		anns[HistoryAnnotation] = string(data)
	}
	if r.source != nil {
		data, err := json.Marshal(r.source)
		if err != nil {
			return err
		}
		anns[SourceAnnotation] = string(data)
	}
	return nil
}

// applied is r after revision became healthy at now: the history grows
// when the revision changed.
func (r record) applied(revision string, now time.Time) record {
	if revision == "" {
		return r
	}
	r.revision = revision
	if n := len(r.history); n == 0 || r.history[n-1].Revision != revision {
		r.history = append(append([]HistoryEntry(nil), r.history...), HistoryEntry{Revision: revision, Time: now.UTC().Truncate(time.Second)})
		if len(r.history) > HistoryLimit {
			r.history = r.history[len(r.history)-HistoryLimit:]
		}
	}
	return r
}

// componentHealth groups objects by component and judges each component
// by the health observed of its objects: healthy when all are healthy;
// the message is the workload's, or that of the first object that is not
// healthy. Objects not observed were not applied yet. The type and traits
// are those of the component in apps, else those the objects' labels name.
func componentHealth(objects []*unstructured.Unstructured, observed map[objKey]ObjectHealth, apps []*oam.Application) []ComponentHealth {
	type acc struct {
		c        ComponentHealth
		traits   map[string]bool
		workload *ObjectHealth
		bad      *ObjectHealth
	}
	byKey := map[[3]string]*acc{}
	var order [][3]string
	for _, obj := range objects {
		l := obj.GetLabels()
		if l[render.LabelComponent] == "" {
			continue
		}
		k := [3]string{l[render.LabelAppNamespace], l[render.LabelAppName], l[render.LabelComponent]}
		c := byKey[k]
		if c == nil {
			c = &acc{c: ComponentHealth{App: k[1], Namespace: k[0], Component: k[2], Healthy: true}, traits: map[string]bool{}}
			byKey[k] = c
			order = append(order, k)
		}
		h, seen := observed[keyOf(obj)]
		if !seen {
			h = ObjectHealth{Subject: subject(obj), Status: "Pending", Message: "not applied yet: waits for an earlier wave"}
		}
		if l[render.LabelResourceType] == "WORKLOAD" {
			c.c.Type = l[render.LabelWorkloadType]
			c.workload = &h
		} else if t := l[render.LabelTraitType]; t != "" && t != render.TraitTypeAuxiliary {
			c.traits[t] = true
		}
		if !h.Healthy() {
			c.c.Healthy = false
			if c.bad == nil || l[render.LabelResourceType] == "WORKLOAD" {
				c.bad = &h
			}
		}
	}
	declared := map[[3]string]*oam.Component{}
	for _, app := range apps {
		for i := range app.Components {
			declared[[3]string{app.Namespace, app.Name, app.Components[i].Name}] = &app.Components[i]
		}
	}
	// By Application, then in the Application's order (as vela lists
	// them), components it does not declare last.
	rank := func(k [3]string) int {
		if d := declared[k]; d != nil && d.Index >= 0 {
			return d.Index
		}
		return math.MaxInt
	}
	sort.Slice(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if x[0] != y[0] || x[1] != y[1] {
			return x[0]+"/"+x[1] < y[0]+"/"+y[1]
		}
		if rx, ry := rank(x), rank(y); rx != ry {
			return rx < ry
		}
		return x[2] < y[2]
	})
	out := make([]ComponentHealth, 0, len(order))
	for _, k := range order {
		c := byKey[k]
		c.c.Traits = slices.Sorted(maps.Keys(c.traits))
		if d := declared[k]; d != nil {
			c.c.Type, c.c.Traits, c.c.Index = d.Type, nil, max(d.Index, 0)
			for _, t := range d.Traits {
				c.c.Traits = append(c.c.Traits, t.Type)
			}
		}
		switch {
		case c.bad != nil && c.bad == c.workload:
			c.c.Message = c.bad.Message
		case c.bad != nil:
			c.c.Message = c.bad.Subject + " is " + c.bad.Status + ": " + c.bad.Message
		case c.workload != nil:
			c.c.Message = c.workload.Message
		}
		if len(c.c.Traits) == 0 {
			c.c.Traits = nil
		}
		out = append(out, c.c)
	}
	return out
}

// ReadInventory reads what the ApplySet parent inv records. It fails with
// ErrNoInventory when inv is not in the cluster.
func (a *Applier) ReadInventory(ctx context.Context, inv Inventory) (*InventoryRecord, error) {
	if err := inv.validate(); err != nil {
		return nil, err
	}
	set := newApplySet(inv, a.tooling)
	live := &metav1.PartialObjectMetadata{}
	live.APIVersion, live.Kind = "v1", inv.Kind
	err := a.client.Get(ctx, client.ObjectKey{Namespace: inv.Namespace, Name: inv.Name}, live)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("inventory %s: %w", set.parentName(), ErrNoInventory)
	}
	if err != nil {
		return nil, fmt.Errorf("inventory %s: %w", set.parentName(), err)
	}
	if id := live.GetLabels()[ApplySetIDLabel]; id != set.id {
		return nil, fmt.Errorf("inventory %s: label %s is %q, want %q: it is not the parent of this source's ApplySet", set.parentName(), ApplySetIDLabel, id, set.id)
	}
	return recordOf(inv, live), nil
}

func recordOf(inv Inventory, m metav1.Object) *InventoryRecord {
	anns := m.GetAnnotations()
	r := readRecord(anns)
	return &InventoryRecord{Inventory: inv, ID: m.GetLabels()[ApplySetIDLabel], Tooling: anns[ApplySetToolingAnnotation],
		Created: m.GetCreationTimestamp().Time, GroupKinds: splitList(anns[ApplySetGroupKindsAnnotation]),
		Namespaces: splitList(anns[ApplySetNamespacesAnnotation]), Revision: r.revision,
		Components: r.components, History: r.history, Source: r.source}
}
