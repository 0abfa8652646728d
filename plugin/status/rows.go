package status

import (
	"sort"
	"time"

	"github.com/oamgitops/kubectl-gitops/plugin/apply"
)

// Phases of an Application, in KubeVela's vocabulary.
const (
	// PhaseRunning means every component and source of the Application
	// was healthy at its last sync.
	PhaseRunning = "running"
	// PhaseUnhealthy means at least one was not.
	PhaseUnhealthy = "unhealthy"
)

// SourceType is the TYPE of a source's row: the component type that
// declares a source.
const SourceType = "kustomize"

// NoRevision is the status of a source none of whose syncs became
// healthy.
const NoRevision = "no revision became healthy yet"

// Row is one line of `ls`: a component of an Application, or a source.
type Row struct {
	// Namespace is the Application's; for a source, its inventory's.
	Namespace string `json:"namespace"`
	// App is the Application; for a source declared by flags, the
	// source's name.
	App string `json:"app"`
	// Component is empty for a source declared by flags.
	Component string   `json:"component,omitempty"`
	Type      string   `json:"type,omitempty"`
	Traits    []string `json:"traits,omitempty"`
	// Phase is the Application's: PhaseRunning or PhaseUnhealthy.
	Phase   string `json:"phase"`
	Healthy bool   `json:"healthy"`
	// Status is the component's message (Ready:1/1), or a source's
	// revision.
	Status string `json:"status,omitempty"`
	// Created is when the Application's first inventory was created.
	Created time.Time `json:"created"`
	// Inventory is the ApplySet parent that recorded the row.
	Inventory apply.Inventory `json:"inventory"`
	// Source is set on the row of a source.
	Source *Source `json:"source,omitempty"`

	// index is the component's position in its Application.
	index int
}

// Source is what a source's row says about the source. It holds no
// credentials: the inventory records the URL without them.
type Source struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
	Ref  string `json:"ref,omitempty"`
	Path string `json:"path,omitempty"`
	// Revision is the last revision that became healthy.
	Revision string `json:"revision,omitempty"`
}

type appKey struct{ namespace, app string }

// app gathers the rows of one Application.
type app struct {
	key     appKey
	rows    []Row
	seen    map[string]bool
	created time.Time
}

func (a *app) add(r Row, created time.Time) {
	if a.seen[r.Component] {
		return // two inventories record the component: the first wins
	}
	a.seen[r.Component] = true
	a.rows = append(a.rows, r)
	if a.created.IsZero() || created.Before(a.created) {
		a.created = created
	}
}

// Rows turns inventory records into rows, sorted by namespace, App and
// Component. Each record gives the row of its source and those of the
// components it recorded; a record missing parts (edited by hand) gives
// what it has.
func Rows(records []apply.InventoryRecord) []Row {
	recs := append([]apply.InventoryRecord(nil), records...)
	sort.SliceStable(recs, func(i, j int) bool { return inventoryLess(recs[i].Inventory, recs[j].Inventory) })
	apps := map[appKey]*app{}
	add := func(r Row, created time.Time) {
		k := appKey{r.Namespace, r.App}
		a := apps[k]
		if a == nil {
			a = &app{key: k, seen: map[string]bool{}}
			apps[k] = a
		}
		a.add(r, created)
	}
	for _, rec := range recs {
		add(sourceRow(rec), rec.Created)
		for _, c := range rec.Components {
			add(componentRow(rec, c), rec.Created)
		}
	}
	keys := make([]appKey, 0, len(apps))
	for k := range apps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].namespace != keys[j].namespace {
			return keys[i].namespace < keys[j].namespace
		}
		return keys[i].app < keys[j].app
	})
	out := []Row{}
	for _, k := range keys {
		a := apps[k]
		// In the Application's order, as vela lists them.
		sort.SliceStable(a.rows, func(i, j int) bool {
			if a.rows[i].index != a.rows[j].index {
				return a.rows[i].index < a.rows[j].index
			}
			return a.rows[i].Component < a.rows[j].Component
		})
		phase := PhaseRunning
		for _, r := range a.rows {
			if !r.Healthy {
				phase = PhaseUnhealthy
			}
		}
		for _, r := range a.rows {
			r.Phase, r.Created = phase, a.created
			out = append(out, r)
		}
	}
	return out
}

// InNamespace keeps the rows of namespace.
func InNamespace(rows []Row, namespace string) []Row {
	out := []Row{}
	for _, r := range rows {
		if r.Namespace == namespace {
			out = append(out, r)
		}
	}
	return out
}

// sourceRow is the row of the source rec records. The source is healthy
// when a revision became healthy and every component of its last sync
// is.
func sourceRow(rec apply.InventoryRecord) Row {
	r := Row{Namespace: rec.Inventory.Namespace, App: rec.Inventory.Name, Type: SourceType, Inventory: rec.Inventory,
		Healthy: rec.Revision != "", Status: rec.Revision,
		Source: &Source{Name: rec.Inventory.Name, Revision: rec.Revision}}
	if s := rec.Source; s != nil {
		r.Source.Name, r.Source.URL, r.Source.Ref, r.Source.Path = s.Name, s.URL, s.Ref, s.Path
		switch {
		case s.App != "":
			r.App, r.Component, r.index = s.App, s.Component, s.Index
		case s.Name != "":
			r.App = s.Name
		}
	}
	if r.Status == "" {
		r.Status = NoRevision
	}
	for _, c := range rec.Components {
		if !c.Healthy {
			r.Healthy = false
		}
	}
	return r
}

// componentRow is the row of component c that rec recorded.
func componentRow(rec apply.InventoryRecord, c apply.ComponentHealth) Row {
	r := Row{Namespace: c.Namespace, App: c.App, Component: c.Component, Type: c.Type, Healthy: c.Healthy,
		Status: c.Message, Inventory: rec.Inventory, index: c.Index}
	if len(c.Traits) > 0 {
		r.Traits = append([]string(nil), c.Traits...)
	}
	if r.Namespace == "" {
		r.Namespace = rec.Inventory.Namespace
	}
	if r.App == "" {
		r.App = "-"
	}
	return r
}

func inventoryLess(x, y apply.Inventory) bool {
	if x.Namespace != y.Namespace {
		return x.Namespace < y.Namespace
	}
	if x.Name != y.Name {
		return x.Name < y.Name
	}
	return x.Kind < y.Kind
}
