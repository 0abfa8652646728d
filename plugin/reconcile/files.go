package reconcile

import (
	"path"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// repoMessage is a result's message with its file named from the
// repository root rather than from the built directory dir.
func repoMessage(r *framework.Result, dir string) string {
	msg := strings.TrimSpace(r.Message)
	if r.File == nil || r.File.Path == "" || dir == "" {
		return msg
	}
	if rest, ok := strings.CutPrefix(msg, r.File.Path+": "); ok {
		return path.Join(dir, r.File.Path) + ": " + rest
	}
	return msg
}
