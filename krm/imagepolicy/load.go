package imagepolicy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FluxGroup is the API group of Flux's image objects.
const FluxGroup = "image.toolkit.fluxcd.io"

// fluxVersions are the versions Load reads.
var fluxVersions = []string{FluxGroup + "/v1", FluxGroup + "/v1beta2"}

// Source is one policy found by Load, with where it came from.
type Source struct {
	// File is the file name given to Load.
	File string
	// Kind, Namespace and Name identify the object holding the policy
	// (ImagePolicy or Application); Kind is empty for a bare
	// imageRepository block.
	Kind, Namespace, Name string
	// Field is the path of the policy inside the object, e.g. "spec" or
	// "spec.components[0].properties.imageRepository".
	Field string
	// Image is the image repository, when known.
	Image string
	Spec  Spec
}

// Ref is "Kind ns/name", or "imageRepository" for a bare block.
func (s Source) Ref() string {
	if s.Kind == "" {
		return "imageRepository block"
	}
	return s.Kind + " " + s.Namespace + "/" + s.Name
}

// Compile compiles the policy; errors are prefixed with the file, the
// object and the field path.
func (s Source) Compile() (*Selector, error) {
	sel, err := Compile(s.Spec)
	var fe *FieldError
	if errors.As(err, &fe) {
		field := fe.Field
		if s.Field != "" {
			field = s.Field + "." + field
		}
		return nil, fmt.Errorf("%s: %s: %w", s.File, s.Ref(), &FieldError{Field: field, Msg: fe.Msg})
	}
	return sel, err
}

// Load reads the policies in a YAML stream: Flux ImagePolicy objects (with
// the exclusion list and image of the ImageRepository they reference, when
// the stream holds it), the imageRepository blocks of an OAM Application's
// components, or a bare imageRepository block (a document that is the block,
// or holds it under the key imageRepository).
func Load(file string, data []byte) ([]Source, error) {
	docs, err := decodeAll(file, data)
	if err != nil {
		return nil, err
	}
	repos := map[string]*yaml.RNode{}
	for _, d := range docs {
		if isFlux(d) && d.GetKind() == "ImageRepository" {
			repos[namespace(d)+"/"+d.GetName()] = d
		}
	}
	var out []Source
	for i, d := range docs {
		switch {
		case isFlux(d) && d.GetKind() == "ImagePolicy":
			src, err := fluxPolicy(file, d, repos)
			if err != nil {
				return nil, err
			}
			out = append(out, src)
		case isFlux(d):
			if d.GetKind() != "ImageRepository" && d.GetKind() != "ImageUpdateAutomation" {
				return nil, fmt.Errorf("%s: %s %s/%s: unsupported kind", file, d.GetKind(), namespace(d), d.GetName())
			}
		case strings.HasPrefix(d.GetApiVersion(), FluxGroup+"/"):
			return nil, fmt.Errorf("%s: %s %s/%s: apiVersion %s is not supported: use one of %s",
				file, d.GetKind(), namespace(d), d.GetName(), d.GetApiVersion(), strings.Join(fluxVersions, ", "))
		case d.GetKind() == "Application":
			srcs, err := applicationPolicies(file, d)
			if err != nil {
				return nil, err
			}
			out = append(out, srcs...)
		case d.GetKind() == "":
			block, field := d, ""
			if f := d.Field("imageRepository"); f != nil {
				block, field = f.Value, "imageRepository"
			} else if d.Field("policy") == nil {
				return nil, fmt.Errorf("%s: document %d: neither an ImagePolicy, an Application nor an imageRepository block", file, i+1)
			}
			src, err := vela(file, "imageRepository block", block, field)
			if err != nil {
				return nil, err
			}
			out = append(out, src)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no ImagePolicy, Application with an imageRepository, or imageRepository block found", file)
	}
	return out, nil
}

func decodeAll(file string, data []byte) ([]*yaml.RNode, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.RNode
	for i := 1; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not YAML: %w", file, err)
		}
		r := yaml.NewRNode(&n)
		if yaml.IsMissingOrNull(r) || (n.Kind == yaml.DocumentNode && len(n.Content) == 0) {
			continue
		}
		if r.YNode().Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: document %d: expected a mapping, got %s", file, i, kindName(r.YNode()))
		}
		docs = append(docs, r)
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "another node kind"
}

