#!/usr/bin/env bash
# make demo: the seed's story. First offline (render the config repo the way
# users render it), then live: a local cluster and a Git server with the
# seed's config repo, synced with kubectl gitops (hack/demo/main.go).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=testdata/seed-repo
bin=bin

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# infrastructure/ installs the MySQL operator from its Helm chart: it is
# built by the live part below, which serves the chart from a local Helm
# repository (testdata/charts).

step "kubectl gitops build $repo/apps  (my-app: Deployment, Service, Ingress)"
PATH="$PWD/$bin:$PATH" kubectl gitops build "$repo/apps"

step "render-application standalone on apps/my-app.yaml, objects only"
"$bin/render-application" "$repo/apps/my-app.yaml" | grep -E '^kind:'

step "the live story: a local cluster, a Git server, kubectl gitops sync / diff"
go run ./hack/demo -bin "$bin/kubectl-gitops"
