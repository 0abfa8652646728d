package cluster

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// auditPolicy has the API server log the deletions it answers, and
// nothing else: tests ask who deleted what, and how often.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
- level: Metadata
  verbs: ["delete", "deletecollection"]
- level: None
`

// auditFlags are kube-apiserver's flags for the audit log in dir.
func auditFlags(dir string) ([]string, error) {
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, fmt.Errorf("audit policy: %w", err)
	}
	return []string{"--audit-policy-file=" + policy, "--audit-log-path=" + filepath.Join(dir, "audit.log")}, nil
}

// Delete is one deletion the API server answered.
type Delete struct {
	// Resource, Namespace and Name say what was to be deleted
	// ("configmaps", "team", "web"); Name is empty for a deletecollection.
	Resource, Namespace, Name string
	// User asked for it.
	User string
	// Code is the answer: 200 or 202 deleted, 404 already gone.
	Code int
}

// Deleted reports whether the request deleted something.
func (d Delete) Deleted() bool { return d.Code == 200 || d.Code == 202 }

// Deletes lists the deletions the API server has answered since the
// cluster started, in order (restarts included: the log is appended to).
func (c *Cluster) Deletes() ([]Delete, error) {
	f, err := os.Open(filepath.Join(c.Dir, "audit.log"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Delete
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			Verb string `json:"verb"`
			User struct {
				Username string `json:"username"`
			} `json:"user"`
			ObjectRef struct {
				Resource  string `json:"resource"`
				Namespace string `json:"namespace"`
				Name      string `json:"name"`
			} `json:"objectRef"`
			ResponseStatus struct {
				Code int `json:"code"`
			} `json:"responseStatus"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		if ev.Verb != "delete" && ev.Verb != "deletecollection" {
			continue
		}
		out = append(out, Delete{Resource: ev.ObjectRef.Resource, Namespace: ev.ObjectRef.Namespace, Name: ev.ObjectRef.Name,
			User: ev.User.Username, Code: ev.ResponseStatus.Code})
	}
	return out, sc.Err()
}
