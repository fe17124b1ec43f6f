#!/usr/bin/python3
"""Reference values for MLOps.Drift parity tests.

Run with Debian's interpreter, which has SciPy 1.10.1 and NumPy 1.24 (`apt-get install python3-scipy`):

    /usr/bin/python3 tests/MLOps.Drift.Tests/Reference/make_reference.py

It writes tests/MLOps.Drift.Tests/Reference/reference.json. The file is committed; re-running must reproduce it
byte for byte (the data comes from an integer-only generator, the numbers from SciPy).

Inputs are not stored: each dataset is a small *spec* that the C# tests expand with the same SplitMix64
generator and the same IEEE operations (+, -, *, /, floor only), and a 64-bit FNV-1a hash of the raw values lets
the tests prove they rebuilt the very same data before comparing any statistic.

Sources (see ../shared/reference/drift.md, cited by section):
* SciPy 1.10 functions are called directly: ks_2samp, kstwo, special.smirnov, chi2, chisquare, power_divergence,
  wasserstein_distance, energy_distance, anderson_ksamp, cramervonmises_2samp, mannwhitneyu, fisher_exact,
  spatial.distance.jensenshannon, entropy, norm.
* Evidently-specific formulas (Evidently 0.7.21, src/evidently/legacy/calculations/stattests/*) are re-implemented
  below with NumPy in place of pandas, each function citing drift.md. Deliberate fixes of Evidently bugs
  (drift.md §1.6) are marked FIX.
"""
import json
import math
import os
import struct
import sys
import time
import warnings

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

assert scipy.__version__.startswith("1.10."), f"SciPy 1.10 expected, got {scipy.__version__}"

MASK = (1 << 64) - 1
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference.json")


# --------------------------------------------------------------------------------------------------------------
# Deterministic data: SplitMix64 and IEEE-exact transforms (mirrored by ReferenceData.cs)
# --------------------------------------------------------------------------------------------------------------
class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):  # [0, 1)
        return (self.next() >> 11) * 2.0 ** -53

    def uniform_open(self):  # (0, 1)
        return ((self.next() >> 12) * 2 + 1) * 2.0 ** -53


