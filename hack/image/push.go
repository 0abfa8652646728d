package main

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// push sends the image index of the OCI layout at from to image, with the
// credentials of the Docker config (a registry on localhost is spoken to
// over plain HTTP).
func push(ctx context.Context, from, image string) (v1.Hash, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image %q: %w", image, err)
	}
	lp, err := layout.FromPath(from)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("OCI layout %s: %w (run make image first)", from, err)
	}
	outer, err := lp.ImageIndex()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("OCI layout %s: %w", from, err)
	}
	m, err := outer.IndexManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	if len(m.Manifests) != 1 {
		return v1.Hash{}, fmt.Errorf("OCI layout %s: %d entries, want the one index build writes", from, len(m.Manifests))
	}
	idx, err := outer.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("OCI layout %s: %w", from, err)
	}
	if err := remote.WriteIndex(ref, idx, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return idx.Digest()
}
