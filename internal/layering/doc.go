// Package layering holds no code: its test checks that the module's
// packages import one another only in the directions the README's Layout
// gives, so a shortcut across layers fails `make test` instead of landing.
package layering
