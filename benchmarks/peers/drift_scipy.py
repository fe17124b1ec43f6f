#!/usr/bin/python3
"""SciPy/NumPy side of the MLOps.Drift benchmarks (docs/benchmarks-drift.md).

Generates the benchmark data (written as raw little-endian float64 files so the .NET benchmark reads the very same
values), then times on this machine, in this run:
  * scipy.stats.ks_2samp(ref, cur) on 1M vs 1M doubles (method='auto' -> asymptotic, as Evidently calls it);
  * Evidently's PSI on 10M vs 10M doubles: get_binned_data (Sturges bins over the combined data, np.histogram)
    plus the eps fill and sum(r - c) * ln(r / c) (drift.md §1.4-1.5), without pandas.

Usage: /usr/bin/python3 benchmarks/peers/drift_scipy.py [--data DIR] [--repeat N]
Prints one JSON object with best-of-N wall times in milliseconds and the values, for comparison with .NET.
"""
import argparse
import json
import os
import time

import numpy as np
import scipy
from scipy import stats


def generate(data_dir):
    os.makedirs(data_dir, exist_ok=True)
    rng = np.random.default_rng(20240601)
    files = {
        "ks_ref": rng.normal(0.0, 1.0, 1_000_000),
        "ks_cur": rng.normal(0.01, 1.0, 1_000_000),
        "psi_ref": rng.normal(0.0, 1.0, 10_000_000),
        "psi_cur": rng.normal(0.05, 1.1, 10_000_000),
    }
    for name, values in files.items():
        values.astype("<f8").tofile(os.path.join(data_dir, name + ".f64"))
    return files


def evidently_psi(ref, cur):
    # get_binned_data for a numerical column with > 20 unique reference values (drift.md §1.4)
    bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    r = np.histogram(ref, bins)[0] / len(ref)
    c = np.histogram(cur, bins)[0] / len(cur)
    for arr in (r, c):
        m = min(arr[arr != 0])
        np.place(arr, arr == 0, m / 10 ** 6 if m <= 0.0001 else 0.0001)
    return float(np.sum((r - c) * np.log(r / c)))


def best_of(fn, repeat):
    best, value = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000.0, value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "BenchmarkDotNet.Artifacts", "drift-data"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    d = generate(args.data)
    ks_ms, ks = best_of(lambda: stats.ks_2samp(d["ks_ref"], d["ks_cur"]), args.repeat)
    psi_ms, psi = best_of(lambda: evidently_psi(d["psi_ref"], d["psi_cur"]), args.repeat)
    print(json.dumps({
        "scipy": scipy.__version__, "numpy": np.__version__, "data": os.path.abspath(args.data),
        "ks_2samp_1m_ms": round(ks_ms, 1), "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
        "evidently_psi_10m_ms": round(psi_ms, 1), "psi": psi,
    }, indent=1))


if __name__ == "__main__":
    main()
