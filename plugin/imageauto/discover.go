package imageauto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// fluxVersions are the versions of Flux's image objects read from a
// source.
var fluxVersions = map[string]bool{imagepolicy.FluxGroup + "/v1": true, imagepolicy.FluxGroup + "/v1beta2": true}

// Automation is a Flux ImageUpdateAutomation found in a source: how to
// commit and where to push.
type Automation struct {
	// File is its file, relative to the repository root.
	File            string
	Namespace, Name string
	// Spec holds the fields read; others are ignored.
	Spec AutomationSpec
}

// AutomationSpec is the part of an ImageUpdateAutomation's spec that is
// honoured.
type AutomationSpec struct {
	Git struct {
		Checkout struct {
			Ref struct {
				Branch string `yaml:"branch"`
			} `yaml:"ref"`
		} `yaml:"checkout"`
		Commit struct {
			Author struct {
				Name  string `yaml:"name"`
				Email string `yaml:"email"`
			} `yaml:"author"`
			MessageTemplate       string            `yaml:"messageTemplate"`
			MessageTemplateValues map[string]string `yaml:"messageTemplateValues"`
		} `yaml:"commit"`
		Push struct {
			Branch  string `yaml:"branch"`
			Refspec string `yaml:"refspec"`
		} `yaml:"push"`
	} `yaml:"git"`
	Update struct {
		Path     string `yaml:"path"`
		Strategy string `yaml:"strategy"`
	} `yaml:"update"`
	PolicySelector any `yaml:"policySelector"`
}

// Ref is "ImageUpdateAutomation ns/name".
func (a *Automation) Ref() string { return "ImageUpdateAutomation " + a.Namespace + "/" + a.Name }

// found is what a source's files declare: Flux ImagePolicies (with the
// image, exclusion list and secret of the ImageRepository each refers to)
// and at most one ImageUpdateAutomation.
type found struct {
	policies []imagepolicy.Source
	// secrets maps a policy's ID to its ImageRepository's secretRef.
	secrets    map[string]string
	automation *Automation
	notes      []string
}

// fluxDoc is one Flux image object and the file it is in.
type fluxDoc struct {
	file string
	node *yaml.RNode
}

func (d fluxDoc) id() string { return namespace(d.node) + "/" + d.node.GetName() }

func (d fluxDoc) ref() string { return d.file + ": " + d.node.GetKind() + " " + d.id() }

func namespace(n *yaml.RNode) string {
	if ns := n.GetNamespace(); ns != "" {
		return ns
	}
	return "default"
}

// discover reads the Flux image objects in the YAML files under dir (a
// path relative to the checkout root). Files that do not parse are noted
// and skipped; symlinks are not followed.
func discover(root, dir string) (*found, error) {
	f := &found{secrets: map[string]string{}}
	var docs []fluxDoc
	start := filepath.Join(root, filepath.FromSlash(dir))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != start {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.Type().IsRegular() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(data, []byte(imagepolicy.FluxGroup)) {
			return nil
		}
		found, err := fluxDocs(rel, data)
		if err != nil {
			f.notes = append(f.notes, err.Error()+"; skipped")
			return nil
		}
		docs = append(docs, found...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return f, f.read(docs)
}

// fluxDocs returns the Flux image objects of a YAML stream.
func fluxDocs(file string, data []byte) ([]fluxDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []fluxDoc
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not YAML: %v", file, err)
		}
		r := yaml.NewRNode(&n)
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			r = yaml.NewRNode(n.Content[0])
		}
		if r.YNode().Kind != yaml.MappingNode {
			continue
		}
		if strings.HasPrefix(r.GetApiVersion(), imagepolicy.FluxGroup+"/") {
			out = append(out, fluxDoc{file: file, node: r})
		}
	}
}