def gen_numeric(spec):
    kind = spec["kind"]
    if kind == "values":
        return [float(v) for v in spec["values"]]
    if kind == "repeat":
        out = []
        for v, c in zip(spec["values"], spec["counts"]):
            out.extend([float(v)] * c)
        return out
    if kind == "concat":
        out = []
        for part in spec["parts"]:
            out.extend(gen_numeric(part))
        return out
    rng = SplitMix64(spec["seed"])
    n, loc, scale = spec["n"], spec.get("loc", 0.0), spec.get("scale", 1.0)
    out = []
    for _ in range(n):
        if kind == "uniform":
            x = loc + scale * rng.uniform()
        elif kind == "normal":  # Irwin-Hall(12) - 6: sums only, so both languages round alike
            s = 0.0
            for _ in range(12):
                s += rng.uniform()
            x = loc + scale * (s - 6.0)
        elif kind == "heavy":  # ratio of uniforms: Cauchy-like tails
            u1 = rng.uniform()
            u2 = rng.uniform_open()
            x = loc + scale * (u1 - 0.5) / u2
        elif kind == "discrete":
            x = loc + math.floor(rng.uniform() * spec["k"])
        elif kind == "constant":
            x = loc
        else:
            raise ValueError(kind)
        if "round" in spec:
            f = 10.0 ** spec["round"]
            x = math.floor(x * f + 0.5) / f
        out.append(x)
    if "nan_every" in spec:
        for i in range(0, n, spec["nan_every"]):
            out[i] = math.nan
    if "inf_every" in spec:
        for i in range(1, n, spec["inf_every"]):
            out[i] = math.inf if (i // spec["inf_every"]) % 2 == 0 else -math.inf
    return out


def gen_text(spec):
    kind = spec["kind"]
    if kind == "values":
        return list(spec["values"])
    if kind == "repeat":
        out = []
        for v, c in zip(spec["values"], spec["counts"]):
            out.extend([v] * c)
        return out
    if kind == "cat":
        rng = SplitMix64(spec["seed"])
        weights = spec["weights"]
        total = 0.0
        for w in weights:
            total += w
        cum = []
        acc = 0.0
        for w in weights:
            acc += w / total
            cum.append(acc)
        out = []
        for _ in range(spec["n"]):
            u = rng.uniform()
            idx = len(weights) - 1
            for i, c in enumerate(cum):
                if u < c:
                    idx = i
                    break
            out.append(None if spec.get("null_every") and len(out) % spec["null_every"] == 0 else spec.get("prefix", "c") + str(idx))
        return out
    raise ValueError(kind)


def fnv_doubles(values):
    h = 0xCBF29CE484222325
    for v in values:
        bits = struct.unpack("<Q", struct.pack("<d", v))[0]
        h = ((h ^ bits) * 0x100000001B3) & MASK
    return format(h, "016x")


def fnv_text(values):
    h = 0xCBF29CE484222325
    for v in values:
        data = b"\xff" if v is None else v.encode("utf-8") + b"\x00"
        for byte in data:
            h = ((h ^ byte) * 0x100000001B3) & MASK
    return format(h, "016x")


def clean_numeric(values):
    """Evidently's get_one_column_drift: ±inf -> NaN, dropna (drift.md §1.1)."""
    a = np.asarray(values, dtype=float)
    return a[np.isfinite(a)]


def clean_text(values):
    return [v for v in values if v is not None]


# --------------------------------------------------------------------------------------------------------------
# Evidently re-implementations (NumPy instead of pandas; keys visited in sorted order, see DriftTests remarks)
# --------------------------------------------------------------------------------------------------------------
def value_counts(ref, cur):
    """keys = union of non-NaN unique values; counts per side (stattests/utils.py; drift.md §1.4)."""
    keys = sorted(set(ref) | set(cur))
    rc = {k: 0 for k in keys}
    cc = {k: 0 for k in keys}
    for v in ref:
        rc[v] += 1
    for v in cur:
        cc[v] += 1
    return keys, np.array([rc[k] for k in keys]), np.array([cc[k] for k in keys])


def get_binned_data(ref, cur, feature_type, feel_zeroes=True):
    """drift.md §1.4: Sturges bins over the COMBINED data when numerical with > 20 unique reference values,
    otherwise value counts over the union of keys; then per-side eps fill (no renormalisation)."""
    n_vals = len(set(ref))
    if feature_type == "num" and n_vals > 20:
        combined = np.concatenate([np.asarray(ref, float), np.asarray(cur, float)])
        bins = np.histogram_bin_edges(combined, bins="sturges")
        ref_p = np.histogram(np.asarray(ref, float), bins)[0] / len(ref)
        cur_p = np.histogram(np.asarray(cur, float), bins)[0] / len(cur)
    else:
        keys, rc, cc = value_counts(list(ref), list(cur))
        ref_p = np.array([c / len(ref) for c in rc])
        cur_p = np.array([c / len(cur) for c in cc])
    if feel_zeroes:
        for arr in (ref_p, cur_p):
            m = min(arr[arr != 0])
            np.place(arr, arr == 0, m / 10 ** 6 if m <= 0.0001 else 0.0001)
    return ref_p, cur_p


def ev_psi(ref, cur, ft):
    """psi.py; drift.md §1.5: sum (r - c) ln(r / c) on eps-filled bins."""
    r, c = get_binned_data(ref, cur, ft)
    return float(np.sum((r - c) * np.log(r / c)))


def ev_kl(ref, cur, ft):
    """kl_div.py: scipy.stats.entropy(ref%, cur%) on eps-filled bins (entropy renormalises)."""
    r, c = get_binned_data(ref, cur, ft)
    return float(stats.entropy(r, c))


def ev_js(ref, cur, ft, base=None):
    """jensenshannon.py: scipy.spatial.distance.jensenshannon on bins without eps fill; base=None -> nats.
    base=2 is the NannyML-style variant (drift.md §1.5)."""
    r, c = get_binned_data(ref, cur, ft, feel_zeroes=False)
    return float(distance.jensenshannon(r, c, base))


def ev_hellinger(ref, cur, ft):
    """hellinger_distance.py; drift.md §1.5 (categorical: shares; numerical: Sturges density bins over the
    DISTINCT values of ref ∪ cur, times the average bin width)."""
    keys = sorted(set(ref) | set(cur))
    h = 0.0
    if ft == "cat":
        _, rc, cc = value_counts(list(ref), list(cur))
        for p1, p2 in zip(rc / len(ref), cc / len(cur)):
            h += math.sqrt(float(p1) * float(p2))
    else:
        bins = np.histogram_bin_edges(keys, bins="sturges")
        h1 = np.histogram(np.asarray(ref, float), bins=bins, density=True)[0]
        h2 = np.histogram(np.asarray(cur, float), bins=bins, density=True)[0]
        bin_width = (max(bins) - min(bins)) / (len(bins) - 1)
        for i in range(len(h1)):
            h += math.sqrt(float(h1[i]) * float(h2[i])) * bin_width
    h = np.clip(h, 0, 1)
    return float(math.sqrt(1 - h))


def ev_z(ref, cur):
    """z_stattest.py; drift.md §1.5: first sorted key -> 0, others -> 1; pooled two-proportion z; two-sided."""
    if len(set(ref)) == 1 and len(set(cur)) == 1 and ref[0] == cur[0]:
        return 0.0, 1.0
    keys = sorted(set(ref) | set(cur))
    r = [0 if x == keys[0] else 1 for x in ref]
    c = [0 if x == keys[0] else 1 for x in cur]
    n1, n2 = len(r), len(c)
    p1 = float(sum(r)) / n1
    p2 = float(sum(c)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - stats.norm.cdf(np.abs(z))))


