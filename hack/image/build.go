package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/oamgitops/kubectl-gitops/internal/reprobuild"
)

// Where things are in the image.
const (
	binaryPath = "/usr/local/bin/kubectl-gitops"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	nonroot    = 65532
	sourceURL  = "https://github.com/oamgitops/kubectl-gitops"
)

type builder struct {
	version   string
	platforms []string
	caBundle  string
	progress  io.Writer
}

// build writes the image index as an OCI layout in out and returns its
// digest.
func (b builder) build(ctx context.Context, out string) (v1.Hash, error) {
	epoch, err := reprobuild.SourceTime(ctx)
	if err != nil {
		return v1.Hash{}, err
	}
	commit := reprobuild.Commit(ctx)
	ca, err := os.ReadFile(b.caBundle)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("CA bundle: %w (install Debian's ca-certificates)", err)
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	tmp, err := os.MkdirTemp("", "image-build-")
	if err != nil {
		return v1.Hash{}, err
	}
	defer os.RemoveAll(tmp)
	for _, p := range b.platforms {
		goos, arch, ok := strings.Cut(strings.TrimSpace(p), "/")
		if !ok || goos != "linux" {
			return v1.Hash{}, fmt.Errorf("platform %q: want linux/<arch>", p)
		}
		bin := filepath.Join(tmp, "kubectl-gitops-"+arch)
		fmt.Fprintf(b.progress, "building kubectl-gitops %s for %s\n", b.version, p)
		if err := reprobuild.Static(ctx, goos, arch, b.version, "./plugin", bin); err != nil {
			return v1.Hash{}, err
		}
		img, err := b.image(bin, ca, arch, epoch, commit)
		if err != nil {
			return v1.Hash{}, fmt.Errorf("%s: %w", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: goos, Architecture: arch}}})
	}
	if err := os.RemoveAll(out); err != nil {
		return v1.Hash{}, err
	}
	lp, err := layout.Write(out, empty.Index)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("OCI layout %s: %w", out, err)
	}
	ref := map[string]string{"org.opencontainers.image.ref.name": b.version}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(ref)); err != nil {
		return v1.Hash{}, fmt.Errorf("OCI layout %s: %w", out, err)
	}
	return idx.Digest()
}

// image is one platform's image: one layer, run as nonroot.
func (b builder) image(bin string, ca []byte, arch string, epoch time.Time, commit string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	layerTar, err := rootfs(data, ca, epoch)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "hack/image", Comment: "kubectl-gitops " + b.version}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: epoch}
	cf.Config.User = strconv.Itoa(nonroot) + ":" + strconv.Itoa(nonroot)
	cf.Config.Entrypoint = []string{binaryPath}
	cf.Config.Cmd = []string{"agent"}
	cf.Config.WorkingDir = "/"
	cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=" + caPath, "HOME=/home/nonroot"}
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":    "kubectl-gitops",
		"org.opencontainers.image.source":   sourceURL,
		"org.opencontainers.image.version":  b.version,
		"org.opencontainers.image.revision": commit,
	}
	return mutate.ConfigFile(img, cf)
}

// rootfs is the layer: directories, users, the CA bundle and the binary,
// every entry stamped with epoch and in a fixed order.
func rootfs(binary, ca []byte, epoch time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(name string, mode int64, uid int) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: uid, Gid: uid, ModTime: epoch, Format: tar.FormatPAX})
	}
	file := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	passwd := "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group := "root:x:0:\nnonroot:x:65532:\n"
	steps := []func() error{
		func() error { return dir("etc", 0o755, 0) },
		func() error { return file("etc/group", 0o644, []byte(group)) },
		func() error { return file("etc/passwd", 0o644, []byte(passwd)) },
		func() error { return dir("etc/ssl", 0o755, 0) },
		func() error { return dir("etc/ssl/certs", 0o755, 0) },
		func() error { return file(strings.TrimPrefix(caPath, "/"), 0o644, ca) },
		func() error { return dir("home", 0o755, 0) },
		func() error { return dir("home/nonroot", 0o700, nonroot) },
		func() error { return dir("tmp", 0o1777, 0) },
		func() error { return dir("usr", 0o755, 0) },
		func() error { return dir("usr/local", 0o755, 0) },
		func() error { return dir("usr/local/bin", 0o755, 0) },
		func() error { return file(strings.TrimPrefix(binaryPath, "/"), 0o755, binary) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
