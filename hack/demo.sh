#!/usr/bin/env bash
# make demo: the seed's config repo, rendered the way users render it.
# (The live-cluster half — Git server, registry, kube-apiserver — arrives with
# `kubectl gitops sync`; until then the demo renders offline.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=testdata/seed-repo
bin=bin

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "kubectl gitops build $repo/infrastructure  (the MySQL operator, then its MysqlCluster)"
PATH="$PWD/$bin:$PATH" kubectl gitops build "$repo/infrastructure" | grep -E '^(kind|  name):' | paste - - | column -t

step "kubectl gitops build $repo/apps  (my-app: Deployment, Service, Ingress)"
PATH="$PWD/$bin:$PATH" kubectl gitops build "$repo/apps"

step "render-application standalone on apps/my-app.yaml, objects only"
"$bin/render-application" "$repo/apps/my-app.yaml" | grep -E '^kind:'
