package order

import (
	"github.com/oamgitops/kubectl-gitops/krm/workflow"
)

// Item is one unit in a wave.
type Item struct {
	// Unit is the workflow unit's ID.
	Unit string
	Kind workflow.Kind
	Step string
	// Component is the component applied ("" unless Kind is apply).
	Component string
	Placement workflow.Placement
	// Duration is a suspend's duration ("" = until resumed).
	Duration string
	// App and AppNamespace name the Application a depends-on-app waits for.
	App, AppNamespace string
	// Parallelism bounds concurrent applies of a deploy step (0 = no bound).
	Parallelism int
	// Objects are the objects to apply.
	Objects []ObjectRef
	// After are the units (in earlier waves) this item waits for.
	After []string
}

// Waits reports whether the item is a waiting point rather than an apply.
func (i Item) Waits() bool {
	return i.Kind == workflow.KindSuspend || i.Kind == workflow.KindApproval || i.Kind == workflow.KindDependsOnApp
}

// Wave is a set of items that may run at once once every earlier wave is done.
type Wave struct {
	Items []Item
}

// Plan is the apply order of an Application.
type Plan struct {
	Waves []Wave
}

// Build layers the selected units of p into waves: a unit goes in the first
// wave after every unit it waits for. objects are the rendered objects by
// unit ID.
func Build(p *workflow.Plan, objects map[string][]ObjectRef) (*Plan, error) {
	g := newGraph(p, objects)
	wave := map[string]int{}
	var selected []*workflow.Unit
	for i := range p.Units {
		if p.Units[i].Selected {
			selected = append(selected, &p.Units[i])
		}
	}
	remaining := len(selected)
	for level := 0; remaining > 0; level++ {
		var placed []string
		for _, u := range selected {
			if _, done := wave[u.ID]; done {
				continue
			}
			ready := true
			for _, a := range g.after(u.ID) {
				if w, done := wave[a]; !done || w >= level {
					ready = false
				}
			}
			if ready {
				placed = append(placed, u.ID)
			}
		}
		if len(placed) == 0 {
			var stuck []string
			for _, u := range selected {
				if _, done := wave[u.ID]; !done {
					stuck = append(stuck, u.ID)
				}
			}
			return nil, &CycleError{Units: stuck}
		}
		for _, id := range placed {
			wave[id] = level
		}
		remaining -= len(placed)
	}
	out := &Plan{}
	for _, u := range selected {
		w := wave[u.ID]
		for len(out.Waves) <= w {
			out.Waves = append(out.Waves, Wave{})
		}
		it := Item{Unit: u.ID, Kind: u.Kind, Step: u.Step, Placement: u.Placement, Duration: u.Duration,
			App: u.App, AppNamespace: u.AppNamespace, Parallelism: u.Parallelism,
			Objects: objects[u.ID], After: g.after(u.ID)}
		if u.Component != nil {
			it.Component = u.Component.Name
		}
		out.Waves[w].Items = append(out.Waves[w].Items, it)
	}
	return out, nil
}
