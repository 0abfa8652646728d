package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/oamgitops/kubectl-gitops/internal/reprobuild"
)

var defaultPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// binaries are the commands a release archive holds, by package.
var binaries = []struct{ name, pkg string }{
	{"kubectl-gitops", "./plugin"},
	{"render-application", "./functions/render-application"},
	{"patch-application", "./functions/patch-application"},
	{"set-image", "./functions/set-image"},
}

type release struct {
	version, repo string
	platforms     []string
	progress      io.Writer
}

// artifact is one archive and its checksum.
type artifact struct {
	goos, arch, file, sha256 string
}

func (r release) build(ctx context.Context, out string) error {
	epoch, err := reprobuild.SourceTime(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var arts []artifact
	for _, p := range r.platforms {
		goos, arch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok {
			return fmt.Errorf("platform %q: want os/arch", p)
		}
		files := map[string][]byte{}
		for _, b := range binaries {
			name := b.name + exe(goos)
			bin := filepath.Join(tmp, goos+"-"+arch+"-"+name)
			fmt.Fprintf(r.progress, "building %s for %s\n", name, p)
			if err := reprobuild.Static(ctx, goos, arch, r.version, b.pkg, bin); err != nil {
				return err
			}
			data, err := os.ReadFile(bin)
			if err != nil {
				return err
			}
			files[name] = data
		}
		if goos != "windows" { // kubectl runs it from PATH to complete `kubectl gitops`
			data, err := os.ReadFile("plugin/kubectl_complete-gitops")
			if err != nil {
				return err
			}
			files["kubectl_complete-gitops"] = data
		}
		for _, doc := range []string{"README.md", "LICENSE"} {
			if data, err := os.ReadFile(doc); err == nil {
				files[doc] = data
			}
		}
		base := fmt.Sprintf("kubectl-gitops_%s_%s_%s", r.version, goos, arch)
		var archive []byte
		if goos == "windows" {
			base += ".zip"
			archive, err = zipOf(files, epoch)
		} else {
			base += ".tar.gz"
			archive, err = tarGzOf(files, epoch)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", base, err)
		}
		if err := os.WriteFile(filepath.Join(out, base), archive, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(archive)
		arts = append(arts, artifact{goos: goos, arch: arch, file: base, sha256: hex.EncodeToString(sum[:])})
	}
	var sums strings.Builder
	for _, a := range arts {
		fmt.Fprintf(&sums, "%s  %s\n", a.sha256, a.file)
	}
	if err := os.WriteFile(filepath.Join(out, "checksums.txt"), []byte(sums.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "gitops.yaml"), []byte(krewManifest(r.version, r.repo, arts)), 0o644)
}

func exe(goos string) string {
	if goos == "windows" {
		return ".exe"
	}
	return ""
}

// sorted are the names of files in order, so archives are reproducible.
func sorted(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func mode(name string) int64 {
	if strings.HasSuffix(name, ".md") || name == "LICENSE" {
		return 0o644
	}
	return 0o755
}

func tarGzOf(files map[string][]byte, epoch time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, n := range sorted(files) {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: mode(n), Size: int64(len(files[n])), ModTime: epoch, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func zipOf(files map[string][]byte, epoch time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range sorted(files) {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: epoch}
		h.SetMode(os.FileMode(mode(n)))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// krewManifest is the krew index entry of the release.
func krewManifest(version, repo string, arts []artifact) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: gitops
spec:
  version: %s
  homepage: https://github.com/%s
  shortDescription: GitOps delivery of OAM Applications, no control plane needed
  description: |
    Renders KubeVela-style OAM Applications from a Git config repo offline,
    syncs them to the cluster in dependency order gated on health, prunes
    what left Git, reports status like vela ls, and runs as an agent in the
    cluster (pull mode) with image automation.
  platforms:
`, version, repo)
	for _, a := range arts {
		fmt.Fprintf(&b, `  - selector:
      matchLabels:
        os: %s
        arch: %s
    uri: https://github.com/%s/releases/download/%s/%s
    sha256: %s
    bin: kubectl-gitops%s
`, a.goos, a.arch, repo, version, a.file, a.sha256, exe(a.goos))
	}
	return b.String()
}
