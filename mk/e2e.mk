# The end-to-end suite (test/e2e/): a real control plane, nats-server, the operator process and
# the pods it renders run as local processes by the test pod runner. It is part of `make test`
# (short fault load); these targets run it alone, at full length, or as a benchmark.
.PHONY: e2e e2e-long bench-cluster

e2e: deps controlplane system-deps ## end-to-end tests on the cluster data plane (about 3 minutes)
	npx vitest run test/e2e

e2e-long: deps controlplane system-deps ## the fault scenario at full length: a minute of load, a 60 s webhook outage
	SLUICE_E2E_LOAD_SECONDS=60 SLUICE_E2E_RATE=3000 SLUICE_E2E_OUTAGE_SECONDS=60 npx vitest run test/e2e/faults.test.ts

bench-cluster: deps controlplane system-deps ## throughput and end-to-end latency through NATS at 1,000 / 5,000 / max events/s, and the fault scenario's duplicate rate; never fails on speed
	node test/bench/cluster.bench.ts
