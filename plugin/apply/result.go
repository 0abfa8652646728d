package apply

import (
	"fmt"
	"strings"

	"github.com/fluxcd/pkg/ssa"
)

// Result is what a sync did to one source: its inventory and what was
// done to each object (`sync -o json` prints it).
type Result struct {
	Source    string    `json:"source"`
	Revision  string    `json:"revision"`
	Inventory Inventory `json:"inventory"`
	Changes   []Change  `json:"changes"`
	// Error is why the sync of the source failed; empty when it did not.
	Error string `json:"error,omitempty"`
}

// Change is what a sync did to one object.
type Change struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Action    string `json:"action"`
}

// Subject names the object: Kind/namespace/name.
func (c Change) Subject() string { return Subject(c.Kind, c.Namespace, c.Name) }

// Summary counts changes by action: "2 created, 1 unchanged".
func Summary(changes []Change) string {
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.Action]++
	}
	var parts []string
	for _, a := range []ssa.Action{ssa.CreatedAction, ssa.ConfiguredAction, ssa.UnchangedAction, ssa.DeletedAction, ssa.SkippedAction, ssa.UnknownAction} {
		if n := counts[string(a)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, a))
		}
	}
	if len(parts) == 0 {
		return "nothing to apply"
	}
	return strings.Join(parts, ", ")
}

// ChangesOf lists what a change set did, one Change per object; suffix
// is appended to each action (" (dry run)"). Never nil, so JSON shows [].
func ChangesOf(cs *ssa.ChangeSet, suffix string) []Change {
	out := []Change{}
	if cs == nil {
		return out
	}
	for _, e := range cs.Entries {
		out = append(out, Change{Kind: e.ObjMetadata.GroupKind.Kind, Namespace: e.ObjMetadata.Namespace,
			Name: e.ObjMetadata.Name, Action: string(e.Action) + suffix})
	}
	return out
}
