package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/oamgitops/kubectl-gitops/krm/oam"
	"github.com/oamgitops/kubectl-gitops/krm/render"
	"github.com/oamgitops/kubectl-gitops/plugin/decrypt"
	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/remote/charts"
)

// Options steer a build.
type Options struct {
	// Render is the in-process render-application function. Required.
	Render render.Function
	// Functions are this project's other functions, by config kind
	// (ApplicationPatch, SetImages), run in process where a kustomization
	// names them as exec transformers. Default none.
	Functions map[string]framework.ResourceListProcessor
	// AllowExec lets kustomizations run functions of other projects (exec
	// and container functions), as `kustomize build --enable-alpha-plugins
	// --enable-exec` does. Default false: such a build fails with
	// ErrExecNotAllowed; this project's functions always run in process.
	AllowExec bool
	// Config is the render config used when the kustomization names none.
	// Default: RenderApplications defaults.
	Config *render.Config
	// Root, when set, is the only tree the build reads: the checkout of
	// the repository the directory is in. The directory itself, every path
	// a kustomization names and every symlink must stay under it, or the
	// build fails with source.ErrOutsideRepository before reading the file. Default:
	// none (a local build reads what its kustomizations name).
	Root string
	// Charts gets the charts of `helm` components (and the valuesFrom
	// objects the build does not hold): the build renders from its cache,
	// fetches what a render missed, and renders again. Default nil: helm
	// components fail to render, and Render.Charts is used as it is.
	Charts *charts.Provider
	// Decrypter opens the SOPS-encrypted files the build reads, in memory
	// (the caller masks what it decrypted with it). Default nil: an
	// encrypted file fails the build with decrypt.ErrNoKeys.
	Decrypter *decrypt.Decrypter
}

// Result is what a build produced.
type Result struct {
	Objects []*yaml.RNode
	// Applications are the OAM Applications the build expanded, as they
	// were before rendering (copies). Callers read the components that
	// render to nothing, such as nested `kustomize` sources, from them.
	Applications []*yaml.RNode
	// Results are the functions' results (warnings; errors only when Dir
	// also returns ErrRender).
	Results framework.Results
}

// ErrExecNotAllowed means a kustomization calls a function that is not
// this project's (exec or container) and Options.AllowExec is false.
var ErrExecNotAllowed = errors.New("runs a function that is not this project's; pass --allow-exec to let it run on this machine")

// ErrRender marks a build whose Applications did not render; Result.Results
// says why.
var ErrRender = errors.New("rendering failed")

// Dir builds one directory.
func Dir(ctx context.Context, dir string, opts Options) (*Result, error) {
	if opts.Charts == nil {
		return buildOnce(ctx, dir, opts)
	}
	// Renders are pure: they read charts from the session, which records
	// what they missed; fetch that and build again, until nothing new is
	// missed (valuesFrom objects are asked for once their chart is there).
	session := opts.Charts.Session()
	opts.Render.Charts = session
	for {
		res, err := buildOnce(ctx, dir, opts)
		if !errors.Is(err, ErrRender) {
			return res, err
		}
		fetched, ferr := session.Fetch(ctx)
		if ferr != nil {
			return res, fmt.Errorf("build %s: fetching charts: %w", dir, ferr)
		}
		if !fetched {
			return res, err
		}
	}
}

func buildOnce(ctx context.Context, dir string, opts Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("build %s: not a directory", dir)
	}
	var fsys filesys.FileSystem = filesys.MakeFsOnDisk()
	var guard *confine
	if opts.Root != "" {
		if guard, err = newConfine(opts.Root); err != nil {
			return nil, err
		}
		if err := guard.check(dir); err != nil {
			return nil, err
		}
		fsys = &confinedFS{FileSystem: fsys, c: guard}
	}
	base := opts.Root
	if base == "" {
		base, _ = filepath.Abs(dir)
	}
	dfs := &decryptingFS{FileSystem: fsys, d: opts.Decrypter, base: base}
	fsys = dfs
	res := &Result{}
	var items []*yaml.RNode
	rendered := false
	if hasKustomization(dir) {
		stripper := &transformerStripper{FileSystem: fsys, known: func(kind string) bool {
			_, ok := opts.Functions[kind]
			return ok || kind == render.ConfigKind
		}}
		kopts := krusty.MakeDefaultOptions()
		if opts.AllowExec {
			kopts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
			kopts.PluginConfig.FnpLoadingOptions.EnableExec = true
		}
		rm, err := krusty.MakeKustomizer(kopts).Run(stripper, dir)
		if guard != nil && guard.firstRefusal() != nil {
			// kustomize's own message buries the refusal; say only that.
			return nil, fmt.Errorf("kustomize build %s: %w", dir, guard.firstRefusal())
		}
		if err := dfs.firstError(); err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		if err != nil && !opts.AllowExec && len(stripper.foreign) > 0 {
			return nil, fmt.Errorf("kustomize build %s: %s: %w", dir, strings.Join(stripper.foreign, ", "), ErrExecNotAllowed)
		}
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		items = rm.ToRNodeSlice()
		for _, cfg := range stripper.ordered() {
			if cfg.GetKind() == render.ConfigKind && !rendered {
				res.Applications = applications(items)
			}
			if items, err = run(opts, cfg, items, res); err != nil {
				return res, err
			}
			rendered = rendered || cfg.GetKind() == render.ConfigKind
		}
	} else if items, err = readTree(dir, guard, dfs); err != nil {
		return nil, err
	}
	if !rendered {
		res.Applications = applications(items)
		cfg := opts.Config
		if cfg == nil {
			cfg = &render.Config{APIVersion: render.ConfigAPIVersion, Kind: render.ConfigKind}
			_ = cfg.Default()
		}
		out, results := opts.Render.Render(items, cfg)
		res.Results = append(res.Results, results...)
		if results.ExitCode() != 0 {
			return res, ErrRender
		}
		items = out
	}
	res.Objects = items
	return res, nil
}

