package render

import (
	"errors"
	"fmt"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/fnconfig"
	"github.com/oamgitops/kubectl-gitops/krm/helm"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
)

// Function is the render-application KRM function: every Application among
// the items is replaced by the objects it renders; definitions among the
// items are used and dropped; everything else passes through untouched.
// When anything fails, the items are left as they were and every problem is
// an error result.
type Function struct {
	// Builtins are the definitions available to every render.
	Builtins *definition.Registry
	// LoadDir reads the definitions in a directory named by the config.
	// Nil refuses configs that name directories.
	LoadDir func(dir string) ([]*definition.Definition, error)
	// Parallelism is how many Applications render at once, each worker
	// with its own compiled templates. Default (0): GOMAXPROCS.
	Parallelism int
	// Used, when set, receives the definitions each Render rendered with
	// (built-ins, definition directories and definitions among the items),
	// so a caller can judge the health of what it applies by the same
	// rules. Default nil.
	Used func(*definition.Registry)
	// Charts hands `helm` components their charts and the valuesFrom
	// objects not among the items (ConfigMaps and Secrets among the items
	// are used first). Default nil: helm components fail to render.
	Charts helm.Source
}

var _ framework.ResourceListProcessor = Function{}

// Process implements framework.ResourceListProcessor.
func (f Function) Process(rl *framework.ResourceList) error {
	cfg := &Config{APIVersion: ConfigAPIVersion, Kind: ConfigKind}
	if _, err := fnconfig.Load(rl.FunctionConfig, cfg, ConfigIdentity); err != nil {
		rl.Results = append(rl.Results, fnconfig.Result(rl.FunctionConfig, err))
		return rl.Results
	}
	items, results := f.Render(rl.Items, cfg)
	rl.Results = append(rl.Results, results...)
	if results.ExitCode() != 0 {
		rl.Results.Sort()
		return rl.Results
	}
	rl.Items = items
	return nil
}

// Render expands the Applications among items. It returns the new items
// and the results; on any error result the items must not be used.
func (f Function) Render(items []*yaml.RNode, cfg *Config) ([]*yaml.RNode, framework.Results) {
	var results framework.Results
	reg := definition.NewRegistry()
	if f.Builtins != nil {
		reg = f.Builtins.Clone()
	}
	for i, dir := range cfg.Spec.DefinitionDirs {
		if f.LoadDir == nil {
			results = append(results, &framework.Result{Severity: framework.Error,
				Message: fmt.Sprintf("function config: spec.definitionDirs[%d]: definition directories are not available here", i)})
			continue
		}
		defs, err := f.LoadDir(dir)
		if err != nil {
			results = append(results, &framework.Result{Severity: framework.Error,
				Message: fmt.Sprintf("function config: spec.definitionDirs[%d]: %v", i, err)})
			continue
		}
		reg.Add(defs...)
	}
	var rest []*yaml.RNode
	for _, it := range items {
		if !definition.IsObject(it) {
			rest = append(rest, it)
			continue
		}
		src := oam.SourceOf(it)
		d, err := definition.FromObject(src.File, it)
		if err != nil {
			results = append(results, itemResult(it, err))
			continue
		}
		reg.Add(d)
	}
	if results.ExitCode() != 0 {
		return items, results
	}
	if f.Used != nil {
		f.Used(reg)
	}

	opts := cfg.Options()
	opts.Charts = withItemValues(f.Charts, rest)
	rendered := renderAll(reg, opts, rest, f.Parallelism)
	var out []*yaml.RNode
	owners := owners{}
	for i, it := range rest {
		if !oam.IsApplication(it) {
			if err := suspect(it); err != nil {
				results = append(results, itemResult(it, err))
				continue
			}
			if r := owners.claim(it, it); r != nil {
				results = append(results, r)
			}
			out = append(out, it)
			continue
		}
		res, err := rendered[i].res, rendered[i].err
		if err != nil {
			results = append(results, errorResults(it, err)...)
			continue
		}
		for _, w := range res.Warnings {
			results = append(results, warningResult(it, w))
		}
		objs, err := toNodes(it, res.Objects)
		if err != nil {
			return items, append(results, itemResult(it, err))
		}
		for _, o := range objs {
			if r := owners.claim(o, it); r != nil {
				results = append(results, r)
			}
		}
		out = append(out, objs...)
		if cfg.Spec.KeepApplications {
			out = append(out, it)
		}
	}
	if results.ExitCode() != 0 {
		return items, results
	}
	renumber(out)
	return out, results
}

// toNodes turns rendered objects into items that sit in the Application's file.
func toNodes(app *yaml.RNode, objs []Object) ([]*yaml.RNode, error) {
	src := app.GetAnnotations(kioutil.PathAnnotation, kioutil.LegacyPathAnnotation)
	out := make([]*yaml.RNode, 0, len(objs))
	for _, o := range objs {
		n := yaml.NewRNode(oam.ToNode(o.Object))
		for _, k := range []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation} {
			if v, ok := src[k]; ok {
				if err := n.PipeE(yaml.SetAnnotation(k, v)); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// renumber gives items of one file consecutive indexes, as kpt and kustomize
// expect when they write items back to files.
func renumber(items []*yaml.RNode) {
	next := map[string]int{}
	for _, it := range items {
		path, _, _ := kioutil.GetFileAnnotations(it)
		if path == "" {
			continue
		}
		idx := strconv.Itoa(next[path])
		next[path]++
		anns := it.GetAnnotations()
		for _, pair := range [][2]string{{kioutil.IndexAnnotation, kioutil.PathAnnotation}, {kioutil.LegacyIndexAnnotation, kioutil.LegacyPathAnnotation}} {
			if _, has := anns[pair[1]]; has {
				_ = it.PipeE(yaml.SetAnnotation(pair[0], idx))
			}
		}
	}
}

func ref(it *yaml.RNode) *yaml.ResourceIdentifier {
	return &yaml.ResourceIdentifier{
		TypeMeta: yaml.TypeMeta{APIVersion: it.GetApiVersion(), Kind: it.GetKind()},
		NameMeta: yaml.NameMeta{Name: it.GetName(), Namespace: it.GetNamespace()},
	}
}

func fileOf(it *yaml.RNode) *framework.File {
	src := oam.SourceOf(it)
	if src.File == "" {
		return nil
	}
	return &framework.File{Path: src.File, Index: src.Index}
}

func itemResult(it *yaml.RNode, err error) *framework.Result {
	return &framework.Result{Message: err.Error(), Severity: framework.Error, ResourceRef: ref(it), File: fileOf(it)}
}

// errorResults turns render errors into one result per field error.
func errorResults(it *yaml.RNode, err error) []*framework.Result {
	var out []*framework.Result
	for _, e := range flatten(err) {
		r := itemResult(it, e)
		var fe *oam.FieldError
		if errors.As(e, &fe) && fe.Field != "" {
			r.Field = &framework.Field{Path: fe.Field}
		}
		out = append(out, r)
	}
	return out
}

// warningResult names the file, the Application and the field in the
// message, as an error does.
func warningResult(it *yaml.RNode, w Warning) *framework.Result {
	msg := (&oam.FieldError{Source: oam.SourceOf(it), Object: refOf(it), Field: w.Field, Err: errors.New(w.Message)}).Error()
	r := &framework.Result{Message: msg, Severity: framework.Warning, ResourceRef: ref(it), File: fileOf(it)}
	if w.Field != "" {
		r.Field = &framework.Field{Path: w.Field}
	}
	return r
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
