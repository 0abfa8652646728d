package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// requestMetric is the apiserver's counter of finished requests.
const requestMetric = "apiserver_request_total"

// isWrite reports whether a verb of apiserver_request_total changes state.
func isWrite(verb string) bool {
	switch verb {
	case "POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION":
		return true
	}
	return false
}

// series names one counter of apiserver_request_total, without the
// response code and the API version.
type series struct {
	Verb        string
	Group       string
	Resource    string
	Subresource string
	DryRun      bool
}

// requestCounts holds the requests counted per series.
type requestCounts map[series]float64

// parseRequests reads apiserver_request_total from the Prometheus text
// format, summing over the labels series does not keep.
func parseRequests(r io.Reader) (requestCounts, error) {
	counts := requestCounts{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		rest, ok := strings.CutPrefix(text, requestMetric+"{")
		if !ok {
			continue
		}
		end := strings.LastIndex(rest, "}")
		if end < 0 {
			return nil, fmt.Errorf("metrics line %d: no closing brace", line)
		}
		labels, err := parseLabels(rest[:end])
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: %w", line, err)
		}
		fields := strings.Fields(rest[end+1:])
		if len(fields) == 0 {
			return nil, fmt.Errorf("metrics line %d: no value", line)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d: value: %w", line, err)
		}
		s := series{
			Verb: labels["verb"], Group: labels["group"], Resource: labels["resource"],
			Subresource: labels["subresource"], DryRun: labels["dry_run"] != "",
		}
		counts[s] += v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return counts, nil
}

// parseLabels parses `a="x",b="y\"z"` into a map.
func parseLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	for s != "" {
		name, rest, ok := strings.Cut(s, "=")
		if !ok || len(rest) == 0 || rest[0] != '"' {
			return nil, fmt.Errorf("label %q: want name=\"value\"", s)
		}
		var value strings.Builder
		i := 1
		for ; i < len(rest) && rest[i] != '"'; i++ {
			c := rest[i]
			if c == '\\' && i+1 < len(rest) {
				i++
				switch rest[i] {
				case 'n':
					c = '\n'
				default:
					c = rest[i]
				}
			}
			value.WriteByte(c)
		}
		if i == len(rest) {
			return nil, fmt.Errorf("label %s: unterminated value", name)
		}
		labels[strings.TrimSpace(name)] = value.String()
		s = strings.TrimPrefix(rest[i+1:], ",")
	}
	return labels, nil
}

// sub returns the requests counted since before.
func (c requestCounts) sub(before requestCounts) requestCounts {
	diff := requestCounts{}
	for s, v := range c {
		if d := v - before[s]; d != 0 {
			diff[s] = d
		}
	}
	return diff
}

// requestTally sorts the requests of a requestCounts.
type requestTally struct {
	// Reads are the GET and LIST requests to the applied resources
	// (watches are not counted: they are long-lived).
	Reads int
	// Applied are the writes that persist to the resources the objects and
	// the inventory live in, by verb.
	Applied map[string]int
	// DryRun are dry-run writes to any resource.
	DryRun int
	// Other are the writes to other resources or to subresources
	// (status, binding): the controllers', the scheduler's and kwok's.
	Other int
}

// total is the number of Applied writes.
func (w requestTally) total() int {
	n := 0
	for _, v := range w.Applied {
		n += v
	}
	return n
}

// verbs lists the Applied writes as "1000 APPLY, 1 PUT", largest first.
func (w requestTally) verbs() string {
	var verbs []string
	for v := range w.Applied {
		verbs = append(verbs, v)
	}
	sort.Slice(verbs, func(i, j int) bool {
		if w.Applied[verbs[i]] != w.Applied[verbs[j]] {
			return w.Applied[verbs[i]] > w.Applied[verbs[j]]
		}
		return verbs[i] < verbs[j]
	})
	parts := make([]string, len(verbs))
	for i, v := range verbs {
		parts[i] = fmt.Sprintf("%d %s", w.Applied[v], v)
	}
	return strings.Join(parts, ", ")
}

// tally sorts the requests of c; applied names the resources the applied
// objects and the inventory live in.
func (c requestCounts) tally(applied map[schema.GroupResource]bool) requestTally {
	w := requestTally{Applied: map[string]int{}}
	for s, v := range c {
		n := int(v)
		isApplied := applied[schema.GroupResource{Group: s.Group, Resource: s.Resource}]
		if !isWrite(s.Verb) {
			if isApplied && (s.Verb == "GET" || s.Verb == "LIST") {
				w.Reads += n
			}
			continue
		}
		switch {
		case s.DryRun:
			w.DryRun += n
		case s.Subresource == "" && isApplied:
			w.Applied[s.Verb] += n
		default:
			w.Other += n
		}
	}
	return w
}

// meter reads the apiserver's request counters.
type meter struct {
	client *http.Client
	server string
}

// scrape reads apiserver_request_total from the apiserver's /metrics.
func (m meter) scrape(ctx context.Context) (requestCounts, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.server+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	counts, err := parseRequests(resp.Body)
	if err != nil {
		return nil, err
	}
	if len(counts) == 0 {
		return nil, errors.New("metrics: no " + requestMetric + " series")
	}
	return counts, nil
}

// during counts the requests the apiserver finished while fn ran, also
// when fn fails.
func (m meter) during(ctx context.Context, fn func() error) (requestCounts, error) {
	before, err := m.scrape(ctx)
	if err != nil {
		return nil, err
	}
	fnErr := fn()
	after, err := m.scrape(ctx)
	if err != nil {
		return nil, errors.Join(fnErr, err)
	}
	return after.sub(before), fnErr
}
