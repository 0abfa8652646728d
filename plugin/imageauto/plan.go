package imageauto

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/oamgitops/kubectl-gitops/krm/imagepolicy"
	"github.com/oamgitops/kubectl-gitops/krm/setters"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/gitrepo"
)

// policyEntry is one policy to evaluate.
type policyEntry struct {
	id     string
	src    imagepolicy.Source
	origin string
	// secret names the docker-registry Secret in src.Namespace; "" for none.
	secret string
}

// plan is the update of one checkout: what to write and how to commit it.
type plan struct {
	policies   []PolicyResult
	changes    []setters.Change // File relative to the repository root
	notes      []string
	files      map[string][]byte
	message    string
	author     gitrepo.Signature
	pushBranch string
}

// origin says where a policy is declared.
func origin(s imagepolicy.Source) string {
	o := s.Ref()
	if s.File != "" {
		o = s.File + ": " + o
	}
	if s.Kind == "Application" && s.Field != "" {
		o += ": " + s.Field
	}
	return o
}

// plan finds the source's policies in co, selects a tag for each, and
// computes the files to change and the commit message. It writes nothing.
// srcDir is the source's path, checked with source.RepoPath.
func (u *Updater) plan(ctx context.Context, src Source, srcDir string, co *gitrepo.Checkout, sc *scanner, o Options) (*plan, error) {
	p := &plan{author: o.Author}
	f, err := discover(co.Dir, srcDir)
	if err != nil {
		return p, err
	}
	p.notes = append(p.notes, f.notes...)
	entries, err := policyEntries(src, f)
	if err != nil {
		return p, err
	}
	if len(entries) == 0 {
		return p, nil
	}
	tmpl, where, obj, values, err := messageTemplate(src, f.automation)
	if err != nil {
		return p, err
	}
	dir := srcDir
	if a := f.automation; a != nil {
		if a.Spec.Update.Path != "" {
			dir, _ = source.RepoPath(a.Spec.Update.Path)
		}
		if a.Spec.Git.Commit.Author.Email != "" {
			p.author.Email = a.Spec.Git.Commit.Author.Email
			if a.Spec.Git.Commit.Author.Name != "" {
				p.author.Name = a.Spec.Git.Commit.Author.Name
			}
		}
		p.pushBranch = a.Spec.Git.Push.Branch
		if b := a.Spec.Git.Checkout.Ref.Branch; b != "" && src.Git.Ref.Branch != "" && b != src.Git.Ref.Branch {
			p.notes = append(p.notes, fmt.Sprintf("%s: %s: spec.git.checkout.ref.branch %s differs from the source's branch %s, which is used",
				a.File, a.Ref(), b, src.Git.Ref.Branch))
		}
	}
	selected := setters.Policies{}
	var errs []error
	for _, e := range entries {
		tag, n, err := sc.selectTag(ctx, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.policies = append(p.policies, PolicyResult{ID: e.id, Origin: e.origin, Image: e.src.Image, Tags: n, Tag: tag})
		selected[e.id] = setters.Policy{Namespace: e.src.Namespace, Name: e.src.Name, Image: e.src.Image, Tag: tag}
	}
	if len(errs) > 0 {
		return p, errors.Join(errs...)
	}
	root, err := updateDir(co.Dir, dir)
	if err != nil {
		return p, err
	}
	res, err := setters.UpdateDir(root, selected, setters.DirOptions{DryRun: true})
	if err != nil {
		return p, fmt.Errorf("update path %s: %w", display(dir), err)
	}
	for _, n := range res.Notes {
		n.File = path.Join(dir, n.File)
		if n.Level == setters.Debug && n.UnknownPolicy == "" {
			continue
		}
		if n.UnknownPolicy != "" {
			n.Message = fmt.Sprintf("marker names policy %s, which this source does not declare; left alone (this source's policies: %s)",
				n.UnknownPolicy, strings.Join(slices.Sorted(maps.Keys(selected)), ", "))
		}
		p.notes = append(p.notes, n.String())
	}
	p.files = map[string][]byte{}
	for _, file := range res.Files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			return p, err
		}
		r, err := setters.SetBytes(file, data, selected)
		if err != nil {
			return p, err
		}
		p.files[path.Join(dir, file)] = r.Data
	}
	for _, c := range res.Changes {
		c.File = path.Join(dir, c.File)
		p.changes = append(p.changes, c)
	}
	if len(p.changes) == 0 {
		return p, nil
	}
	data := commitData(p.changes, selected, obj, values)
	if p.message, err = RenderMessage(tmpl, data); err != nil {
		return p, fmt.Errorf("%s: %w", where, err)
	}
	return p, nil
}

