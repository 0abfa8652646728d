package helm

import (
	"errors"
	"fmt"

	"github.com/oamgitops/kubectl-gitops/internal/redact"
)

// Repository types a chart can come from.
const (
	// RepoHelm is an HTTP(S) Helm repository: an index.yaml and packaged
	// charts.
	RepoHelm = "helm"
	// RepoOCI is an OCI registry: URL oci://host/path, the chart is the
	// repository path's last element.
	RepoOCI = "oci"
	// RepoGit is a Git repository: Chart is the chart's directory in it.
	RepoGit = "git"
)

// GitRef is the Git reference a chart in a Git repository is read at. At
// most one field is set; none means the repository's default branch.
type GitRef struct {
	Branch string `json:"branch,omitempty"`
	Tag    string `json:"tag,omitempty"`
	Commit string `json:"commit,omitempty"`
	SemVer string `json:"semver,omitempty"`
}

// ChartRef says which chart to render: where it is and which version. It
// is comparable, so it can key a set of charts to fetch.
type ChartRef struct {
	// RepoType is RepoHelm, RepoOCI or RepoGit.
	RepoType string
	// URL is the repository: https://charts.example/stable,
	// oci://registry.example/charts, https://git.example/org/charts.git.
	URL string
	// Chart is the chart's name in a Helm or OCI repository, its
	// directory in a Git repository.
	Chart string
	// Version is an exact version ("0.4.0") or a semver constraint
	// ("0.4.x", ">=1.2 <2", "*"). Git charts take the version of the
	// chart at Git; this field is then only checked against it.
	Version string
	// Git is the reference of a Git repository.
	Git GitRef
	// SecretRef names the Secret holding the repository's credentials,
	// in Namespace; "" for none.
	SecretRef string
	// Namespace is where SecretRef lives: the Application's namespace.
	Namespace string
}

// String names the chart in messages: "chart mysql-operator version 0.4.0
// from http://127.0.0.1:8080/charts".
func (r ChartRef) String() string {
	version := r.Version
	if version == "" {
		version = "*"
	}
	s := fmt.Sprintf("chart %s version %s from %s", r.Chart, version, redact.Text(r.URL))
	if r.RepoType == RepoGit {
		switch {
		case r.Git.Commit != "":
			s += " at commit " + r.Git.Commit
		case r.Git.Tag != "":
			s += " at tag " + r.Git.Tag
		case r.Git.SemVer != "":
			s += " at tags " + r.Git.SemVer
		case r.Git.Branch != "":
			s += " at branch " + r.Git.Branch
		}
	}
	return s
}

// ValuesRef names a ConfigMap or Secret holding chart values.
type ValuesRef struct {
	// Kind is ConfigMap or Secret.
	Kind      string
	Namespace string
	Name      string
}

// String names the object in messages: "ConfigMap default/mysql-values".
func (r ValuesRef) String() string { return r.Kind + " " + r.Namespace + "/" + r.Name }

// Source hands Render the charts and values it needs. It is a lookup into
// what is already at hand and must not block on the network: a chart or
// object it does not hold is an error wrapping ErrNotAvailable, which
// Render turns into a *MissingError. Implementations must be safe for
// concurrent use.
type Source interface {
	// Chart returns the packaged chart (a .tgz archive) ref names: for a
	// version constraint, the highest version that satisfies it.
	Chart(ref ChartRef) ([]byte, error)
	// Values returns the data of a ConfigMap or Secret (decoded) by key.
	Values(ref ValuesRef) (map[string]string, error)
}

// ErrNotAvailable means a Source does not hold a chart or values object;
// one that may fetch can get it and render again.
var ErrNotAvailable = errors.New("not available")

// ErrNotFound means a ConfigMap or Secret named by valuesFrom does not
// exist; Render skips it when the reference is optional.
var ErrNotFound = errors.New("not found")

// MissingError is a render that needs charts or values objects the Source
// did not hold.
type MissingError struct {
	Chart  *ChartRef
	Values *ValuesRef
	Err    error
}

func (e *MissingError) Error() string {
	if e.Chart != nil {
		return fmt.Sprintf("%s: %v", e.Chart, e.Err)
	}
	return fmt.Sprintf("valuesFrom %s: %v", e.Values, e.Err)
}

func (e *MissingError) Unwrap() error { return e.Err }
