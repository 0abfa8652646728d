package helm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/oamgitops/kubectl-gitops/internal/redact"
)

// Request is one chart to render: what a component definition asks for in
// its template's `helmChart` field.
type Request struct {
	// Chart is the chart to render. Its Namespace (where SecretRef lives)
	// is the caller's to fill.
	Chart ChartRef
	// ReleaseName is .Release.Name. Required.
	ReleaseName string
	// Namespace is the release namespace (.Release.Namespace), given to
	// the namespaced objects that name none. Required.
	Namespace string
	// Values are merged over ValuesFrom (the highest precedence, as in a
	// Flux HelmRelease), then over the chart's defaults.
	Values map[string]any
	// ValuesFrom are ConfigMaps and Secrets whose values are merged in
	// order, each over the ones before.
	ValuesFrom []ValuesFrom
	// ValuesFiles, when set, replace the chart's values.yaml as its
	// defaults: files of the chart merged in order.
	ValuesFiles []string
}

// ValuesFrom is one ConfigMap or Secret of values (a Flux HelmRelease
// valuesFrom entry).
type ValuesFrom struct {
	// Kind is ConfigMap or Secret.
	Kind string `json:"kind"`
	// Name is the object's name, in the release's Application namespace.
	Name string `json:"name"`
	// ValuesKey is the data key holding the values. Default values.yaml.
	ValuesKey string `json:"valuesKey,omitempty"`
	// TargetPath, when set, puts the key's value at this path (Helm
	// --set syntax: a.b[0].c) instead of merging a YAML document at the
	// root.
	TargetPath string `json:"targetPath,omitempty"`
	// Optional skips an object that does not exist (not a missing key).
	Optional bool `json:"optional,omitempty"`
}

// DefaultValuesKey is the data key valuesFrom reads by default.
const DefaultValuesKey = "values.yaml"

// request is the helmChart field as a template writes it.
type request struct {
	RepoType    string         `json:"repoType"`
	URL         string         `json:"url"`
	Chart       string         `json:"chart"`
	Version     string         `json:"version"`
	Git         *GitRef        `json:"git,omitempty"`
	SecretRef   string         `json:"secretRef,omitempty"`
	ReleaseName string         `json:"releaseName"`
	Namespace   string         `json:"namespace"`
	Values      map[string]any `json:"values,omitempty"`
	ValuesFrom  []ValuesFrom   `json:"valuesFrom,omitempty"`
	ValuesFiles []string       `json:"valuesFiles,omitempty"`
}

// ParseRequest reads a template's helmChart field:
//
//	helmChart: {
//		repoType: "helm" | "oci" | "git"
//		url: string, chart: string, version: string
//		git?: {branch?, tag?, commit?, semver?}
//		secretRef?: string
//		releaseName: string, namespace: string
//		values?: {...}
//		valuesFrom?: [...{kind, name, valuesKey?, targetPath?, optional?}]
//		valuesFiles?: [...string]
//	}
func ParseRequest(fields map[string]any) (Request, error) {
	data, err := json.Marshal(fields)
	if err != nil {
		return Request{}, fmt.Errorf("helmChart: %w", err)
	}
	var r request
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("helmChart: %w", err)
	}
	req := Request{
		Chart: ChartRef{RepoType: r.RepoType, URL: strings.TrimSpace(r.URL), Chart: strings.TrimSpace(r.Chart),
			Version: strings.TrimSpace(r.Version), SecretRef: r.SecretRef},
		ReleaseName: r.ReleaseName, Namespace: r.Namespace,
		Values: r.Values, ValuesFrom: r.ValuesFrom, ValuesFiles: r.ValuesFiles,
	}
	if r.Git != nil {
		req.Chart.Git = *r.Git
	}
	if req.Chart.Version == "" {
		req.Chart.Version = "*"
	}
	return req, req.Validate()
}

// Validate checks what a definition asked for.
func (r Request) Validate() error {
	var errs []error
	switch r.Chart.RepoType {
	case RepoHelm, RepoOCI, RepoGit:
	default:
		errs = append(errs, fmt.Errorf("repoType %q: expected helm, oci or git", r.Chart.RepoType))
	}
	if r.Chart.URL == "" {
		errs = append(errs, errors.New("url: must not be empty"))
	} else if r.Chart.RepoType != RepoGit && redact.HasCredentials(r.Chart.URL) {
		errs = append(errs, fmt.Errorf("url %q: credentials in the URL are not used; put them in the Secret that secretRef names", redact.Text(r.Chart.URL)))
	} else if r.Chart.RepoType == RepoOCI && !strings.HasPrefix(r.Chart.URL, "oci://") {
		errs = append(errs, fmt.Errorf("url %q: an OCI repository URL starts with oci://", r.Chart.URL))
	}
	if r.Chart.Chart == "" {
		errs = append(errs, errors.New("chart: must not be empty"))
	}
	set := 0
	for _, v := range []string{r.Chart.Git.Branch, r.Chart.Git.Tag, r.Chart.Git.Commit, r.Chart.Git.SemVer} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		errs = append(errs, errors.New("git: give at most one of branch, tag, commit and semver"))
	}
	if set > 0 && r.Chart.RepoType != RepoGit {
		errs = append(errs, fmt.Errorf("git: only for repoType git, not %s", r.Chart.RepoType))
	}
	if r.ReleaseName == "" {
		errs = append(errs, errors.New("releaseName: must not be empty"))
	}
	if r.Namespace == "" {
		errs = append(errs, errors.New("namespace: must not be empty"))
	}
	for i, v := range r.ValuesFrom {
		if v.Kind != "ConfigMap" && v.Kind != "Secret" {
			errs = append(errs, fmt.Errorf("valuesFrom[%d].kind %q: expected ConfigMap or Secret", i, v.Kind))
		}
		if v.Name == "" {
			errs = append(errs, fmt.Errorf("valuesFrom[%d].name: must not be empty", i))
		}
	}
	return errors.Join(errs...)
}
