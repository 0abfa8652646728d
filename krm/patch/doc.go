// Package patch merges a trait's patch into a workload the way KubeVela
// does: unification, steered by comment tags on the patch's fields.
//
//   - `// +patchKey=<field>` on a list: elements match by that field (the
//     tag is inherited by everything below); matched elements merge,
//     unmatched base elements stay, new ones are appended. When an element
//     lacks the key, the lists merge by index instead.
//   - `// +patchStrategy=retainKeys` on a field: the patch value replaces
//     the base value (inside a keyed list: the patch element replaces the
//     matched base element).
//   - `// +patchStrategy=replace` on a list: the patch list replaces the base.
//
// Anything else unifies: structs merge field by field and two different
// scalars at one path conflict. JSON merge patch (RFC 7396) and JSON patch
// (RFC 6902) are here too, for traits that ask for them.
package patch
