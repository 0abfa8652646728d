package imageauto

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/google/go-containerregistry/pkg/name"
)

// Commit message templates.
const (
	// Subject starts every commit message unless a Flux
	// ImageUpdateAutomation gives its own template, so that CI can skip the
	// commits this tool makes.
	Subject = "Update image automatically."
	// DefaultMessageTemplate is used when neither an imageRepository block
	// nor an ImageUpdateAutomation gives a message.
	DefaultMessageTemplate = Subject + "\n\n{{range .Updated.Images}}- {{.}}\n{{end}}"
)

// CommitData is what a commit message template sees. Both of Flux's data
// models are there: v1's .AutomationObject, .Changed and .Values, and the
// older .Updated (each image prints as name:tag) that KubeVela's
// imageRepository commitMessage uses:
//
//	Image: {{range .Updated.Images}}{{println .}}{{end}}
//	{{range .Changed.Changes}}{{.OldValue}} -> {{.NewValue}}{{end}}
//
// Maps are ranged over in sorted key order, so messages are deterministic.
type CommitData struct {
	// AutomationObject is the ImageUpdateAutomation, or the Application
	// declaring the imageRepository block.
	AutomationObject ObjectName
	Changed          Changed
	Updated          Updated
	// Values are the automation's messageTemplateValues.
	Values map[string]string
}

// ObjectName is a namespace and a name.
type ObjectName struct {
	Namespace, Name string
}

func (o ObjectName) String() string { return o.Namespace + "/" + o.Name }

// ObjectID names an object in a file.
type ObjectID struct {
	Kind, Namespace, Name string
}

func (o ObjectID) String() string {
	s := o.Name
	if o.Namespace != "" {
		s = o.Namespace + "/" + s
	}
	if o.Kind != "" {
		s = o.Kind + " " + s
	}
	return s
}

// parseObjectID reads setters' "Kind ns/name" (or "document N").
func parseObjectID(s string) ObjectID {
	kind, rest, ok := strings.Cut(s, " ")
	if !ok || kind == "document" {
		return ObjectID{Name: s}
	}
	if ns, n, ok := strings.Cut(rest, "/"); ok {
		return ObjectID{Kind: kind, Namespace: ns, Name: n}
	}
	return ObjectID{Kind: kind, Name: rest}
}

// Change is one rewritten field (Flux v1's update.Change).
type Change struct {
	OldValue, NewValue string
	// Setter is the marker, e.g. "default:apps" or "flux-system:app:tag".
	Setter string
}

// ObjectChanges are the changes of each object.
type ObjectChanges map[ObjectID][]Change

// Changed is the v1 model: .Changed.FileChanges, .Changed.Objects,
// .Changed.Changes.
type Changed struct {
	// FileChanges are keyed by path relative to the repository root.
	FileChanges map[string]ObjectChanges
}

// Changes lists every change, by file, then object (kind, namespace,
// name), then position.
func (c Changed) Changes() []Change {
	var out []Change
	for _, f := range slices.Sorted(maps.Keys(c.FileChanges)) {
		objs := c.FileChanges[f]
		for _, id := range sortedIDs(objs) {
			out = append(out, objs[id]...)
		}
	}
	return out
}

// Objects merges the changes of every file by object.
func (c Changed) Objects() ObjectChanges {
	out := ObjectChanges{}
	for _, f := range slices.Sorted(maps.Keys(c.FileChanges)) {
		for id, cs := range c.FileChanges[f] {
			out[id] = append(out[id], cs...)
		}
	}
	return out
}

// ImageRef is an image a policy selected; it prints as name:tag (with
// @digest when known).
type ImageRef struct {
	// Image is the repository, e.g. ghcr.io/org/app.
	Image, Tag, Digest string
	policy             ObjectName
}

func (r ImageRef) String() string {
	s := r.Image + ":" + r.Tag
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Name is the repository with its registry, e.g. ghcr.io/org/app.
func (r ImageRef) Name() string { return r.Image }

// Identifier is the tag, or the digest when there is no tag.
func (r ImageRef) Identifier() string {
	if r.Tag != "" {
		return r.Tag
	}
	return r.Digest
}

// Repository is the path within the registry, e.g. org/app.
func (r ImageRef) Repository() string {
	if repo, err := name.NewRepository(r.Image); err == nil {
		return repo.RepositoryStr()
	}
	return r.Image
}

// Registry is the registry's host, e.g. ghcr.io.
func (r ImageRef) Registry() string {
	if repo, err := name.NewRepository(r.Image); err == nil {
		return repo.RegistryStr()
	}
	return ""
}

// Policy names the policy that selected the image.
func (r ImageRef) Policy() ObjectName { return r.policy }

// FileResult holds the images set in one file, by object.
type FileResult struct {
	Objects map[ObjectID][]ImageRef
}

// Updated is the older model: .Updated.Images, .Updated.Files,
// .Updated.Objects.
type Updated struct {
	// Files are keyed by path relative to the repository root.
	Files map[string]FileResult
}

// Images lists each image set once, sorted.
func (u Updated) Images() []ImageRef {
	seen := map[string]ImageRef{}
	for _, f := range u.Files {
		for _, refs := range f.Objects {
			for _, r := range refs {
				seen[r.String()] = r
			}
		}
	}
	out := make([]ImageRef, 0, len(seen))
	for _, k := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, seen[k])
	}
	return out
}

// Objects merges the images of every file by object.
func (u Updated) Objects() map[ObjectID][]ImageRef {
	out := map[ObjectID][]ImageRef{}
	for _, f := range slices.Sorted(maps.Keys(u.Files)) {
		for id, refs := range u.Files[f].Objects {
			out[id] = append(out[id], refs...)
		}
	}
	return out
}

func sortedIDs[V any](m map[ObjectID]V) []ObjectID {
	ids := make([]ObjectID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	// The order text/template ranges over a map keyed by ObjectID: field
	// by field.
	sort.Slice(ids, func(i, j int) bool {
		a, b := ids[i], ids[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return ids
}

// ParseTemplate parses a commit message template with sprig's hermetic
// functions (no environment, network, clock or randomness).
func ParseTemplate(text string) (*template.Template, error) {
	t, err := template.New("commit message").Funcs(sprig.HermeticTxtFuncMap()).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("commit message template: %w", err)
	}
	return t, nil
}

// RenderMessage executes t over data. An empty result is an error.
func RenderMessage(t *template.Template, data CommitData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("commit message template: %w", err)
	}
	if strings.TrimSpace(b.String()) == "" {
		return "", fmt.Errorf("commit message template: the message is empty")
	}
	return b.String(), nil
}
