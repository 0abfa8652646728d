// Command release builds what a release publishes, into one directory:
// for linux, darwin and windows on amd64 and arm64, an archive with the
// kubectl-gitops plugin, its completion helper and the three KRM function
// binaries; checksums.txt (sha256); and gitops.yaml, the krew plugin
// manifest pointing at the archives of the release on GitHub.
//
//	go run ./hack/release -version v0.2.0 -out dist
//
// Archives are reproducible: entries in a fixed order, stamped with the
// last commit's time (SOURCE_DATE_EPOCH when set), binaries built with
// -trimpath and no build id.
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
	version := flag.String("version", "", "the release's version tag, e.g. v0.2.0")
	out := flag.String("out", "dist", "directory to write the archives, checksums and krew manifest into")
	platforms := flag.String("platforms", strings.Join(defaultPlatforms, ","), "os/arch pairs to build")
	repo := flag.String("repo", "oamgitops/kubectl-gitops", "GitHub repository the release is published in")
	flag.Parse()
	if *version == "" {
		fmt.Fprintln(os.Stderr, "release: -version is required, e.g. -version v0.2.0")
		os.Exit(2)
	}
	r := release{version: *version, repo: *repo, platforms: strings.Split(*platforms, ","), progress: os.Stderr}
	if err := r.build(ctx, *out); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}
