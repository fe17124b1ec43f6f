#!/usr/bin/python3
"""pandas merge_asof peer (the stand-in for Feast's file offline store) for docs/benchmarks-features.md.

Reads the raw little-endian copies that FeaturesBenchmarks writes next to the Parquet files (Debian has no pyarrow),
then times merge_asof(by=entity_id, direction=backward) with 8 float features. Sorting, which merge_asof requires,
is included in the timing, as Feast's file store has to do it too.
Usage: /usr/bin/python3 features_pandas.py <data dir> [iterations]
"""
import os, resource, sys, time
import numpy as np
import pandas as pd

d = sys.argv[1] if len(sys.argv) > 1 else "BenchmarkDotNet.Artifacts/features-data"
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 3
f = pd.DataFrame({"entity_id": np.fromfile(os.path.join(d, "features.entity_id.i64"), dtype="<i8"),
                  "event_timestamp": np.fromfile(os.path.join(d, "features.ts_us.i64"), dtype="<i8").astype("datetime64[us]")})
for i in range(8):
    f[f"f{i}"] = np.fromfile(os.path.join(d, f"features.f{i}.f32"), dtype="<f4")
e = pd.DataFrame({"entity_id": np.fromfile(os.path.join(d, "entities.entity_id.i64"), dtype="<i8"),
                  "event_timestamp": np.fromfile(os.path.join(d, "entities.ts_us.i64"), dtype="<i8").astype("datetime64[us]")})
print(f"pandas {pd.__version__}, feature rows {len(f)}, entity rows {len(e)}")
for i in range(iterations + 1):
    t = time.perf_counter()
    c = time.process_time()
    out = pd.merge_asof(e.sort_values("event_timestamp"), f.sort_values("event_timestamp"),
                        on="event_timestamp", by="entity_id", direction="backward")
    ms = (time.perf_counter() - t) * 1000
    cpu = (time.process_time() - c) * 1000
    print(f"{'warmup' if i == 0 else 'run'} {i}: {ms:.0f} ms, cpu {cpu:.0f} ms, rows={len(out)} matched={out['f0'].notna().sum()} sum_f0={out['f0'].sum():.3f}")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
