// Package override applies KubeVela `override` policies to an
// Application's components, with KubeVela's exact merge rules:
//
//   - a patch's name is a regular expression (`*` means `.*`), matched
//     unanchored — "api" also patches "api-canary" (kept for compatibility,
//     reported as a warning);
//   - a patch without a name patches every component of its type (or all);
//   - properties merge recursively, lists are replaced whole;
//   - traits match by type; `disable: true` removes one, new types append;
//   - a named patch with a different type replaces the component, and a
//     name that matches nothing adds a component;
//   - `selector` keeps only the listed components.
package override
