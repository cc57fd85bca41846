# The operator at scale on a real control plane (etcd, kube-apiserver, kube-controller-manager
# from `make controlplane`): 1,000 Sources and 1,000 Destinations applied at once; the time
# until all are Ready, the API requests the operator issued and its peak RSS. Prints a table
# and one JSON line; never fails on speed.
.PHONY: bench-operator

bench-operator: deps controlplane ## operator benchmark: 1,000 Sources + 1,000 Destinations to Ready (targets ≤ 60 s, ≤ 150 MB peak RSS)
	node test/bench/operator.bench.ts $(BENCH_OPERATOR_ARGS)