// policyEntries lists the declared policy and the Flux ImagePolicies,
// refusing two with one ID.
func policyEntries(src Source, f *found) ([]policyEntry, error) {
	var out []policyEntry
	byID := map[string]string{}
	add := func(e policyEntry) error {
		if prev, ok := byID[e.id]; ok {
			return fmt.Errorf("policy %s is declared twice: %s, and %s", e.id, prev, e.origin)
		}
		byID[e.id] = e.origin
		out = append(out, e)
		return nil
	}
	if d := src.Declared; d != nil {
		if err := add(policyEntry{id: d.ID(), src: d.Policy, origin: origin(d.Policy), secret: d.SecretRef}); err != nil {
			return nil, err
		}
	}
	for _, s := range f.policies {
		id := s.Namespace + ":" + s.Name
		if err := add(policyEntry{id: id, src: s, origin: origin(s), secret: f.secrets[id]}); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// messageTemplate picks the commit message template: the automation's,
// else the imageRepository block's commitMessage after Subject, else the
// default. It also returns where the template comes from, the automation
// object and the values.
func messageTemplate(src Source, a *Automation) (*template.Template, string, ObjectName, map[string]string, error) {
	obj := ObjectName{Namespace: src.Git.Namespace, Name: src.Git.App}
	if obj.Name == "" {
		obj.Name = src.Git.Name
	}
	text, where := DefaultMessageTemplate, "default"
	var values map[string]string
	switch {
	case a != nil && a.Spec.Git.Commit.MessageTemplate != "":
		text, where = a.Spec.Git.Commit.MessageTemplate, a.File+": "+a.Ref()+": spec.git.commit.messageTemplate"
		obj, values = ObjectName{Namespace: a.Namespace, Name: a.Name}, a.Spec.Git.Commit.MessageTemplateValues
	case src.Declared != nil:
		text, where = declaredTemplate(src.Declared), origin(src.Declared.Policy)+".commitMessage"
		obj = ObjectName{Namespace: src.Declared.Policy.Namespace, Name: src.Declared.Policy.Name}
	case a != nil:
		obj = ObjectName{Namespace: a.Namespace, Name: a.Name}
	}
	t, err := ParseTemplate(text)
	if err != nil {
		return nil, where, obj, nil, fmt.Errorf("%s: %w", where, err)
	}
	return t, where, obj, values, nil
}

// declaredTemplate is KubeVela's: the subject line, then commitMessage.
func declaredTemplate(d *Declared) string {
	if d.CommitMessage == "" {
		return Subject
	}
	return Subject + "\n" + d.CommitMessage
}

// commitData builds the template data from the changes.
func commitData(changes []setters.Change, selected setters.Policies, obj ObjectName, values map[string]string) CommitData {
	d := CommitData{AutomationObject: obj, Values: values,
		Changed: Changed{FileChanges: map[string]ObjectChanges{}}, Updated: Updated{Files: map[string]FileResult{}}}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	for _, c := range changes {
		id := parseObjectID(c.Object)
		if d.Changed.FileChanges[c.File] == nil {
			d.Changed.FileChanges[c.File] = ObjectChanges{}
			d.Updated.Files[c.File] = FileResult{Objects: map[ObjectID][]ImageRef{}}
		}
		d.Changed.FileChanges[c.File][id] = append(d.Changed.FileChanges[c.File][id], Change{OldValue: c.OldValue, NewValue: c.NewValue, Setter: c.Setter})
		m, _, _ := setters.ParseMarker(`{"` + setters.MarkerKey + `": "` + c.Setter + `"}`)
		if p, ok := selected[m.PolicyID()]; ok {
			objs := d.Updated.Files[c.File].Objects
			objs[id] = append(objs[id], ImageRef{Image: p.Image, Tag: p.Tag, Digest: p.Digest, policy: ObjectName{Namespace: p.Namespace, Name: p.Name}})
		}
	}
	return d
}

// updateDir is the directory to update in the checkout, refusing one that
// is missing or leads out of it through a symlink.
func updateDir(root, dir string) (string, error) {
	p := filepath.Join(root, filepath.FromSlash(dir))
	info, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("update path %s: not in the repository", display(dir))
	}
	if !info.IsDir() {
		return "", fmt.Errorf("update path %s: not a directory", display(dir))
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", fmt.Errorf("update path %s %w (through a symlink)", display(dir), source.ErrOutsideRepository)
	}
	return p, nil
}

func display(dir string) string {
	if dir == "" {
		return "./"
	}
	return "./" + dir
}