def scaled_counts(ref, cur):
    keys, rc, cc = value_counts(list(ref), list(cur))
    k_norm = len(cur) / len(ref)
    return [c for c in cc], [r * k_norm for r in rc]


def ev_chisquare(ref, cur):
    """chisquare_stattest.py; drift.md §1.5: goodness of fit of current counts against reference counts scaled
    by n_cur/n_ref."""
    f_obs, f_exp = scaled_counts(ref, cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = stats.chisquare(f_obs, f_exp)
    return float(r[0]), float(r[1])


def ev_gtest(ref, cur):
    """g_stattest.py with FIX (drift.md §1.6, Evidently PR #1928): f_exp scaled like chisquare."""
    f_obs, f_exp = scaled_counts(ref, cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = stats.power_divergence(f_obs, f_exp, lambda_="log-likelihood")
    return float(r[0]), float(r[1])


def ev_tvd(ref, cur):
    """tvd_stattest.py _total_variation_distance with FIX (drift.md §1.6): report the distance itself."""
    keys, rc, cc = value_counts(list(ref), list(cur))
    return float(0.5 * np.sum(np.abs(rc / sum(rc) - cc / sum(cc))))


def ev_fisher(ref, cur):
    """fisher_exact_stattest.py with FIX: any lengths. Table [[ones_cur, zeros_cur], [ones_ref, zeros_ref]] with
    the second sorted category as 'one' (Evidently uses set order; the two-sided p is symmetric)."""
    keys = sorted(set(ref) | set(cur))
    if len(keys) > 2:
        raise ValueError("more than two categories")
    if len(keys) == 1:
        return math.nan, 1.0
    one = keys[1]
    ones_ref = sum(1 for v in ref if v == one)
    ones_cur = sum(1 for v in cur if v == one)
    r = stats.fisher_exact([[ones_cur, len(cur) - ones_cur], [ones_ref, len(ref) - ones_ref]])
    return float(r[0]), float(r[1])


def ev_wasserstein_norm(ref, cur):
    """wasserstein_distance_norm.py; drift.md §1.5: W1 / max(np.std(ref), 0.001) (population std)."""
    norm = max(float(np.std(ref)), 0.001)
    return float(stats.wasserstein_distance(ref, cur) / norm)


def default_stattest(ref, cur, feature_type):
    """registry.py _get_default_stattest, verbatim logic (drift.md §1.2)."""
    n_values = len(set(ref) | set(cur))
    if len(ref) <= 1000:
        if feature_type == "num":
            if n_values <= 5:
                return "chisquare" if n_values > 2 else "z"
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if feature_type == "num":
        return "jensenshannon" if n_values <= 5 else "wasserstein"
    return "jensenshannon"


DEFAULT_THRESHOLD = {"ks": 0.05, "chisquare": 0.05, "z": 0.05, "mannw": 0.05}
P_LE = {"ks", "cramer_von_mises"}
P_LT = {"chisquare", "z", "anderson", "mannw", "fisher_exact", "g_test"}


def drifted(name, score, t=None):
    """Evidently's decision rules (drift.md §1.3): <= for ks/cvm, < for other p-values, > for ed, >= otherwise."""
    t = DEFAULT_THRESHOLD.get(name, 0.1) if t is None else t
    if name in P_LE:
        return bool(score <= t)
    if name in P_LT:
        return bool(score < t)
    if name == "ed":
        return bool(score > t)
    return bool(score >= t)


# --------------------------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------------------------
def N(n, seed, loc=0.0, scale=1.0, **kw):
    return dict(kind="normal", n=n, seed=seed, loc=loc, scale=scale, **kw)


def U(n, seed, loc=0.0, scale=1.0, **kw):
    return dict(kind="uniform", n=n, seed=seed, loc=loc, scale=scale, **kw)


def H(n, seed, loc=0.0, scale=1.0, **kw):
    return dict(kind="heavy", n=n, seed=seed, loc=loc, scale=scale, **kw)


def D(n, seed, k, loc=0.0, **kw):
    return dict(kind="discrete", n=n, seed=seed, k=k, loc=loc, **kw)


def C(n, loc):
    return dict(kind="constant", n=n, seed=0, loc=loc)


ROW1_REF = dict(kind="repeat", values=[1, 2, 3, 4, 5, 6], counts=[16, 18, 16, 14, 12, 12])
ROW1_CUR = dict(kind="repeat", values=[1, 2, 3, 4, 5, 6], counts=[16, 16, 16, 16, 16, 8])
AD_REF = dict(kind="values", values=[38.7, 41.5, 43.8, 44.5, 45.5, 46.0, 47.7, 58.0])
AD_CUR = dict(kind="values", values=[39.2, 39.3, 39.7, 41.4, 41.8, 42.9, 43.3, 45.8])
AD_REF_PLUS5 = dict(kind="values", values=[v + 5 for v in AD_REF["values"]])

NUMERIC = {
    # small / exact regime
    "s_normal_20_30": (N(20, 1), N(30, 2, 0.5)),
    "s_normal_50_50": (N(50, 3), N(50, 4, 0.3)),
    "s_ties_40_60": (N(40, 5, round=1), N(60, 6, 0.2, round=1)),
    "s_discrete_30_45": (D(30, 7, 5), D(45, 8, 5)),
    "s_constant_10_12": (C(10, 3.0), C(12, 3.0)),
    "s_const_vs_other": (C(10, 3.0), C(14, 4.0)),
    "s_disjoint_15_25": (U(15, 9), U(25, 10, 5.0)),
    "s_heavy_25_35": (H(25, 11), H(35, 12, 0.5)),
    "s_tiny_1_1": (dict(kind="values", values=[1.0]), dict(kind="values", values=[2.0])),
    "s_tiny_1_5": (dict(kind="values", values=[0.5]), U(5, 13)),
    "s_tiny_3_4": (U(3, 14), U(4, 15, 0.2)),
    "s_cvm_12_17": (N(12, 16), N(17, 17, 0.4)),
    "s_cvm_20_20": (H(20, 18), H(20, 19, 1.0)),
    "s_cvm_ties_10_15": (N(10, 20, round=0), N(15, 21, round=0)),
    "s_mwu_6_300": (N(6, 22, 0.8), N(300, 23)),
    "s_mwu_8_40": (U(8, 24), U(40, 25, 0.3)),
    "s_nan_inf_40_50": (N(40, 26, nan_every=7), N(50, 27, 0.1, inf_every=9)),
    "ev_anderson": (AD_REF, AD_CUR),
    "ev_energy_same": (AD_REF, AD_REF),
    "ev_energy_plus5": (AD_REF, AD_REF_PLUS5),
    "ev_row1": (ROW1_REF, ROW1_CUR),
    # medium
    "m_normal_800_1200": (N(800, 30), N(1200, 31, 0.1)),
    "m_ties_1000_1000": (N(1000, 32, round=1), N(1000, 33, 0.05, round=1)),
    "m_discrete_2000_3000": (D(2000, 34, 8), D(3000, 35, 8)),
    "m_heavy_5000_7000": (H(5000, 36), H(7000, 37, 0.05)),
    "m_disjoint_500_800": (U(500, 38), U(800, 39, 1.5)),
    "m_exact_10000_9000": (N(10000, 40), N(9000, 41, 0.03)),
    "m_exact_equal_3000": (N(3000, 42), N(3000, 43, 0.08)),
    "m_nan_2000_1500": (N(2000, 44, nan_every=13), H(1500, 45, inf_every=17)),
    "m_sturges_outlier": (N(1500, 46), dict(kind="concat", parts=[N(1500, 47), dict(kind="values", values=[1e3])])),
    # large / asymptotic regime
    "l_normal_20000_30000": (N(20000, 50), N(30000, 51, 0.02)),
    "l_heavy_50000_40000": (H(50000, 52), H(40000, 53, 0.01)),
    "l_ties_30000_30000": (N(30000, 54, round=1), N(30000, 55, 0.01, round=1)),
    "l_small_30_20000": (N(30, 56, 0.3), N(20000, 57)),
    "l_small_5_15000": (N(5, 58, 0.9), N(15000, 59)),
    "l_small_200_12000": (N(200, 60, 0.15), N(12000, 61)),
    "l_disjoint_12000_11000": (U(12000, 62), U(11000, 63, 2.0)),
    "l_near_100000": (N(100000, 64), N(100000, 65, 0.005)),
    "l_discrete_40000_30000": (D(40000, 66, 30), D(30000, 67, 30, loc=0.0)),
}

CATEGORICAL = {
    "c_small_3": (dict(kind="cat", n=50, seed=70, weights=[0.5, 0.3, 0.2]), dict(kind="cat", n=60, seed=71, weights=[0.4, 0.3, 0.3])),
    "c_binary_100_120": (dict(kind="cat", n=100, seed=72, weights=[0.6, 0.4]), dict(kind="cat", n=120, seed=73, weights=[0.45, 0.55])),
    "c_8_2000_2500": (dict(kind="cat", n=2000, seed=74, weights=[8, 7, 6, 5, 4, 3, 2, 1]), dict(kind="cat", n=2500, seed=75, weights=[7, 7, 6, 5, 5, 3, 2, 1])),
    "c_new_in_current": (dict(kind="cat", n=300, seed=76, weights=[1, 1, 1]), dict(kind="cat", n=280, seed=77, weights=[1, 1, 1, 0.2])),
    "c_only_in_reference": (dict(kind="cat", n=300, seed=78, weights=[1, 1, 1, 0.3]), dict(kind="cat", n=280, seed=79, weights=[1, 1, 1])),
    "c_single": (dict(kind="repeat", values=["a"], counts=[30]), dict(kind="repeat", values=["a"], counts=[25])),
    "c_large_20": (dict(kind="cat", n=50000, seed=80, weights=list(range(20, 0, -1))), dict(kind="cat", n=60000, seed=81, weights=list(range(19, -1, -1))[:-1] + [1, 0.5][:1] + [])),
    "c_binary_large": (dict(kind="cat", n=20000, seed=82, weights=[0.5, 0.5]), dict(kind="cat", n=20000, seed=83, weights=[0.49, 0.51])),
    "c_disjoint_constant": (dict(kind="repeat", values=["a"], counts=[6]), dict(kind="repeat", values=["b"], counts=[6])),
    "c_nulls": (dict(kind="cat", n=400, seed=84, weights=[3, 2, 1], null_every=5), dict(kind="cat", n=350, seed=85, weights=[2, 2, 1], null_every=7)),
    "ev_chisq_row1": (dict(kind="repeat", values=["1", "2", "3", "4", "5", "6"], counts=[16, 18, 16, 14, 12, 12]), dict(kind="repeat", values=["1", "2", "3", "4", "5", "6"], counts=[16, 16, 16, 16, 16, 8])),
    "ev_chisq_row1_doubled": (dict(kind="repeat", values=["1", "2", "3", "4", "5", "6"], counts=[32, 36, 32, 28, 24, 24]), dict(kind="repeat", values=["1", "2", "3", "4", "5", "6"], counts=[16, 16, 16, 16, 16, 8])),
    "ev_gtest_abc": (dict(kind="repeat", values=["a", "b", "c"], counts=[5, 5, 8]), dict(kind="repeat", values=["a", "b", "c"], counts=[4, 6, 8])),
    "ev_fisher_1": (dict(kind="values", values=list("abbaab") * 15), dict(kind="values", values=list("bbabba") * 15)),
    "ev_fisher_2": (dict(kind="values", values=list("abbaab")), dict(kind="values", values=list("aaaaaa"))),
    "ev_fisher_3": (dict(kind="values", values=list("aaaaaa")), dict(kind="values", values=list("aaaaaa"))),
    "ev_fisher_4": (dict(kind="values", values=list("abbbab")), dict(kind="values", values=list("bbbaba"))),
    "ev_fisher_5": (dict(kind="values", values=list("aaaaaa")), dict(kind="values", values=list("bbbbbb"))),
    "ev_fisher_6": (dict(kind="values", values=list("aaabb") * 30), dict(kind="values", values=list("bbbaa") * 30)),
    "ev_z_1": (dict(kind="values", values=["a", "b"] * 10), dict(kind="values", values=["a", "b"] * 10)),
}

# Evidently's own test expectations (tests/stattests/test_stattests.py, drift.md §1.9), checked against the
# re-implementation here so a transcription slip cannot go unnoticed.
EVIDENTLY_VECTORS = [
    ("ev_chisq_row1", "chisquare", "pvalue", 0.67309, 1e-5),
    ("ev_chisq_row1_doubled", "chisquare", "pvalue", 0.67309, 1e-5),
    ("ev_chisq_row1", "hellinger", "statistic", 0.06812, 1e-5),
    ("ev_chisq_row1_doubled", "hellinger", "statistic", 0.06812, 1e-5),
    ("ev_gtest_abc", "g_test", "pvalue", 0.8176, 1e-3),
    ("ev_anderson", "anderson", "pvalue", 0.0635, 1e-3),
    ("ev_energy_same", "ed", "statistic", 0.0, 1e-5),
    ("ev_energy_plus5", "ed", "statistic", 1.9, 1e-1),
    ("ev_row1", "mannw_less", "pvalue", 0.481, 1e-2),
    ("ev_fisher_1", "fisher_exact", "pvalue", 0.033, 1e-3),
    ("ev_fisher_2", "fisher_exact", "pvalue", 0.181, 1e-3),
    ("ev_fisher_3", "fisher_exact", "pvalue", 1.0, 1e-3),
    ("ev_fisher_4", "fisher_exact", "pvalue", 1.0, 1e-3),
    ("ev_fisher_5", "fisher_exact", "pvalue", 0.0021, 1e-3),
    ("ev_fisher_6", "fisher_exact", "pvalue", 0.00078, 1e-3),
    ("ev_z_1", "z", "pvalue", 1.0, 1e-5),
    # drift.md §1.9, computed for row 1 with Evidently's binning
    ("ev_row1", "psi", "statistic", 0.037218, 1e-6),
    ("ev_row1", "kl_div", "statistic", 0.018910, 1e-6),
    ("ev_row1", "jensenshannon", "statistic", 0.068048, 1e-6),
    ("ev_row1", "jensenshannon_base2", "statistic", 0.081734, 1e-6),
    ("ev_chisq_row1", "TVD", "statistic", 0.068182, 1e-6),
]


def num(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def run(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return fn()
    except Exception as e:  # SciPy/Evidently raise: the C# side must raise too
        return {"error": type(e).__name__ + ": " + str(e).splitlines()[0]}


def case(dataset, test, fn):
    r = run(fn)
    if isinstance(r, dict):
        return dict(dataset=dataset, test=test, **r)
    stat, p = r
    out = dict(dataset=dataset, test=test, statistic=num(stat))
    if p is not None:
        out["pvalue"] = num(p)
    return out


def cvm(ref, cur, method):
    r = stats.cramervonmises_2samp(ref, cur, method=method)
    return r.statistic, r.pvalue


def numeric_cases(name, ref, cur):
    cases = []
    ft = "num"
    cases.append(case(name, "ks", lambda: tuple(stats.ks_2samp(ref, cur))[:2]))
    if max(len(ref), len(cur)) > 10000 and len(ref) * len(cur) < 5e8:
        cases.append(case(name, "ks_exact", lambda: tuple(stats.ks_2samp(ref, cur, method="exact"))[:2]))
    if max(len(ref), len(cur)) <= 10000:
        cases.append(case(name, "ks_asymp", lambda: tuple(stats.ks_2samp(ref, cur, method="asymp"))[:2]))
    cases.append(case(name, "wasserstein_raw", lambda: (stats.wasserstein_distance(ref, cur), None)))
    cases.append(case(name, "wasserstein", lambda: (ev_wasserstein_norm(ref, cur), None)))
    cases.append(case(name, "ed", lambda: (stats.energy_distance(ref, cur), None)))
    cases.append(case(name, "anderson", lambda: tuple(stats.anderson_ksamp([ref, cur]))[0:3:2]))
    cases.append(case(name, "cramer_von_mises", lambda: cvm(ref, cur, "auto")))
    if max(len(ref), len(cur)) <= 20 and min(len(ref), len(cur)) > 1:
        cases.append(case(name, "cramer_von_mises_asymp", lambda: cvm(ref, cur, "asymptotic")))
    # SciPy tabulates the exact U distribution (min size <= 8, no ties) with a Python dictionary once a size
    # exceeds 500, which takes hours and gigabytes for 5 vs 15000; those cases are left to the smaller datasets.
    if not (min(len(ref), len(cur)) <= 8 and max(len(ref), len(cur)) > 500):
        cases.append(case(name, "mannw", lambda: tuple(stats.mannwhitneyu(ref, cur, alternative="two-sided"))))
        cases.append(case(name, "mannw_less", lambda: tuple(stats.mannwhitneyu(ref, cur, alternative="less"))))
        cases.append(case(name, "mannw_greater", lambda: tuple(stats.mannwhitneyu(ref, cur, alternative="greater"))))
    cases.append(case(name, "psi", lambda: (ev_psi(ref, cur, ft), None)))
    cases.append(case(name, "kl_div", lambda: (ev_kl(ref, cur, ft), None)))
    cases.append(case(name, "jensenshannon", lambda: (ev_js(ref, cur, ft), None)))
    cases.append(case(name, "jensenshannon_base2", lambda: (ev_js(ref, cur, ft, 2.0), None)))
    cases.append(case(name, "hellinger", lambda: (ev_hellinger(ref, cur, ft), None)))
    if len(set(ref) | set(cur)) <= 40:
        cases.append(case(name, "chisquare", lambda: ev_chisquare(ref, cur)))
        cases.append(case(name, "g_test", lambda: ev_gtest(ref, cur)))
        cases.append(case(name, "z", lambda: ev_z(ref, cur)))
        cases.append(case(name, "TVD", lambda: (ev_tvd(ref, cur), None)))
    return cases


def categorical_cases(name, ref, cur):
    ft = "cat"
    cases = [
        case(name, "chisquare", lambda: ev_chisquare(ref, cur)),
        case(name, "g_test", lambda: ev_gtest(ref, cur)),
        case(name, "z", lambda: ev_z(ref, cur)),
        case(name, "TVD", lambda: (ev_tvd(ref, cur), None)),
        case(name, "psi", lambda: (ev_psi(ref, cur, ft), None)),
        case(name, "kl_div", lambda: (ev_kl(ref, cur, ft), None)),
        case(name, "jensenshannon", lambda: (ev_js(ref, cur, ft), None)),
        case(name, "jensenshannon_base2", lambda: (ev_js(ref, cur, ft, 2.0), None)),
        case(name, "hellinger", lambda: (ev_hellinger(ref, cur, ft), None)),
        case(name, "fisher_exact", lambda: ev_fisher(ref, cur)),
    ]
    return cases


def kstwo_grid():
    """kstwo.sf / cdf across every branch of _kolmogn (drift.md §3.1)."""
    rows = []
    ns = [1, 2, 3, 5, 8, 10, 17, 30, 64, 100, 139, 140, 141, 200, 500, 1000, 5000, 20000, 100000, 100001, 250000, 500000, 1000000, 1500000]
    for n in ns:
        xs = set()
        for t in [0.3, 0.5, 0.6, 0.75, 1.0]:
            xs.add(t / n)
        for nx2 in [0.05, 0.2, 0.5, 0.754, 0.76, 1.0, 2.0, 2.19, 2.21, 3.0, 3.99, 4.01, 6.0, 10.0, 17.9, 18.1, 50.0, 200.0, 369.0, 371.0]:
            xs.add(math.sqrt(nx2 / n))
        for x in [0.01, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.99, 1 - 1.5 / n if n > 2 else 0.9]:
            xs.add(x)
        for x in sorted(xs):
            if not 0 < x < 1.5:
                continue
            with np.errstate(all="ignore"):
                sf = stats.kstwo.sf(x, n)
                cdf = stats.kstwo.cdf(x, n)
            rows.append([n, num(x), num(sf), num(cdf)])
    return rows


def smirnov_grid():
    rows = []
    for n in [1, 2, 5, 10, 11, 50, 141, 1000, 30000, 500000, 999999, 1000001, 2000000]:
        for x in [1e-4, 0.5 / n, 1.0 / n, 1.5 / n, 0.001, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1 - 1.0 / n, 0.999]:
            if 0 <= x <= 1:
                rows.append([n, num(x), num(special.smirnov(n, x))])
    # The log-space evaluation used for n >= 20000 (Smirnov.FastLowerSum): dense in n·x² over [2.2, 370).
    for n in [20000, 20001, 54321, 123457, 500000, 999999]:
        for nx2 in [1.1, 2.2, 3.0, 5.0, 9.0, 15.0, 30.0, 60.0, 120.0, 250.0, 369.0]:
            x = math.sqrt(nx2 / n)
            rows.append([n, num(x), num(special.smirnov(n, x))])
    return rows


def chi2_grid():
    rows = []
    for df in [1, 2, 3, 5, 7, 10, 19, 30, 99, 500, 5000]:
        for x in [1e-8, 0.01, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 1400.0, 4000.0, 6000.0]:
            rows.append([num(x), df, num(stats.chi2.sf(x, df))])
    return rows


def selection_cases():
    """drift.md §1.2: one dataset per branch; the C# tests check the choice and then the chosen test's value."""
    specs = [
        ("num_le1000_6unique", "num", D(1000, 90, 6), D(800, 91, 6)),
        ("num_le1000_5unique", "num", D(1000, 92, 5), D(800, 93, 5)),
        ("num_le1000_3unique", "num", D(600, 94, 3), D(700, 95, 3)),
        ("num_le1000_2unique", "num", D(600, 96, 2), D(700, 97, 2)),
        ("num_le1000_1unique", "num", C(500, 1.0), C(400, 1.0)),
        ("num_le1000_unique_from_current", "num", D(900, 98, 2), D(900, 99, 6, loc=1.0)),
        ("num_le1000_continuous", "num", N(1000, 100), N(900, 101, 0.2)),
        ("num_gt1000_5unique", "num", D(1001, 102, 5), D(1200, 103, 5)),
        ("num_gt1000_6unique", "num", D(1001, 104, 6), D(1200, 105, 6)),
        ("num_gt1000_continuous", "num", N(5000, 106), N(4000, 107, 0.05)),
        ("num_nan_drops_to_le1000", "num", N(1005, 108, nan_every=100), N(900, 109)),
        ("cat_le1000_3", "cat", dict(kind="cat", n=1000, seed=110, weights=[1, 1, 1]), dict(kind="cat", n=500, seed=111, weights=[1, 2, 1])),
        ("cat_le1000_2", "cat", dict(kind="cat", n=300, seed=112, weights=[1, 1]), dict(kind="cat", n=500, seed=113, weights=[1, 2])),
        ("cat_le1000_1", "cat", dict(kind="repeat", values=["x"], counts=[50]), dict(kind="repeat", values=["x"], counts=[40])),
        ("cat_gt1000", "cat", dict(kind="cat", n=1001, seed=114, weights=[1, 1]), dict(kind="cat", n=500, seed=115, weights=[1, 1])),
    ]
    out = []
    for name, ft, rs, cs in specs:
        raw_ref = gen_numeric(rs) if ft == "num" else gen_text(rs)
        raw_cur = gen_numeric(cs) if ft == "num" else gen_text(cs)
        ref = list(clean_numeric(raw_ref)) if ft == "num" else clean_text(raw_ref)
        cur = list(clean_numeric(raw_cur)) if ft == "num" else clean_text(raw_cur)
        method = default_stattest(ref, cur, ft)
        fn = {
            "ks": lambda: tuple(stats.ks_2samp(ref, cur))[:2],
            "chisquare": lambda: ev_chisquare(ref, cur),
            "z": lambda: ev_z(ref, cur),
            "jensenshannon": lambda: (ev_js(ref, cur, ft), None),
            "wasserstein": lambda: (ev_wasserstein_norm(ref, cur), None),
        }[method]
        r = case(name, method, fn)
        score = r["pvalue"] if "pvalue" in r else r["statistic"]
        out.append(dict(name=name, kind=ft, ref=rs, cur=cs,
                        ref_hash=fnv_doubles(raw_ref) if ft == "num" else fnv_text(raw_ref),
                        cur_hash=fnv_doubles(raw_cur) if ft == "num" else fnv_text(raw_cur),
                        method=method, statistic=r["statistic"], pvalue=r.get("pvalue"),
                        drifted=drifted(method, score)))
    return out


def main():
    datasets = {}
    cases = []
    for name, (rs, cs) in NUMERIC.items():
        raw_ref, raw_cur = gen_numeric(rs), gen_numeric(cs)
        datasets[name] = dict(kind="num", ref=rs, cur=cs, ref_hash=fnv_doubles(raw_ref), cur_hash=fnv_doubles(raw_cur))
        ref, cur = clean_numeric(raw_ref), clean_numeric(raw_cur)
        t0 = time.time()
        cases.extend(numeric_cases(name, ref, cur))
        print(name, len(ref), len(cur), round(time.time() - t0, 1), file=sys.stderr)
    for name, (rs, cs) in CATEGORICAL.items():
        raw_ref, raw_cur = gen_text(rs), gen_text(cs)
        datasets[name] = dict(kind="cat", ref=rs, cur=cs, ref_hash=fnv_text(raw_ref), cur_hash=fnv_text(raw_cur))
        cases.extend(categorical_cases(name, clean_text(raw_ref), clean_text(raw_cur)))
        print(name, file=sys.stderr)

    by_key = {(c["dataset"], c["test"]): c for c in cases}
    for ds, test, field, expected, tol in EVIDENTLY_VECTORS:
        got = by_key[(ds, test)][field]
        assert abs(got - expected) <= tol, (ds, test, got, expected)

    for c in cases:
        if "error" not in c:
            name = c["test"]
            score = c.get("pvalue", c["statistic"])
            if not isinstance(score, str):
                c["drifted"] = drifted("mannw" if name.startswith("mannw") else name, score)

    doc = dict(
        generated_by="tests/MLOps.Drift.Tests/Reference/make_reference.py",
        scipy=scipy.__version__,
        numpy=np.__version__,
        python=sys.version.split()[0],
        datasets=datasets,
        cases=cases,
        evidently_vectors=[dict(dataset=d, test=t, field=f, expected=e, tolerance=tol) for d, t, f, e, tol in EVIDENTLY_VECTORS],
        kstwo=kstwo_grid(),
        smirnov=smirnov_grid(),
        chi2=chi2_grid(),
        selection=selection_cases(),
    )
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
