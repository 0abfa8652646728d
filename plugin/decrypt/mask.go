package decrypt

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Mask replaces a decrypted value wherever it is shown.
const Mask = "***"

// minRedactLen is the shortest value taken out of free text: shorter ones
// would blank ordinary words of a message. Objects are masked whatever the
// length (Mask).
const minRedactLen = 4

// secrets are the decrypted values and their base64 forms (Secret data),
// longest first so that a value holding another is masked whole.
func (d *Decrypter) secrets() []string {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for v := range d.values {
		out = append(out, v, base64.StdEncoding.EncodeToString([]byte(v)))
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// Redact is s with every decrypted value of at least four characters (and
// its base64 form) replaced by Mask.
func (d *Decrypter) Redact(s string) string {
	for _, v := range d.secrets() {
		if len(v) >= minRedactLen {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}

// RedactError is err with its message redacted; nil stays nil. The
// result wraps nothing when a value was taken out (errors.Is on the
// original would reach the unredacted text), else it is err.
func (d *Decrypter) RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := d.Redact(msg); red != msg {
		return &redactedError{msg: red, kinds: err}
	}
	return err
}

// redactedError keeps errors.Is working against sentinel errors without
// giving Unwrap's callers the original text.
type redactedError struct {
	msg   string
	kinds error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports the sentinels the original wrapped.
func (e *redactedError) Is(target error) bool { return errors.Is(e.kinds, target) }

// MaskObjects replaces, in every object, each string value that is a
// decrypted value or its base64 form with Mask, and a value of at least
// four characters inside a longer string (a line of a generated file) as
// Redact does; it says how many strings it changed: what `build` prints
// holds no plaintext.
func (d *Decrypter) MaskObjects(nodes []*yaml.RNode) int {
	set := map[string]bool{}
	for _, v := range d.secrets() {
		set[v] = true
	}
	if len(set) == 0 {
		return 0
	}
	n := 0
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		if y.Kind == yaml.ScalarNode {
			if set[y.Value] {
				y.Value, y.Style = Mask, 0
				n++
			} else if red := d.Redact(y.Value); red != y.Value {
				y.Value = red
				n++
			}
		}
		for _, c := range y.Content {
			walk(c)
		}
	}
	for _, node := range nodes {
		walk(node.YNode())
	}
	return n
}
