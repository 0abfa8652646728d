package imageauto

import (
	"fmt"
	"path"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
)

// Source is a Git source and the image policy declared for it outside the
// repository: the imageRepository block of the kustomize component that
// declares the source (the seed's clusters/apps.yaml). Flux Image* objects
// inside the source are found when it is fetched.
type Source struct {
	// Git is the repository, branch and path to update.
	Git source.Declaration
	// Declared is the component's imageRepository block; nil when it has
	// none.
	Declared *Declared
}

// Declared is a KubeVela imageRepository block.
type Declared struct {
	// Policy is the block's image, filter and policy. Its Namespace and
	// Name are the Application's: markers name it "<namespace>:<name>".
	Policy imagepolicy.Source
	// SecretRef names the docker-registry Secret with the registry's
	// credentials, in the Application's namespace; empty for none.
	SecretRef string
	// CommitMessage is appended, as a template, to the commit message's
	// first line "Update image automatically.".
	CommitMessage string
}

// ID is the policy's name in markers, "<namespace>:<name>".
func (d *Declared) ID() string { return d.Policy.Namespace + ":" + d.Policy.Name }

// FromApplications reads the kustomize components of the Applications
// among nodes, as source.FromApplications does, with the imageRepository
// block each one declares. Arguments are those of source.FromApplications.
func FromApplications(nodes []*yaml.RNode, defaultNamespace, prefix string) ([]Source, error) {
	gits, err := source.FromApplications(nodes, defaultNamespace, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(gits))
	for _, g := range gits {
		d, err := declared(nodes, g, defaultNamespace, prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Git: g, Declared: d})
	}
	return out, nil
}

// declared finds the imageRepository block of the component declaring g.
func declared(nodes []*yaml.RNode, g source.Declaration, defaultNamespace, prefix string) (*Declared, error) {
	for _, n := range nodes {
		ns := n.GetNamespace()
		if ns == "" {
			ns = defaultNamespace
		}
		if !oam.IsApplication(n) || n.GetName() != g.App || ns != g.Namespace {
			continue
		}
		comps, _ := n.Pipe(yaml.Lookup("spec", "components"))
		if comps == nil || comps.YNode().Kind != yaml.SequenceNode {
			return nil, nil
		}
		for i, c := range comps.YNode().Content {
			comp := yaml.NewRNode(c)
			if nameOf(comp) != g.Component {
				continue
			}
			block, _ := comp.Pipe(yaml.Lookup("properties", "imageRepository"))
			if block == nil || yaml.IsMissingOrNull(block) {
				return nil, nil
			}
			return readBlock(n, block, i, ns, fileOf(n, prefix))
		}
	}
	return nil, nil
}

func nameOf(comp *yaml.RNode) string {
	f, _ := comp.Pipe(yaml.Lookup("name"))
	if f == nil {
		return ""
	}
	return yaml.GetValue(f)
}

// fileOf is the file the node was read from, as the user wrote it.
func fileOf(n *yaml.RNode, prefix string) string {
	f := n.GetAnnotations()[kioutil.PathAnnotation]
	if f != "" && prefix != "" {
		f = path.Join(filepath.ToSlash(prefix), f)
	}
	return f
}

// readBlock reads component i's imageRepository block of Application app.
func readBlock(app, block *yaml.RNode, i int, ns, file string) (*Declared, error) {
	field := fmt.Sprintf("spec.components[%d].properties.imageRepository", i)
	where := "Application " + ns + "/" + app.GetName()
	if file != "" {
		where = file + ": " + where
	}
	fail := func(f, format string, args ...any) error {
		return fmt.Errorf("%s: %s%s: %s", where, field, f, fmt.Sprintf(format, args...))
	}
	if block.YNode().Kind != yaml.MappingNode {
		return nil, fail("", "expected an object")
	}
	// Load reads the policy; hand it this Application alone, so its errors
	// name the same file, object and field.
	doc := app.Copy()
	if err := doc.PipeE(yaml.ClearAnnotation(kioutil.PathAnnotation)); err != nil {
		return nil, err
	}
	if err := doc.SetNamespace(ns); err != nil {
		return nil, err
	}
	text, err := doc.String()
	if err != nil {
		return nil, err
	}
	label := file
	if label == "" {
		label = "Applications"
	}
	srcs, err := imagepolicy.Load(label, []byte(text))
	if err != nil {
		return nil, err
	}
	d := &Declared{}
	found := false
	for _, s := range srcs {
		if s.Field == field {
			d.Policy, found = s, true
		}
	}
	if !found {
		return nil, fail("", "not read")
	}
	d.Policy.File, d.Policy.Namespace = file, ns
	if d.Policy.Image == "" {
		return nil, fail(".image", "is required: the image repository to scan, without a tag (ghcr.io/org/app)")
	}
	for key, dst := range map[string]*string{"secretRef": &d.SecretRef, "commitMessage": &d.CommitMessage} {
		v, _ := block.Pipe(yaml.Lookup(key))
		if v == nil || yaml.IsMissingOrNull(v) {
			continue
		}
		if v.YNode().Kind != yaml.ScalarNode || v.YNode().ShortTag() != yaml.NodeTagString {
			return nil, fail("."+key, "expected a string")
		}
		*dst = v.YNode().Value
	}
	return d, nil
}
