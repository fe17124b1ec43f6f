#!/bin/sh
# One run of the feature-store point-in-time benchmark and its peers on the same files (docs/benchmarks.md § Features).
# Usage (from the repository root): benchmarks/peers/features_run.sh [data dir]
set -e
DATA=${1:-/tmp/mlops-features-data}
export MLOPS_FEATURES_DATA="$DATA"
echo "== MLOps.Features (BenchmarkDotNet, out of process) =="
(cd benchmarks/MLOps.Benchmarks && dotnet run -c Release -- --filter '*FeaturesPointInTime*' '*FeaturesOnlineRead*') | grep -E '^\||features:'
echo "== DuckDB ASOF JOIN =="
dotnet run -c Release --project benchmarks/peers/features_duckdb -- "$DATA" 3
echo "== pandas merge_asof =="
/usr/bin/python3 benchmarks/peers/features_pandas.py "$DATA" 2
