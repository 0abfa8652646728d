// Package cmd holds the kubectl-gitops commands. Each command is an
// <Verb>Options value with Complete, Validate and Run, built by
// NewCmd<Verb>; Run writes data to Out and progress or warnings to ErrOut.
package cmd