func isFlux(d *yaml.RNode) bool {
	for _, v := range fluxVersions {
		if d.GetApiVersion() == v {
			return true
		}
	}
	return false
}

func namespace(d *yaml.RNode) string {
	if ns := d.GetNamespace(); ns != "" {
		return ns
	}
	return "default"
}

// decodeField decodes the node at path (if present) into v, naming the
// field in errors.
func decodeField(file, ref, field string, n *yaml.RNode, v any) error {
	if n == nil || yaml.IsMissingOrNull(n) {
		return nil
	}
	if err := n.YNode().Decode(v); err != nil {
		return fmt.Errorf("%s: %s: %s: %w", file, ref, field, err)
	}
	return nil
}

func fluxPolicy(file string, d *yaml.RNode, repos map[string]*yaml.RNode) (Source, error) {
	src := Source{File: file, Kind: "ImagePolicy", Namespace: namespace(d), Name: d.GetName(), Field: "spec"}
	spec, _ := d.Pipe(yaml.Lookup("spec"))
	if spec == nil {
		return src, fmt.Errorf("%s: %s: spec: missing", file, src.Ref())
	}
	if err := decodeField(file, src.Ref(), "spec", spec, &src.Spec); err != nil {
		return src, err
	}
	var ref struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	}
	refNode, _ := spec.Pipe(yaml.Lookup("imageRepositoryRef"))
	if err := decodeField(file, src.Ref(), "spec.imageRepositoryRef", refNode, &ref); err != nil {
		return src, err
	}
	if ref.Namespace == "" {
		ref.Namespace = src.Namespace
	}
	if repo := repos[ref.Namespace+"/"+ref.Name]; repo != nil {
		var rs struct {
			Image         string   `yaml:"image"`
			ExclusionList []string `yaml:"exclusionList"`
		}
		repoRef := "ImageRepository " + ref.Namespace + "/" + ref.Name
		rspec, _ := repo.Pipe(yaml.Lookup("spec"))
		if err := decodeField(file, repoRef, "spec", rspec, &rs); err != nil {
			return src, err
		}
		src.Image, src.Spec.ExclusionList = rs.Image, rs.ExclusionList
	}
	return src, nil
}

func applicationPolicies(file string, app *yaml.RNode) ([]Source, error) {
	comps, _ := app.Pipe(yaml.Lookup("spec", "components"))
	if comps == nil || comps.YNode().Kind != yaml.SequenceNode {
		return nil, nil
	}
	var out []Source
	for i, c := range comps.YNode().Content {
		block, _ := yaml.NewRNode(c).Pipe(yaml.Lookup("properties", "imageRepository"))
		if block == nil {
			continue
		}
		field := fmt.Sprintf("spec.components[%d].properties.imageRepository", i)
		ref := Source{Kind: "Application", Namespace: namespace(app), Name: app.GetName()}
		src, err := vela(file, ref.Ref(), block, field)
		if err != nil {
			return nil, err
		}
		src.Kind, src.Namespace, src.Name = ref.Kind, ref.Namespace, ref.Name
		out = append(out, src)
	}
	return out, nil
}

// vela reads a KubeVela imageRepository block.
func vela(file, ref string, block *yaml.RNode, field string) (Source, error) {
	src := Source{File: file, Field: field}
	var b struct {
		Image string `yaml:"image"`
		Spec  `yaml:",inline"`
	}
	if err := block.YNode().Decode(&b); err != nil {
		return src, fmt.Errorf("%s: %s: %s%w", file, ref, prefix(field), err)
	}
	src.Image, src.Spec = b.Image, b.Spec
	return src, nil
}

// prefix is "field: ", or nothing for the document itself.
func prefix(field string) string {
	if field == "" {
		return ""
	}
	return field + ": "
}
