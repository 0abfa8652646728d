// Package decrypt opens files encrypted with SOPS (age keys) in memory, as
// a build reads them: the plaintext is handed to the build and never
// written anywhere, and the values it held are remembered so that output,
// errors and logs can mask them.
//
// Keys come from a Secret the source names (decryption.secretRef, Flux's
// format: each key ending in .agekey holds age identities) or, for
// commands run from a terminal, from SOPS_AGE_KEY_FILE or SOPS_AGE_KEY.
// Only age is supported: a file whose data key is only encrypted for PGP or
// a cloud KMS fails with a message saying so. Nothing here runs a command,
// reads the user's home or contacts a key service.
package decrypt
