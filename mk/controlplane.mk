# A real Kubernetes control plane for integration tests (test/controlplane/): kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, etcd, helm and kwok built with Go from the
# pinned wrapper modules into $(SLUICE_CACHE)/controlplane/<version>/bin. The first build takes
# 5-15 minutes on 2 cores; afterwards it is a no-op until test/controlplane/go.{mod,sum} change.
.PHONY: controlplane controlplane-path

controlplane: ## build the Kubernetes control plane, etcd, helm and kwok for integration tests (cached)
	@scripts/controlplane.sh build

controlplane-path: ## print the directory holding the control-plane binaries
	@scripts/controlplane.sh path

# vitest runs test/controlplane/*.test.ts (and any test starting a control plane), so the
# binaries must exist first.
unit: controlplane
