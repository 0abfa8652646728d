package fnconfig

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Config is a function config: a pointer to a struct that Load fills,
// then defaults and validates.
type Config interface {
	Default() error
	Validate() error
}

// Kind is an apiVersion and kind a function accepts as its config.
type Kind struct{ APIVersion, Kind string }

func (k Kind) String() string { return k.APIVersion + " " + k.Kind }

// ErrNotAccepted means the config is of an apiVersion and kind the function
// does not take.
var ErrNotAccepted = errors.New("is not accepted")

// Load reads src, a function's config, into cfg and says whether one was
// given. Without one (src nil, of no kind, or kpt's default ConfigMap with
// no data) cfg keeps what the caller put in it and is defaulted and
// validated. Otherwise src must be of one of the accepted kinds and hold
// only fields cfg has; it is decoded into cfg, defaulted and validated.
func Load(src *yaml.RNode, cfg Config, accepted ...Kind) (given bool, err error) {
	if src == nil || src.GetKind() == "" || kptDefault(src) {
		return false, check(cfg)
	}
	k := Kind{APIVersion: src.GetApiVersion(), Kind: src.GetKind()}
	if !contains(accepted, k) {
		if k == (Kind{APIVersion: "v1", Kind: "ConfigMap"}) {
			return true, fmt.Errorf("a ConfigMap with data (kpt fn eval -- key=value) %w: give a config of kind %s", ErrNotAccepted, list(accepted))
		}
		return true, fmt.Errorf("%s %w: expected %s", k, ErrNotAccepted, list(accepted))
	}
	if err := strict(src, cfg); err != nil {
		return true, err
	}
	text, err := src.String()
	if err != nil {
		return true, err
	}
	if err := sigsyaml.Unmarshal([]byte(text), cfg); err != nil {
		return true, fmt.Errorf("%s: %s", k, plain(err))
	}
	return true, check(cfg)
}

func check(cfg Config) error {
	if err := cfg.Default(); err != nil {
		return err
	}
	return cfg.Validate()
}

// strict refuses the fields of src (but metadata) that cfg's type has
// not, naming the first by its path.
func strict(src *yaml.RNode, cfg Config) error {
	var unknown []string
	for i := 0; i+1 < len(src.YNode().Content); i += 2 {
		key := src.YNode().Content[i].Value
		if key == "metadata" {
			continue
		}
		unknown = append(unknown, unknownFields(src.YNode().Content[i:i+2], reflect.TypeOf(cfg), "")...)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("%s %s: unknown field %q", src.GetApiVersion(), src.GetKind(), unknown[0])
	}
	return nil
}

// unknownFields walks key/value pairs of a mapping against t, returning the
// paths of keys t has no field for.
func unknownFields(pairs []*yaml.Node, t reflect.Type, path string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		key, val := pairs[i].Value, pairs[i+1]
		p := key
		if path != "" {
			p = path + "." + key
		}
		switch t.Kind() {
		case reflect.Struct:
			ft, ok := fieldType(t, key)
			if !ok {
				out = append(out, p)
				continue
			}
			out = append(out, valueFields(val, ft, p)...)
		case reflect.Map:
			out = append(out, valueFields(val, t.Elem(), p)...)
		}
	}
	return out
}

// valueFields checks one value of type t at path.
func valueFields(val *yaml.Node, t reflect.Type, path string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case val.Kind == yaml.MappingNode && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
		return unknownFields(val.Content, t, path)
	case val.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		var out []string
		for i, item := range val.Content {
			out = append(out, valueFields(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil // scalars, and any: the decoder checks their types
}

// fieldType is the type of t's field whose JSON name is name, looking into
// inlined and embedded structs.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if (f.Anonymous && tag == "") || strings.Contains(","+opts+",", ",inline,") {
			if ft, ok := fieldType(derefType(f.Type), name); ok {
				return ft, true
			}
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag == name && f.IsExported() {
			return f.Type, true
		}
	}
	return nil, false
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// plain drops the JSON decoder's layers from a decode error: `unknown
// field "spec.clusterVersio"` is what the user needs.
func plain(err error) string {
	msg := err.Error()
	for _, p := range []string{"error unmarshaling JSON: ", "while decoding JSON: ", "json: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return msg
}

// kptDefault reports a ConfigMap with no data: what `kpt fn eval` passes
// when the user gives no config.
func kptDefault(src *yaml.RNode) bool {
	if src.GetApiVersion() != "v1" || src.GetKind() != "ConfigMap" {
		return false
	}
	for _, field := range []string{"data", "binaryData"} {
		if f := src.Field(field); f != nil && !yaml.IsMissingOrNull(f.Value) && len(f.Value.Content()) > 0 {
			return false
		}
	}
	return true
}

func contains(kinds []Kind, k Kind) bool {
	for _, a := range kinds {
		if a == k {
			return true
		}
	}
	return false
}

func list(kinds []Kind) string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k.String()
	}
	return strings.Join(parts, " or ")
}

// Result is the error result of a config that did not load: "function
// config: <err>", naming src's file and object.
func Result(src *yaml.RNode, err error) *framework.Result {
	r := &framework.Result{Message: "function config: " + err.Error(), Severity: framework.Error}
	if src == nil {
		return r
	}
	r.ResourceRef = &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: src.GetApiVersion(), Kind: src.GetKind()},
		NameMeta: yaml.NameMeta{Name: src.GetName(), Namespace: src.GetNamespace()}}
	if s := oam.SourceOf(src); s.File != "" {
		r.File = &framework.File{Path: s.File, Index: s.Index}
	}
	return r
}
