package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/definition"
	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/plugin/build"
	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// Walker fetches and builds sources and their nested sources.
type Walker struct {
	// Build configures each build. Build.Render is required.
	Build build.Options
	// Fetch configures each fetch; WorkDir is ignored (each fetch gets a
	// new temporary directory, or with Fetch.Trees a shared read-only one,
	// given up after the visit).
	Fetch gitrepo.Options
	// Credentials reads a source's credentials. Nil means none.
	Credentials gitrepo.CredentialsFunc
	// Decryption gives the decrypter of a source's SOPS files (its
	// decryption Secret's keys, or the terminal's). Nil: encrypted files
	// fail the build with decrypt.ErrNoKeys.
	Decryption func(context.Context, source.Declaration) (*decrypt.Decrypter, error)
	// Progress receives one line per step. Nil discards them.
	Progress io.Writer
	// NoCrossNamespaceRefs refuses a nested source in another namespace
	// than its parent's. A source applied as a ServiceAccount keeps its
	// nested sources in its namespace in any case: they would otherwise be
	// applied with another namespace's rights that nobody there granted.
	NoCrossNamespaceRefs bool
}

// ErrCrossNamespace means a nested source is declared in another
// namespace than its parent's where that is not allowed.
var ErrCrossNamespace = errors.New("a nested source may not leave its parent's namespace")

// Walk fetches and builds each root, calls visit with the result, then
// walks the kustomize sources the build declared, depth first. A source
// reached a second time by another path is visited once; one that declares
// itself (a cycle) fails with source.ErrCycle. Walk stops at the first error.
func (w *Walker) Walk(ctx context.Context, roots []source.Declaration, visit func(context.Context, *build.Built) error) error {
	seen := map[string]bool{}
	for _, s := range roots {
		if err := w.walk(ctx, s, nil, seen, visit); err != nil {
			return err
		}
	}
	return nil
}

func (w *Walker) walk(ctx context.Context, s source.Declaration, chain []source.Declaration, seen map[string]bool, visit func(context.Context, *build.Built) error) error {
	// Before the key: a path out of the repository must not pass for
	// the root and look like a cycle.
	if _, err := source.RepoPath(s.Path); err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	if err := source.CheckCycle(chain, s); err != nil {
		return err
	}
	key := s.Key()
	if seen[key] {
		w.progress("%s: already synced in this run, skipped", s.Name)
		return nil
	}
	seen[key] = true
	built, nested, err := w.one(ctx, s, "")
	if err != nil {
		return err
	}
	if len(chain) > 0 {
		parent := chain[len(chain)-1]
		built.Parent = &parent
	}
	if err := visit(ctx, built); err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	chain = append(chain, s)
	for _, n := range nested {
		if err := w.walk(ctx, n, chain, seen, visit); err != nil {
			return err
		}
	}
	return nil
}

