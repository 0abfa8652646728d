package helm

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
)

// Memory is a Source over what it was given: packaged charts, found by
// name whatever repository a ChartRef names (a Git chart by its
// directory's last element), and ConfigMap and Secret data (an object it
// was not given does not exist: ErrNotFound). For tests,
// examples and callers that hold their charts already. Safe for
// concurrent use.
type Memory struct {
	mu     sync.RWMutex
	charts map[string]map[string][]byte // name → version → archive
	values map[ValuesRef]map[string]string
}

var _ Source = (*Memory)(nil)

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{charts: map[string]map[string][]byte{}, values: map[ValuesRef]map[string]string{}}
}

// AddChart adds a packaged chart (.tgz), under the name and version its
// Chart.yaml gives.
func (m *Memory) AddChart(archive []byte) error {
	ch, err := Load(archive)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	name := ch.Name()
	if m.charts[name] == nil {
		m.charts[name] = map[string][]byte{}
	}
	m.charts[name][ch.Metadata.Version] = archive
	return nil
}

// AddValues adds the data of a ConfigMap or Secret.
func (m *Memory) AddValues(ref ValuesRef, data map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[ref] = data
}

// Chart implements Source.
func (m *Memory) Chart(ref ChartRef) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	versions := m.charts[path.Base(ref.Chart)]
	if len(versions) == 0 {
		return nil, fmt.Errorf("no chart %s: %w", ref.Chart, ErrNotAvailable)
	}
	all := make([]string, 0, len(versions))
	for v := range versions {
		all = append(all, v)
	}
	v, err := ResolveVersion(ref.Version, all)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrNotAvailable)
	}
	return versions[v], nil
}

// Values implements Source.
func (m *Memory) Values(ref ValuesRef) (map[string]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	data, ok := m.values[ref]
	if !ok {
		return nil, fmt.Errorf("not among the objects given: %w", ErrNotFound)
	}
	return data, nil
}

// ResolveVersion picks the version a chart version constraint asks for
// among versions: the version itself when constraint is one (leading "v"
// and all), else the highest version satisfying the constraint ("0.4.x",
// "^1.2", ">=1.0 <2", "*"; pre-releases only when the constraint names
// one). It fails naming the constraint and the versions there are.
func ResolveVersion(constraint string, versions []string) (string, error) {
	constraint = strings.TrimSpace(constraint)
	if constraint == "" {
		constraint = "*"
	}
	var parsed []*semver.Version
	byVersion := map[*semver.Version]string{}
	for _, s := range versions {
		v, err := semver.NewVersion(s)
		if err != nil {
			continue // not semver: never picked, as Helm does
		}
		parsed = append(parsed, v)
		byVersion[v] = s
	}
	sort.Sort(sort.Reverse(semver.Collection(parsed)))
	if exact, err := semver.StrictNewVersion(strings.TrimPrefix(constraint, "v")); err == nil {
		for _, v := range parsed {
			if v.Equal(exact) {
				return byVersion[v], nil
			}
		}
		return "", &VersionError{Constraint: constraint, Versions: versions}
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("version %q is neither a version nor a semver constraint: %w", constraint, err)
	}
	for _, v := range parsed {
		if c.Check(v) {
			return byVersion[v], nil
		}
	}
	return "", &VersionError{Constraint: constraint, Versions: versions}
}

// VersionError is a version constraint no version satisfies.
type VersionError struct {
	Constraint string
	Versions   []string
}

func (e *VersionError) Error() string {
	if len(e.Versions) == 0 {
		return fmt.Sprintf("no version matches %q: the repository has no versions of the chart", e.Constraint)
	}
	vs := append([]string(nil), e.Versions...)
	sort.SliceStable(vs, func(i, j int) bool { return versionLess(vs[i], vs[j]) })
	const shown = 10
	list := strings.Join(vs, ", ")
	if len(vs) > shown {
		list = strings.Join(vs[len(vs)-shown:], ", ") + fmt.Sprintf(" and %d older", len(vs)-shown)
	}
	return fmt.Sprintf("no version matches %q (versions: %s)", e.Constraint, list)
}

// versionLess orders semver versions by precedence, anything else after
// them by text.
func versionLess(a, b string) bool {
	va, errA := semver.NewVersion(a)
	vb, errB := semver.NewVersion(b)
	switch {
	case errA == nil && errB == nil:
		return va.LessThan(vb)
	case errA == nil:
		return true
	case errB == nil:
		return false
	}
	return a < b
}
