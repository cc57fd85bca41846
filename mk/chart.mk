# The Helm chart (charts/sluice), its CRD copy, and the image's Dockerfile checks. Helm is
# built with the control plane (scripts/controlplane.sh) into the same cache.
.PHONY: chart-crds chart-crds-check chart-lint chart-template chart-test chart-package

HELM = $(shell scripts/controlplane.sh path)/helm
CHART := charts/sluice

# Helm installs charts/sluice/crds/ as is and packages never follow links outside the chart,
# so the generated crds/ are copied in; chart-crds-check (and test/chart) catch drift.
chart-crds: crds ## regenerate crds/ and copy them into the chart
	@rm -f $(CHART)/crds/*.yaml
	@cp crds/*.yaml $(CHART)/crds/

chart-crds-check: ## fail when the chart's CRDs differ from crds/
	@diff -r -q crds $(CHART)/crds >/dev/null || { echo "$(CHART)/crds differs from crds/: run 'make chart-crds'" >&2; diff -r crds $(CHART)/crds | head -20 >&2; exit 1; }

chart-lint: controlplane chart-crds-check ## helm lint --strict, with default values and every option on
	$(HELM) lint --strict $(CHART)
	$(HELM) lint --strict $(CHART) --set nats.replicas=3,metrics.serviceMonitor.enabled=true,metrics.podMonitor.enabled=true,prometheusRule.enabled=true,grafanaDashboard.enabled=true,networkPolicy.enabled=true,watchNamespace=shop

chart-template: controlplane ## render the chart with default values
	$(HELM) template sluice $(CHART) --namespace sluice-system

chart-test: deps controlplane system-deps ## chart, Dockerfile and Argo CD health tests (helm, promtool, lua5.4, control plane)
	npx vitest run test/chart test/docker test/gitops

chart-package: controlplane chart-crds-check ## package the chart into .sluice/charts/
	$(HELM) package $(CHART) --destination .sluice/charts

check: chart-crds-check
