// Package setters rewrites the YAML scalars marked with Flux's
// `$imagepolicy` setter comments:
//
//	image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "flux-system:app"}
//	tag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}
//	images:
//	  # {"$imagepolicy": "flux-system:app:name"}
//	  - ghcr.io/org/app
//
// The marker is a comment at the end of the scalar's line, or on the line
// above a sequence item (not above a `key: value` field). Its value is
// "NS:NAME" (image:tag, plus @digest when known), "NS:NAME:tag",
// "NS:NAME:name" or "NS:NAME:digest".
//
// SetBytes edits a file's bytes in place: only the marked scalars' bytes
// change, keeping comments, quoting, indentation and key order. A value
// that would read as another type in YAML (1.10, 5, true) is written
// double-quoted, and an explicit non-string tag on it is removed. SetNodes
// does the same on parsed nodes, for KRM functions. Markers naming a policy
// that is not given are left alone and reported as debug notes.
package setters
