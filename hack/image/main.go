// Command image builds the agent's container image without Docker, and
// pushes it.
//
//	go run ./hack/image build -out bin/image -version v0.2.0
//	go run ./hack/image push -from bin/image -image 127.0.0.1:5000/kubectl-gitops:dev
//
// build compiles kubectl-gitops statically for each platform
// (linux/amd64 and linux/arm64 by default) and writes a multi-arch OCI
// image index as an OCI layout: one layer with the binary, a CA bundle and
// the users root and nonroot (65532), run as nonroot. Every timestamp is
// the last commit's time (SOURCE_DATE_EPOCH when set), and the build is
// -trimpath with no build id, so the same source gives the same digest.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want a command: build or push")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	switch args[0] {
	case "build":
		out := fs.String("out", "bin/image", "directory of the OCI layout to write")
		version := fs.String("version", "dev", "version the binary reports and the image is tagged with")
		platforms := fs.String("platforms", "linux/amd64,linux/arm64", "platforms to build, comma separated")
		cacerts := fs.String("ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "CA certificates to put in the image")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		b := builder{version: *version, platforms: strings.Split(*platforms, ","), caBundle: *cacerts, progress: os.Stderr}
		digest, err := b.build(ctx, *out)
		if err != nil {
			return err
		}
		fmt.Printf("%s %s\n", *out, digest)
		return nil
	case "push":
		from := fs.String("from", "bin/image", "OCI layout written by build")
		image := fs.String("image", os.Getenv("IMAGE"), "where to push: host/repository:tag (default $IMAGE)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *image == "" {
			return fmt.Errorf("push: no -image and no $IMAGE: say where to push, e.g. IMAGE=ghcr.io/me/kubectl-gitops:v1 make image-push")
		}
		digest, err := push(ctx, *from, *image)
		if err != nil {
			return err
		}
		fmt.Printf("%s@%s\n", *image, digest)
		return nil
	}
	return fmt.Errorf("unknown command %q: want build or push", args[0])
}
