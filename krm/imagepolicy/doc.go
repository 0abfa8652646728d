// Package imagepolicy picks the latest image tag from a list the way Flux's
// image-reflector-controller does: an exclusion list, an optional
// filterTags pattern with extract, and one of the alphabetical, numerical or
// semver policies. The result is always the original tag.
//
// Where Flux leaves ties to chance (it keeps filtered tags in a map), this
// package decides by input order:
//
//   - Two tags with the same extracted value: the later tag in the input
//     stands for the value, at its own position.
//   - numerical: among equal numbers the candidate that comes later wins
//     (as Flux does for an unfiltered list).
//   - semver: among versions of equal precedence (1.0.0 and v1.0.0, or
//     versions that differ only in build metadata) the candidate that comes
//     first wins (as Flux does for an unfiltered list).
//   - alphabetical: values are distinct after extraction, or equal strings.
//
// Load reads the policy from Flux ImagePolicy/ImageRepository objects
// (image.toolkit.fluxcd.io v1 and v1beta2) or a KubeVela imageRepository
// block.
package imagepolicy
