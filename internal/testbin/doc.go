// Package testbin is the plumbing of the tests that run this repository's
// binaries the way users do: through kustomize, kpt, kubectl or standalone.
//
// A test package builds its binaries once in TestMain with Main (or Build),
// copies an example into a temporary tree laid out like the repository with
// CopyExample, so that exec paths written relative to the example
// (../../../../bin/render-application) reach the built binaries, runs
// commands with Run or Succeed, finds the external tools with Kustomize and
// Kpt, and compares output with golden files with Golden.
//
// A missing tool fails the test with the command that installs it; nothing
// here skips.
package testbin
