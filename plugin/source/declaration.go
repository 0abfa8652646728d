package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// KustomizeType is the component type that declares a nested source.
const KustomizeType = "kustomize"

// Declaration is a source as an Application's `kustomize` component (or
// the command line) declares it: a Git repository, a ref and a path in it,
// with the Secret of its credentials.
type Declaration struct {
	// Name names the source in messages and its inventory:
	// <application>/<component> for a source declared by an Application.
	Name string
	// Namespace holds the source's Secret and its inventory.
	Namespace string
	// URL is the repository. It may hold credentials: print Name instead.
	URL string
	// Ref selects the commit.
	Ref gitrepo.Ref
	// Path is the directory in the repository to build, slash separated.
	Path string
	// SecretRef names the Secret with the credentials; empty for none.
	SecretRef string
	// ServiceAccountName, when set, is the ServiceAccount of the source's
	// namespace whose permissions its objects are applied with (the apply
	// impersonates system:serviceaccount:<namespace>:<name>), as Flux's
	// Kustomization spec.serviceAccountName.
	ServiceAccountName string
	// DecryptionSecret, when set, names the Secret of the source's
	// namespace whose .agekey entries decrypt its SOPS files, as Flux's
	// Kustomization spec.decryption.secretRef (provider sops).
	DecryptionSecret string
	// Prune deletes what left the source. Default (from Applications) true.
	Prune bool
	// App and Component name the Application component that declares
	// the source; empty for a source declared by flags. Index is the
	// component's position in the Application.
	App, Component string
	Index          int
	// Interval is how often `watch` looks for new commits: the
	// component's pullInterval. Zero means the caller's default.
	Interval time.Duration
	// Origin says where the source was declared, e.g.
	// "clusters/infra.yaml: Application default/infra: spec.components[0]".
	Origin string
}

// Key identifies the source for cycle detection: URL, ref and path.
func (s Declaration) Key() string {
	return s.URL + "|" + s.Ref.String() + "|" + s.CleanPath()
}

// CleanPath is Path cleaned, slash separated, without a leading "./" or
// "/" ("" for the root).
func (s Declaration) CleanPath() string {
	c := path.Clean("/" + filepath.ToSlash(s.Path))
	return strings.TrimPrefix(c, "/")
}

// String names the source with its origin for messages.
func (s Declaration) String() string {
	if s.Origin == "" {
		return "source " + s.Name
	}
	return "source " + s.Name + " (" + s.Origin + ")"
}

var nonName = regexp.MustCompile(`[^a-z0-9.-]+`)

// dnsLabel is what a ServiceAccount name may be (RFC 1123 label).
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// InventoryName names the ApplySet parent of the source (a ConfigMap in
// its namespace): gitops.<name>, with characters a name cannot hold
// replaced by dashes.
func (s Declaration) InventoryName() string {
	name := "gitops." + strings.Trim(nonName.ReplaceAllString(strings.ToLower(strings.ReplaceAll(s.Name, "/", ".")), "-"), "-.")
	if len(name) > 253 {
		name = strings.TrimRight(name[:253], "-.")
	}
	return name
}

// ErrNoSources means a file or directory declared no kustomize source.
var ErrNoSources = errors.New("no Application with a `type: kustomize` component found")

// FromApplications reads the kustomize components of the Applications
// among nodes. An Application without a namespace uses defaultNamespace.
// prefix is put before each node's file path in messages (the path of the
// directory the nodes were read from). Components of other types are
// ignored: they render to objects, which the build of the source holds.
func FromApplications(nodes []*yaml.RNode, defaultNamespace, prefix string) ([]Declaration, error) {
	var out []Declaration
	var errs []error
	for _, n := range nodes {
		if !oam.IsApplication(n) {
			continue
		}
		app, err := oam.Parse(n)
		if err != nil {
			errs = append(errs, withPrefix(prefix, err))
			continue
		}
		if app.Source.File != "" && prefix != "" {
			app.Source.File = path.Join(filepath.ToSlash(prefix), app.Source.File)
		}
		ns := n.GetNamespace()
		if ns == "" {
			ns = defaultNamespace
			app.Namespace = ns
		}
		for _, c := range app.Components {
			if c.Type != KustomizeType {
				continue
			}
			s, err := fromComponent(app, c, ns)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, s)
		}
	}
	return out, errors.Join(errs...)
}

func withPrefix(prefix string, err error) error {
	var fe *oam.FieldError
	if prefix != "" && errors.As(err, &fe) && fe.Source.File != "" {
		c := *fe
		c.Source.File = path.Join(filepath.ToSlash(prefix), c.Source.File)
		return &c
	}
	return err
}