// run applies one of our function configs to the items in process.
func run(opts Options, cfg *yaml.RNode, items []*yaml.RNode, res *Result) ([]*yaml.RNode, error) {
	var p framework.ResourceListProcessor = opts.Render
	if cfg.GetKind() != render.ConfigKind {
		p = opts.Functions[cfg.GetKind()]
	}
	rl := &framework.ResourceList{Items: items, FunctionConfig: cfg}
	err := p.Process(rl)
	res.Results = append(res.Results, rl.Results...)
	var results framework.Results
	switch {
	case errors.As(err, &results) || rl.Results.ExitCode() != 0:
		return nil, ErrRender
	case err != nil:
		return nil, fmt.Errorf("%s %s: %w", cfg.GetKind(), cfg.GetName(), err)
	}
	return rl.Items, nil
}

// applications returns copies of the OAM Applications among items.
func applications(items []*yaml.RNode) []*yaml.RNode {
	var apps []*yaml.RNode
	for _, it := range items {
		if oam.IsApplication(it) {
			apps = append(apps, it.Copy())
		}
	}
	return apps
}

// yamlFiles lists the .yaml and .yml files under dir, sorted, through
// symlinked directories too (each real directory once, so a symlink loop
// ends); with a guard, a symlink that resolves outside the root fails.
func yamlFiles(dir string, guard *confine) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	var walk func(path string) error
	walk = func(path string) error {
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			return err
		}
		if seen[real] {
			return nil
		}
		seen[real] = true
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		// Real directories before symlinks: a directory reached both ways
		// is read under its own path.
		sort.SliceStable(entries, func(i, j int) bool {
			return entries[i].Type()&fs.ModeSymlink == 0 && entries[j].Type()&fs.ModeSymlink != 0
		})
		for _, e := range entries {
			p := filepath.Join(path, e.Name())
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 {
				if guard != nil {
					if err := guard.check(p); err != nil {
						return err
					}
				}
				fi, err := os.Stat(p)
				if err != nil {
					rel, _ := filepath.Rel(dir, p)
					return fmt.Errorf("%s: a symlink to nothing", filepath.ToSlash(rel))
				}
				isDir = fi.IsDir()
			}
			switch {
			case isDir && strings.HasPrefix(e.Name(), "."):
			case isDir:
				if err := walk(p); err != nil {
					return err
				}
			case strings.EqualFold(filepath.Ext(p), ".yaml") || strings.EqualFold(filepath.Ext(p), ".yml"):
				files = append(files, p)
			}
		}
		return nil
	}
	if err := walk(dir); err != nil {
		if errors.Is(err, source.ErrOutsideRepository) {
			return nil, err
		}
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

func hasKustomization(dir string) bool {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// readTree reads every YAML file under dir, in path order, skipping hidden
// directories and following symlinks (to files and directories alike);
// items carry their path relative to dir. With a guard, a file or
// directory resolving outside its root is refused, not read. SOPS files
// are read decrypted.
func readTree(dir string, guard *confine, fsys *decryptingFS) ([]*yaml.RNode, error) {
	files, err := yamlFiles(dir, guard)
	if err != nil {
		return nil, err
	}
	var items []*yaml.RNode
	for _, f := range files {
		if guard != nil {
			if err := guard.check(f); err != nil {
				return nil, err
			}
		}
		data, err := fsys.ReadFile(f)
		if err != nil {
			if derr := fsys.firstError(); derr != nil {
				return nil, derr // names the file already
			}
			return nil, fmt.Errorf("reading %s: %w", f, err)
		}
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		nodes, err := oam.ReadStream(rel, data, map[string]string{kioutil.PathAnnotation: rel})
		if err != nil {
			return nil, err
		}
		for i, n := range nodes {
			if n.GetKind() == "" {
				return nil, fmt.Errorf("%s: document %d (line %d) has no kind", rel, i+1, n.YNode().Line)
			}
		}
		items = append(items, nodes...)
	}
	return items, nil
}