// read sorts the objects out: policies with their repositories, and the
// automation.
func (f *found) read(docs []fluxDoc) error {
	repos := map[string]fluxDoc{}
	var policies, automations []fluxDoc
	for _, d := range docs {
		if !fluxVersions[d.node.GetApiVersion()] {
			return fmt.Errorf("%s: apiVersion %s is not supported: use %s/v1 or %s/v1beta2",
				d.ref(), d.node.GetApiVersion(), imagepolicy.FluxGroup, imagepolicy.FluxGroup)
		}
		switch d.node.GetKind() {
		case "ImageRepository":
			if prev, ok := repos[d.id()]; ok {
				return fmt.Errorf("%s: declared twice (also in %s)", d.ref(), prev.file)
			}
			repos[d.id()] = d
		case "ImagePolicy":
			policies = append(policies, d)
		case "ImageUpdateAutomation":
			automations = append(automations, d)
		default:
			return fmt.Errorf("%s: kind %s is not one of ImageRepository, ImagePolicy, ImageUpdateAutomation", d.ref(), d.node.GetKind())
		}
	}
	for _, p := range policies {
		src, secret, err := policy(p, repos)
		if err != nil {
			return err
		}
		f.policies = append(f.policies, src)
		f.secrets[src.Namespace+":"+src.Name] = secret
	}
	sort.Slice(f.policies, func(i, j int) bool {
		return f.policies[i].Namespace+":"+f.policies[i].Name < f.policies[j].Namespace+":"+f.policies[j].Name
	})
	switch len(automations) {
	case 0:
	case 1:
		a, err := automation(automations[0])
		if err != nil {
			return err
		}
		f.automation = a
		if a.Spec.PolicySelector != nil {
			f.notes = append(f.notes, a.File+": "+a.Ref()+": spec.policySelector is not supported; every policy of the source applies")
		}
	default:
		var refs []string
		for _, a := range automations {
			refs = append(refs, a.ref())
		}
		sort.Strings(refs)
		return fmt.Errorf("%d ImageUpdateAutomations in one source (%s): keep one per source", len(refs), strings.Join(refs, "; "))
	}
	return nil
}

// policy reads an ImagePolicy with the ImageRepository it refers to.
func policy(p fluxDoc, repos map[string]fluxDoc) (imagepolicy.Source, string, error) {
	refNode, _ := p.node.Pipe(yaml.Lookup("spec", "imageRepositoryRef"))
	var ref struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	}
	if refNode != nil {
		if err := refNode.YNode().Decode(&ref); err != nil {
			return imagepolicy.Source{}, "", fmt.Errorf("%s: spec.imageRepositoryRef: %w", p.ref(), err)
		}
	}
	if ref.Name == "" {
		return imagepolicy.Source{}, "", fmt.Errorf("%s: spec.imageRepositoryRef.name: is required", p.ref())
	}
	if ref.Namespace == "" {
		ref.Namespace = namespace(p.node)
	}
	repo, ok := repos[ref.Namespace+"/"+ref.Name]
	if !ok {
		return imagepolicy.Source{}, "", fmt.Errorf("%s: spec.imageRepositoryRef: ImageRepository %s/%s is not in the source", p.ref(), ref.Namespace, ref.Name)
	}
	// Load resolves the reference within one stream: give it both objects.
	var stream strings.Builder
	for _, d := range []fluxDoc{p, repo} {
		s, err := d.node.String()
		if err != nil {
			return imagepolicy.Source{}, "", err
		}
		stream.WriteString("---\n" + s)
	}
	srcs, err := imagepolicy.Load(p.file, []byte(stream.String()))
	if err != nil {
		return imagepolicy.Source{}, "", err
	}
	src := srcs[0]
	if src.Image == "" {
		return imagepolicy.Source{}, "", fmt.Errorf("%s: spec.image: is required", repo.ref())
	}
	secret := ""
	if n, _ := repo.node.Pipe(yaml.Lookup("spec", "secretRef", "name")); n != nil {
		secret = yaml.GetValue(n)
	}
	return src, secret, nil
}

// automation reads an ImageUpdateAutomation.
func automation(d fluxDoc) (*Automation, error) {
	a := &Automation{File: d.file, Namespace: namespace(d.node), Name: d.node.GetName()}
	spec, _ := d.node.Pipe(yaml.Lookup("spec"))
	if spec != nil {
		if err := spec.YNode().Decode(&a.Spec); err != nil {
			return nil, fmt.Errorf("%s: spec: %w", d.ref(), err)
		}
	}
	if s := a.Spec.Update.Strategy; s != "" && s != "Setters" {
		return nil, fmt.Errorf("%s: spec.update.strategy: %q is not supported: use Setters", d.ref(), s)
	}
	if a.Spec.Git.Push.Refspec != "" {
		return nil, fmt.Errorf("%s: spec.git.push.refspec is not supported: use spec.git.push.branch", d.ref())
	}
	if p := a.Spec.Update.Path; p != "" {
		if _, err := source.RepoPath(p); err != nil {
			return nil, fmt.Errorf("%s: spec.update.path: %w", d.ref(), err)
		}
	}
	return a, nil
}