// fromComponent reads one kustomize component.
func fromComponent(app *oam.Application, c oam.Component, ns string) (Declaration, error) {
	field := c.Field() + ".properties"
	fail := func(f, format string, args ...any) error {
		return &oam.FieldError{Source: app.Source, Object: app.Ref(), Field: field + f, Err: fmt.Errorf(format, args...)}
	}
	p := c.Properties
	str := func(m map[string]any, key, f string) (string, error) {
		v, ok := m[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fail(f, "expected string, got %s", oam.TypeName(v))
		}
		return s, nil
	}
	s := Declaration{Name: app.Name + "/" + c.Name, Namespace: ns, Prune: true,
		App: app.Name, Component: c.Name, Index: c.Index, Origin: originOf(app, c)}
	repoType, err := str(p, "repoType", ".repoType")
	if err != nil {
		return s, err
	}
	if repoType != "" && repoType != "git" {
		return s, fail(".repoType", "%q sources are not supported yet; use git", repoType)
	}
	if s.URL, err = str(p, "url", ".url"); err != nil {
		return s, err
	}
	if s.URL == "" {
		return s, fail(".url", "is required")
	}
	if s.Path, err = str(p, "path", ".path"); err != nil {
		return s, err
	}
	if s.SecretRef, err = str(p, "secretRef", ".secretRef"); err != nil {
		return s, err
	}
	if s.ServiceAccountName, err = str(p, "serviceAccountName", ".serviceAccountName"); err != nil {
		return s, err
	}
	if n := s.ServiceAccountName; n != "" && !dnsLabel.MatchString(n) {
		return s, fail(".serviceAccountName", "%q is not a ServiceAccount name (lower-case letters, digits and '-', at most 63)", n)
	}
	if s.DecryptionSecret, err = decryption(p["decryption"], fail); err != nil {
		return s, err
	}
	interval, err := str(p, "pullInterval", ".pullInterval")
	if err != nil {
		return s, err
	}
	if interval != "" {
		if s.Interval, err = time.ParseDuration(interval); err != nil || s.Interval <= 0 {
			return s, fail(".pullInterval", "%q is not a positive duration such as 1m or 30s", interval)
		}
	}
	if v, ok := p["prune"]; ok {
		b, ok := v.(bool)
		if !ok {
			return s, fail(".prune", "expected bool, got %s", oam.TypeName(v))
		}
		s.Prune = b
	}
	if g, ok := p["git"]; ok && g != nil {
		gm, ok := g.(map[string]any)
		if !ok {
			return s, fail(".git", "expected object, got %s", oam.TypeName(g))
		}
		for key, dst := range map[string]*string{"branch": &s.Ref.Branch, "tag": &s.Ref.Tag, "commit": &s.Ref.Commit, "semver": &s.Ref.SemVer} {
			if *dst, err = str(gm, key, ".git."+key); err != nil {
				return s, err
			}
		}
	}
	if err := s.Ref.Validate(); err != nil {
		return s, fail(".git", "%v", err)
	}
	return s, nil
}

// decryption reads a component's `decryption: {provider: sops, secretRef:
// {name: N}}` (Flux's format) and returns N. Absent gives "".
func decryption(v any, fail func(f, format string, args ...any) error) (string, error) {
	if v == nil {
		return "", nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", fail(".decryption", "expected object, got %s", oam.TypeName(v))
	}
	for k := range m {
		if k != "provider" && k != "secretRef" {
			return "", fail(".decryption."+k, "unknown field (provider and secretRef are)")
		}
	}
	if p, _ := m["provider"].(string); p != "sops" {
		return "", fail(".decryption.provider", "%s is not a provider; the one supported is sops", describe(m["provider"]))
	}
	ref, ok := m["secretRef"].(map[string]any)
	if !ok {
		return "", fail(".decryption.secretRef", "expected {name: SECRET} naming a Secret of age keys (*.agekey) in the Application's namespace")
	}
	name, _ := ref["name"].(string)
	if name == "" || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", fail(".decryption.secretRef.name", "%s is not a Secret name", describe(ref["name"]))
	}
	for k := range ref {
		if k != "name" {
			return "", fail(".decryption.secretRef."+k, "unknown field: the Secret must be in the Application's namespace, so only name is allowed")
		}
	}
	return name, nil
}

// describe shows a value in a message: a string quoted, else its type.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "nothing"
	case string:
		return fmt.Sprintf("%q", t)
	default:
		return "a " + oam.TypeName(v)
	}
}

func originOf(app *oam.Application, c oam.Component) string {
	o := "Application " + app.Namespace + "/" + app.Name + ": " + c.Field()
	if app.Source.File != "" {
		o = app.Source.File + ": " + o
	}
	return o
}

// ReadApplications reads the YAML documents of a file, or of every .yaml
// and .yml file under a directory (hidden directories skipped), with
// their paths as the user wrote them in the path annotation.
func ReadApplications(p string) ([]*yaml.RNode, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	files := []string{p}
	if info.IsDir() {
		files = nil
		err := filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && f != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if ext := strings.ToLower(filepath.Ext(f)); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				files = append(files, f)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
	}
	var nodes []*yaml.RNode
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		read, err := oam.ReadStream(f, data, map[string]string{kioutil.PathAnnotation: filepath.ToSlash(f)})
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, read...)
	}
	return nodes, nil
}
