// Package reprobuild builds this repository's commands the way a release
// ships them, reproducibly: static, -trimpath, no VCS stamp or build id,
// and stamped with the last commit's time.
package reprobuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// VersionVar is where -X puts the version the plugin reports.
const VersionVar = "github.com/oamgitops/kubectl-gitops/plugin/cmd.Version"

// Static builds pkg for goos/arch into out, reporting version.
func Static(ctx context.Context, goos, arch, version, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid= -X "+VersionVar+"="+version, "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+arch, "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s/%s: %w\n%s", pkg, goos, arch, err, stderr.String())
	}
	return nil
}

// SourceTime is SOURCE_DATE_EPOCH, else the last commit's time; outside a
// Git checkout, the Unix epoch.
func SourceTime(ctx context.Context) (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		out, err := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct").Output()
		if err != nil {
			return time.Unix(0, 0).UTC(), nil
		}
		s = strings.TrimSpace(string(out))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("source time %q: %w", s, err)
	}
	return time.Unix(n, 0).UTC(), nil
}

// Commit is the checked-out commit, "" outside a Git checkout.
func Commit(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
