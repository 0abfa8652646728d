// Package oam holds the OAM Application model (core.oam.dev/v1beta1) and
// turns YAML nodes into it, reporting mistakes with the file, the object and
// the field path at fault.
//
// Values inside properties are kept as plain Go data (map[string]any, []any,
// string, int64, float64, bool, nil) so they can be handed to CUE unchanged.
package oam
