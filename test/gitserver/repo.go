package gitserver

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a bare repository on the server plus a working clone beside it
// that the helpers commit in and push from (over the file system, so pushes
// need no credentials).
type Repo struct {
	// Name is the repository's name: its URL ends in /<Name>.git.
	Name string
	// Bare is the bare repository's directory.
	Bare string
	// Work is the working clone's directory.
	Work string
}

// Create makes an empty bare repository name (its default branch main) and a
// working clone of it.
func (s *Server) Create(name string) (*Repo, error) {
	r := &Repo{Name: name, Bare: s.BarePath(name), Work: filepath.Join(s.root, "work", name)}
	if err := run("", "init", "--quiet", "--bare", "--initial-branch=main", r.Bare); err != nil {
		return nil, err
	}
	if err := run(r.Bare, "config", "http.receivepack", "true"); err != nil {
		return nil, err
	}
	if err := run("", "init", "--quiet", "--initial-branch=main", r.Work); err != nil {
		return nil, err
	}
	if err := run(r.Work, "remote", "add", "origin", r.Bare); err != nil {
		return nil, err
	}
	return r, nil
}

// WriteFiles writes files (path relative to the work tree → content) into
// the work tree, creating directories as needed.
func (r *Repo) WriteFiles(files map[string]string) error {
	for name, content := range files {
		p := filepath.Join(r.Work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("gitserver: %w", err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return fmt.Errorf("gitserver: %w", err)
		}
	}
	return nil
}

// CopyTree copies the regular files under dir into the work tree, keeping
// their relative paths.
func (r *Repo) CopyTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return r.WriteFiles(map[string]string{filepath.ToSlash(rel): string(data)})
	})
}

// Commit stages every change in the work tree, commits it (an empty commit
// when nothing changed) and returns the new commit's full hash.
func (r *Repo) Commit(message string) (string, error) {
	if err := run(r.Work, "add", "--all"); err != nil {
		return "", err
	}
	if err := run(r.Work, "commit", "--quiet", "--allow-empty", "-m", message); err != nil {
		return "", err
	}
	return output(r.Work, "rev-parse", "HEAD")
}

// Branch creates branch name at the current commit and switches to it.
func (r *Repo) Branch(name string) error { return run(r.Work, "checkout", "--quiet", "-b", name) }

// Switch switches the work tree to an existing branch.
func (r *Repo) Switch(name string) error { return run(r.Work, "checkout", "--quiet", name) }

// Tag creates a lightweight tag at the current commit.
func (r *Repo) Tag(name string) error { return run(r.Work, "tag", name) }

// AnnotatedTag creates an annotated tag at the current commit.
func (r *Repo) AnnotatedTag(name, message string) error {
	return run(r.Work, "tag", "-a", name, "-m", message)
}

// Push pushes every branch and tag to the bare repository, forcing updates.
func (r *Repo) Push() error {
	if err := run(r.Work, "push", "--quiet", "--force", "--all", "origin"); err != nil {
		return err
	}
	return run(r.Work, "push", "--quiet", "--force", "--tags", "origin")
}

// gitEnv isolates git from the user's and the system's configuration and
// gives commits a fixed identity.
func gitEnv() []string {
	return append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=gitserver", "GIT_AUTHOR_EMAIL=gitserver@example.com",
		"GIT_COMMITTER_NAME=gitserver", "GIT_COMMITTER_EMAIL=gitserver@example.com",
		"GIT_TERMINAL_PROMPT=0",
	)
}

func run(dir string, args ...string) error {
	_, err := output(dir, args...)
	return err
}

func output(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("gitserver: git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
