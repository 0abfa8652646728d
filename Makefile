# kubectl-gitops — see README.md. Two commands do all set-up: `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
export GOTOOLCHAIN := local

BIN := $(CURDIR)/bin
# Tools and cluster binaries are cached outside the clone, keyed by version,
# so a fresh clone (CI) reuses them.
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/kubectl-gitops
TOOLS_BIN := $(CACHE_DIR)/tools/bin
KUSTOMIZE_VERSION := v5.8.2
KUSTOMIZE := $(TOOLS_BIN)/kustomize-$(KUSTOMIZE_VERSION)
# The helm CLI of the SDK version in go.mod: krm/helm's output is checked against `helm template`.
HELM_VERSION := v3.21.4
HELM := $(TOOLS_BIN)/helm-$(HELM_VERSION)
# The sops and age-keygen CLIs of the library versions in go.mod: the SOPS tests and the demo
# encrypt with them as a user would. SOPS_DISABLE_VERSION_CHECK keeps sops from asking GitHub.
SOPS_VERSION := v3.13.3
SOPS := $(TOOLS_BIN)/sops-$(SOPS_VERSION)
AGE_VERSION := v1.3.1
AGE_KEYGEN := $(TOOLS_BIN)/age-keygen-$(AGE_VERSION)
export SOPS_DISABLE_VERSION_CHECK := 1
REFERENCE := $(CURDIR)/../shared/reference

FUNCTIONS := render-application patch-application set-image
BINARIES := $(addprefix $(BIN)/,$(FUNCTIONS)) $(BIN)/kubectl-gitops $(BIN)/kubectl_complete-gitops

# The version the binaries report and the image is tagged with.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: image image-push all build test fuzz unit reference catalog-docs check-catalog-docs tools ssh-server bench demo clean cluster-binaries cluster-up cluster-down

all: build

build: $(BINARIES)

$(BIN)/%: FORCE
	$(GO) build -o $@ ./functions/$*

$(BIN)/kubectl-gitops: FORCE
	$(GO) build -o $@ ./plugin

# kubectl runs kubectl_complete-gitops from PATH to complete `kubectl gitops …`.
$(BIN)/kubectl_complete-gitops: plugin/kubectl_complete-gitops
	install -m 0755 $< $@

FORCE:

tools: $(KUSTOMIZE) $(HELM) $(SOPS) $(AGE_KEYGEN) ssh-server

# OpenSSH's daemon for test/sshserver, the SSH Git server of the tests (Debian's openssh-server).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
ssh-server:
	@command -v /usr/sbin/sshd >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y openssh-server)

$(KUSTOMIZE):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(TOOLS_BIN)/kustomize $@

$(HELM):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(TOOLS_BIN)/helm $@

$(SOPS):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) $(GO) install github.com/getsops/sops/v3/cmd/sops@$(SOPS_VERSION)
	mv $(TOOLS_BIN)/sops $@

$(AGE_KEYGEN):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) $(GO) install filippo.io/age/cmd/age-keygen@$(AGE_VERSION)
	mv $(TOOLS_BIN)/age-keygen $@

# Every test: unit and golden tests, the catalog README check, the tests that
# run the built binaries through kustomize and kpt, the reference renders,
# and each fuzz target for FUZZTIME.
test: build tools check-catalog-docs cluster-binaries
	KUSTOMIZE=$(KUSTOMIZE) HELM=$(HELM) SOPS=$(SOPS) AGE_KEYGEN=$(AGE_KEYGEN) BIN=$(BIN) $(GO) test -count=1 -timeout 45m ./...
	$(MAKE) --no-print-directory fuzz
	@if [ -d $(REFERENCE)/render ]; then \
		bash $(REFERENCE)/render/run-all.sh '$(BIN)/render-application' ; \
	else echo "reference renders not found at $(REFERENCE); skipped"; fi
	@if [ -d $(REFERENCE)/imagepolicy ]; then \
		bash $(REFERENCE)/imagepolicy/run-select.sh '$(BIN)/kubectl-gitops' ; \
	else echo "reference image policy cases not found at $(REFERENCE); skipped"; fi

# The fuzz targets, FUZZTIME each (a crash is written under the package's
# testdata/fuzz and then runs with every go test as a regression case).
FUZZTIME ?= 5s
FUZZ_TARGETS = krm/oam:FuzzParse krm/oam:FuzzReadStreamNeverQuotes krm/setters:FuzzSetBytes \
	krm/imagepolicy:FuzzExtract krm/fnconfig:FuzzLoad
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		log=$$(mktemp); \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) ./$$pkg >$$log 2>&1 || { tail -40 $$log; rm -f $$log; exit 1; }; \
		rm -f $$log; \
	done

catalog-docs:
	$(GO) run ./catalog/docgen > catalog/README.md

check-catalog-docs:
	@$(GO) run ./catalog/docgen | diff -u catalog/README.md - \
		|| { echo "catalog/README.md is stale: run make catalog-docs"; exit 1; }

bench: build tools
	KUSTOMIZE=$(KUSTOMIZE) BIN=$(BIN) bash hack/bench.sh

# The local cluster of test/cluster (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok with one fake node) on 127.0.0.1 and free ports. Its binaries are
# built once (about ten minutes) into $(CACHE_DIR)/cluster/<version>/; e2e tests start their own.
cluster-binaries:
	$(GO) run ./hack/cluster build

# REAL_NODE=1 adds a real node (containerd, runc, the bridge CNI, a kubelet; needs root) beside the
# fake one, with the network guarded so no packet leaves the machine.
cluster-up:
	@REAL_NODE=$(REAL_NODE) $(GO) run ./hack/cluster up

cluster-down:
	@$(GO) run ./hack/cluster down

demo: build cluster-binaries $(SOPS) $(AGE_KEYGEN)
	SOPS=$(SOPS) AGE_KEYGEN=$(AGE_KEYGEN) bash hack/demo.sh

# The agent's image, linux/amd64 and linux/arm64, as an OCI layout in bin/image
# (no Docker: go-containerregistry). Reproducible: the same commit gives the same digest.
image:
	$(GO) run ./hack/image build -out $(BIN)/image -version $(VERSION)

# IMAGE=host/repository:tag make image-push
image-push: image
	@test -n "$(IMAGE)" || { echo "say where to push: IMAGE=host/repository:tag make image-push"; exit 1; }
	$(GO) run ./hack/image push -from $(BIN)/image -image $(IMAGE)

clean:
	rm -rf $(BIN)
