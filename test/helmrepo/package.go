package helmrepo

import (
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// Package packages the chart in dir as `helm package` does and returns
// the .tgz. A non-empty version replaces the version Chart.yaml gives.
func Package(dir, version string) ([]byte, error) {
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("helmrepo: loading chart %s: %w", dir, err)
	}
	if version != "" {
		ch.Metadata.Version = version
	}
	tmp, err := os.MkdirTemp("", "helmrepo-package-")
	if err != nil {
		return nil, fmt.Errorf("helmrepo: %w", err)
	}
	defer os.RemoveAll(tmp)
	file, err := chartutil.Save(ch, tmp)
	if err != nil {
		return nil, fmt.Errorf("helmrepo: packaging chart %s: %w", dir, err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("helmrepo: %w", err)
	}
	return data, nil
}