// one fetches and builds a source, returning its nested sources. When the
// fetched revision is known (not empty), it builds nothing and fails with
// errUnchanged, the Built holding only the source and revision.
func (w *Walker) one(ctx context.Context, s source.Declaration, known string) (*build.Built, []source.Declaration, error) {
	var auth gitrepo.Auth
	if w.Credentials != nil {
		a, err := w.Credentials(ctx, s.Namespace, s.SecretRef)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: credentials: %w", s, err)
		}
		auth = a
	}
	opts := w.Fetch
	opts.WorkDir = ""
	co, err := gitrepo.Fetch(ctx, gitrepo.Spec{Name: s.Name, URL: s.URL, Ref: s.Ref, Auth: auth, Known: known}, opts)
	if err != nil {
		if s.Origin == "" {
			return nil, nil, err // it names the source and its URL
		}
		return nil, nil, fmt.Errorf("%s: %w", s.Origin, err)
	}
	defer co.Close()
	if known != "" && co.Revision == known {
		return &build.Built{Source: s, Revision: co.Revision}, nil, errUnchanged
	}
	w.progress("%s: fetched %s", s.Name, co.Revision)

	rel, err := source.RepoPath(s.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s, err)
	}
	dir := filepath.Join(co.Dir, filepath.FromSlash(rel))
	var defs *definition.Registry
	bopts := w.Build
	bopts.Root = co.Dir // nothing outside the checkout is read
	if w.Decryption != nil {
		if bopts.Decrypter, err = w.Decryption(ctx, s); err != nil {
			return nil, nil, fmt.Errorf("%s: decryption: %w", s, err)
		}
	}
	bopts.Render.Used = func(r *definition.Registry) {
		if defs == nil {
			defs = definition.NewRegistry()
		}
		defs.Add(r.All()...)
	}
	res, err := build.Dir(ctx, dir, bopts)
	err = bopts.Decrypter.RedactError(err)
	if res != nil {
		for _, r := range res.Results {
			if r.Severity != framework.Error {
				w.progress("%s: %s: %s", s.Name, r.Severity, bopts.Decrypter.Redact(strings.TrimSpace(r.Message)))
			}
		}
	}
	if errors.Is(err, build.ErrRender) {
		var msgs []string
		for _, r := range res.Results {
			if r.Severity == framework.Error {
				msgs = append(msgs, bopts.Decrypter.Redact(repoMessage(r, rel)))
			}
		}
		return nil, nil, fmt.Errorf("%s: path %s at %s: %w: %s; nothing applied", s, displayPath(rel), co.Revision, err, strings.Join(msgs, "; "))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: path %s at %s: %w", s, displayPath(rel), co.Revision, withoutDir(err, co.Dir))
	}
	nested, err := source.FromApplications(res.Applications, s.Namespace, rel)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: at %s: %w", s, co.Revision, err)
	}
	if w.NoCrossNamespaceRefs || s.ServiceAccountName != "" {
		for _, n := range nested {
			if n.Namespace != s.Namespace {
				return nil, nil, fmt.Errorf("%s: at %s: %s: %w: it is in namespace %s, its parent in %s; nothing applied",
					s, co.Revision, n.Origin, ErrCrossNamespace, n.Namespace, s.Namespace)
			}
		}
	}
	objects, err := toUnstructured(res.Objects)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s, err)
	}
	files := build.FilesOf(res.Objects, rel)
	apps := make([]*oam.Application, 0, len(res.Applications))
	for _, n := range res.Applications {
		app, err := oam.Parse(n)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", s, err)
		}
		apps = append(apps, app)
	}
	w.progress("%s: rendered %d objects", s.Name, len(objects))
	if n := bopts.Decrypter.Files(); n > 0 {
		w.progress("%s: decrypted %d SOPS file(s) in memory", s.Name, n)
	}
	return &build.Built{Source: s, Revision: co.Revision, Objects: objects, Files: files, Applications: apps, Definitions: defs,
		Decrypter: bopts.Decrypter}, nested, nil
}

func displayPath(p string) string {
	if p == "" {
		return "."
	}
	return p
}

func (w *Walker) progress(format string, args ...any) {
	if w.Progress != nil {
		fmt.Fprintf(w.Progress, format+"\n", args...)
	}
}

// buildAnnotations are the annotations the build puts on objects to say
// where they came from; they are not part of what is applied.
var buildAnnotations = []string{
	kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.IdAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation,
}

// toUnstructured converts rendered objects for the API server.
func toUnstructured(nodes []*yaml.RNode) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(nodes))
	for _, n := range nodes {
		n = n.Copy()
		for _, a := range buildAnnotations {
			if _, err := n.Pipe(yaml.ClearAnnotation(a)); err != nil {
				return nil, err
			}
		}
		data, err := n.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", n.GetKind(), n.GetName(), err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("%s %s: %w", n.GetKind(), n.GetName(), err)
		}
		if len(u.GetAnnotations()) == 0 {
			unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
		}
		out = append(out, u)
	}
	return out, nil
}
