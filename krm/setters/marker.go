package setters

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MarkerKey is the JSON key of a setter comment.
const MarkerKey = "$imagepolicy"

// ErrMarker is wrapped by errors about a malformed marker.
var ErrMarker = errors.New("malformed $imagepolicy marker")

// Part is what a marker sets.
type Part string

// Parts.
const (
	// Full is IMAGE:TAG, or IMAGE:TAG@DIGEST when the digest is known.
	Full Part = ""
	// TagPart is the tag alone.
	TagPart Part = "tag"
	// NamePart is the image name alone.
	NamePart Part = "name"
	// DigestPart is the digest alone.
	DigestPart Part = "digest"
)

func (p Part) String() string {
	if p == Full {
		return "full"
	}
	return string(p)
}

// Marker is a parsed setter comment.
type Marker struct {
	Namespace, Name string
	Part            Part
}

// PolicyID is "NS:NAME".
func (m Marker) PolicyID() string { return m.Namespace + ":" + m.Name }

// String is the marker's value, e.g. "flux-system:app:tag".
func (m Marker) String() string {
	if m.Part == Full {
		return m.PolicyID()
	}
	return m.PolicyID() + ":" + string(m.Part)
}

// ParseMarker reads a YAML comment (with or without its "#"). It returns
// false when the comment is not a setter comment, and an error wrapping
// ErrMarker when it is one with a bad value.
func ParseMarker(comment string) (Marker, bool, error) {
	text := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(comment), "#"))
	if !strings.HasPrefix(text, "{") || !strings.Contains(text, MarkerKey) {
		return Marker{}, false, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &fields); err != nil {
		return Marker{}, false, nil
	}
	raw, ok := fields[MarkerKey]
	if !ok {
		return Marker{}, false, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return Marker{}, true, fmt.Errorf("%w: %s must be a string, got %s", ErrMarker, MarkerKey, raw)
	}
	parts := strings.Split(v, ":")
	m := Marker{}
	switch len(parts) {
	case 2:
		m.Namespace, m.Name = parts[0], parts[1]
	case 3:
		m.Namespace, m.Name, m.Part = parts[0], parts[1], Part(parts[2])
		if m.Part != TagPart && m.Part != NamePart && m.Part != DigestPart {
			return Marker{}, true, fmt.Errorf("%w: %q: the third part must be tag, name or digest", ErrMarker, v)
		}
	default:
		return Marker{}, true, fmt.Errorf("%w: %q: expected NAMESPACE:NAME or NAMESPACE:NAME:tag|name|digest", ErrMarker, v)
	}
	if m.Namespace == "" || m.Name == "" {
		return Marker{}, true, fmt.Errorf("%w: %q: namespace and name must not be empty", ErrMarker, v)
	}
	return m, true, nil
}

// Policy is the latest image a policy selected.
type Policy struct {
	Namespace string `json:"namespace" yaml:"namespace"`
	Name      string `json:"name" yaml:"name"`
	// Image is the repository, without tag, e.g. ghcr.io/org/app.
	Image string `json:"image" yaml:"image"`
	Tag   string `json:"tag" yaml:"tag"`
	// Digest is optional, e.g. sha256:….
	Digest string `json:"digest,omitempty" yaml:"digest,omitempty"`
}

// ID is "NS:NAME", the form markers use.
func (p Policy) ID() string { return p.Namespace + ":" + p.Name }

// Value is what a marker for part is set to; false when the policy does
// not know it (a digest that was not resolved).
func (p Policy) Value(part Part) (string, bool) {
	switch part {
	case TagPart:
		return p.Tag, p.Tag != ""
	case NamePart:
		return p.Image, p.Image != ""
	case DigestPart:
		return p.Digest, p.Digest != ""
	}
	if p.Image == "" || p.Tag == "" {
		return "", false
	}
	v := p.Image + ":" + p.Tag
	if p.Digest != "" {
		v += "@" + p.Digest
	}
	return v, true
}

// Policies are keyed by ID.
type Policies map[string]Policy

// NewPolicies indexes ps; a later policy with the same ID replaces an
// earlier one.
func NewPolicies(ps ...Policy) Policies {
	out := Policies{}
	for _, p := range ps {
		out[p.ID()] = p
	}
	return out
}

// ParsePolicy reads "NS:NAME=IMAGE:TAG[@DIGEST]".
func ParsePolicy(s string) (Policy, error) {
	id, ref, ok := strings.Cut(s, "=")
	ns, name, ok2 := strings.Cut(id, ":")
	if !ok || !ok2 || ns == "" || name == "" || strings.Contains(name, ":") {
		return Policy{}, fmt.Errorf("policy %q: expected NAMESPACE:NAME=IMAGE:TAG[@DIGEST]", s)
	}
	p := Policy{Namespace: ns, Name: name}
	if at := strings.LastIndexByte(ref, '@'); at >= 0 {
		ref, p.Digest = ref[:at], ref[at+1:]
		if p.Digest == "" {
			return Policy{}, fmt.Errorf("policy %q: empty digest after @", s)
		}
	}
	colon := strings.LastIndexByte(ref, ':')
	if colon < 0 || strings.Contains(ref[colon:], "/") || colon == len(ref)-1 || colon == 0 {
		return Policy{}, fmt.Errorf("policy %q: expected IMAGE:TAG after =, e.g. ghcr.io/org/app:1.2.3", s)
	}
	p.Image, p.Tag = ref[:colon], ref[colon+1:]
	return p, nil
}
