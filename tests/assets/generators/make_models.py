#!/usr/bin/python3
"""Build the committed ONNX test models and their float64 reference data.

Run with the Debian interpreter (it has onnx 1.12 and numpy):

    /usr/bin/python3 tests/assets/generators/make_models.py            # writes tests/assets/
    /usr/bin/python3 tests/assets/generators/make_models.py --out DIR  # writes DIR instead
    /usr/bin/python3 tests/assets/generators/make_models.py --heavy DIR  # only mlp_heavy.onnx (+ CSVs) into DIR

Everything is deterministic: fixed seeds, no timestamps, so every run writes the
same bytes. The expected outputs are computed independently of any ONNX runtime:
the float32 weights and float32 inputs are cast to float64 and the forward pass is
done in float64 numpy (onnx 1.12 has no ReferenceEvaluator anyway).

CSV format: one header line of column names, then one row per line, comma
separated, '\n' line endings. Float32 inputs are written with '%.9g' (parses back
to the identical float32 in C# and Python); float64 expected values with '%.17g'
(round-trips as a double); integers as plain integers.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 7
PRODUCER = "MLOps.Sdk tests/assets/generators/make_models.py"
ROWS = 64

SEED_MLP = 20240601
SEED_TWO_INPUTS = 20240602
SEED_HEAVY = 20240603


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _finish(graph, model_name, version, doc):
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER,
        producer_version="1",
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    model.model_version = int(version)
    for key, value in (("model_name", model_name), ("version", str(version))):
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    onnx.checker.check_model(model)
    return model


def _save(model, path):
    data = model.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def _init(name, array):
    return numpy_helper.from_array(array, name=name)


def _f32(rng, shape, scale):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def _write_csv(path, header, rows, fmt):
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(fmt % v for v in row))
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def _write_f32_csv(path, prefix, array):
    assert array.dtype == np.float32
    # '%.9g' of the float32 value (promoted to double exactly) round-trips to float32.
    _write_csv(path, [f"{prefix}{i}" for i in range(array.shape[1])],
               array.astype(np.float64), "%.9g")
    back = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2).astype(np.float32)
    assert np.array_equal(back, array), path


def _write_f64_csv(path, prefix, array):
    assert array.dtype == np.float64
    _write_csv(path, [f"{prefix}{i}" for i in range(array.shape[1])], array, "%.17g")
    back = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    assert np.array_equal(back, array), path


def _write_i64_csv(path, header, array):
    assert array.dtype == np.int64 and len(header) == array.shape[1]
    _write_csv(path, header, array, "%d")


def _softmax64(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _gemm64(x, w, b):
    """Gemm with transB=1: x @ w.T + b, all in float64."""
    return x @ w.astype(np.float64).T + b.astype(np.float64)


# ---------------------------------------------------------------------------
# MLPs: input float[batch,n_in] -> (Gemm -> Relu)* -> Gemm -> Softmax(axis=1)
# ---------------------------------------------------------------------------

def _mlp_weights(seed, sizes):
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = _f32(rng, (n_out, n_in), np.sqrt(2.0 / n_in))  # [out,in], used with transB=1
        b = _f32(rng, (n_out,), 0.1)
        weights.append((w, b))
    return weights


def _mlp_graph(graph_name, sizes, weights):
    nodes, inits = [], []
    current = "input"
    last = len(weights) - 1
    for i, (w, b) in enumerate(weights):
        inits += [_init(f"W{i}", w), _init(f"B{i}", b)]
        out = f"gemm{i}"
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"B{i}"], [out],
                                      name=f"Gemm{i}", transB=1))
        if i < last:
            nodes.append(helper.make_node("Relu", [out], [f"relu{i}"], name=f"Relu{i}"))
            current = f"relu{i}"
        else:
            current = out
    nodes.append(helper.make_node("Softmax", [current], ["probabilities"],
                                  name="Softmax", axis=1))
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", sizes[0]])
    y = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", sizes[-1]])
    return helper.make_graph(nodes, graph_name, [x], [y], initializer=inits)


def _mlp_reference(x32, weights):
    h = x32.astype(np.float64)
    last = len(weights) - 1
    for i, (w, b) in enumerate(weights):
        h = _gemm64(h, w, b)
        if i < last:
            h = np.maximum(h, 0.0)
    return _softmax64(h)


def build_mlp(out_dir):
    sizes = [32, 64, 2]
    weights = _mlp_weights(SEED_MLP, sizes)
    model = _finish(_mlp_graph("mlp", sizes, weights), "mlp", 1,
                    "MLP 32->64 (Relu) ->2, Softmax(axis=1). Input 'input' float[batch,32], "
                    "output 'probabilities' float[batch,2].")
    size = _save(model, os.path.join(out_dir, "mlp.onnx"))

    rng = np.random.default_rng(SEED_MLP + 1000)
    x = (rng.standard_normal((ROWS, sizes[0])) * 1.5).astype(np.float32)
    y = _mlp_reference(x, weights)
    _write_f32_csv(os.path.join(out_dir, "mlp_input.csv"), "x", x)
    _write_f64_csv(os.path.join(out_dir, "mlp_expected.csv"), "p", y)
    return size


# ---------------------------------------------------------------------------
# two_inputs: features float[batch,8] + category int64[batch,1]
#   emb = Squeeze(Gather(table[10,4], category, axis=0), axes=[1])  -> [batch,4]
#   score = Gemm(Concat(features, emb, axis=1), W[3,12], B[3], transB=1) -> [batch,3]
# ---------------------------------------------------------------------------

N_CATEGORIES = 10
EMB_DIM = 4
N_FEATURES = 8
N_SCORES = 3


def _two_inputs_weights():
    rng = np.random.default_rng(SEED_TWO_INPUTS)
    table = _f32(rng, (N_CATEGORIES, EMB_DIM), 1.0)
    w = _f32(rng, (N_SCORES, N_FEATURES + EMB_DIM), np.sqrt(1.0 / (N_FEATURES + EMB_DIM)))
    b = _f32(rng, (N_SCORES,), 0.1)
    return table, w, b


def _two_inputs_reference(features32, category, table, w, b):
    emb = table.astype(np.float64)[category[:, 0]]          # [batch,4]
    concat = np.concatenate([features32.astype(np.float64), emb], axis=1)
    return _gemm64(concat, w, b)


def build_two_inputs(out_dir):
    table, w, b = _two_inputs_weights()
    nodes = [
        helper.make_node("Gather", ["embedding", "category"], ["gathered"], name="Gather", axis=0),
        helper.make_node("Squeeze", ["gathered", "squeeze_axes"], ["embedded"], name="Squeeze"),
        helper.make_node("Concat", ["features", "embedded"], ["concat"], name="Concat", axis=1),
        helper.make_node("Gemm", ["concat", "W", "B"], ["score"], name="Gemm", transB=1),
    ]
    inits = [
        _init("embedding", table),
        _init("squeeze_axes", np.array([1], dtype=np.int64)),
        _init("W", w),
        _init("B", b),
    ]
    inputs = [
        helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", N_FEATURES]),
        helper.make_tensor_value_info("category", TensorProto.INT64, ["batch", 1]),
    ]
    outputs = [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["batch", N_SCORES])]
    graph = helper.make_graph(nodes, "two_inputs", inputs, outputs, initializer=inits)
    model = _finish(graph, "two_inputs", 1,
                    "Inputs 'features' float[batch,8] and 'category' int64[batch,1] (ids 0..9). "
                    "Category is embedded (Gather on a float[10,4] table), concatenated after "
                    "the features, then Gemm 12->3. Output 'score' float[batch,3].")
    size = _save(model, os.path.join(out_dir, "two_inputs.onnx"))

    rng = np.random.default_rng(SEED_TWO_INPUTS + 1000)
    features = (rng.standard_normal((ROWS, N_FEATURES)) * 2.0).astype(np.float32)
    category = rng.integers(0, N_CATEGORIES, size=(ROWS, 1), dtype=np.int64)
    # make sure every id, including both ends of the range, is exercised
    category[:N_CATEGORIES, 0] = np.arange(N_CATEGORIES, dtype=np.int64)
    y = _two_inputs_reference(features, category, table, w, b)
    _write_f32_csv(os.path.join(out_dir, "two_inputs_features.csv"), "f", features)
    _write_i64_csv(os.path.join(out_dir, "two_inputs_category.csv"), ["category"], category)
    _write_f64_csv(os.path.join(out_dir, "two_inputs_expected.csv"), "s", y)
    return size


# ---------------------------------------------------------------------------
# mlp_heavy (not committed: ~21 MB): 512 -> 2048 (Relu) -> 2048 (Relu) -> 2, Softmax
# ---------------------------------------------------------------------------

HEAVY_SIZES = [512, 2048, 2048, 2]
HEAVY_ROWS = 16


def build_heavy(out_dir):
    """Write mlp_heavy.onnx (input 'input' float[batch,512], output 'probabilities'
    float[batch,2]) plus mlp_heavy_input.csv / mlp_heavy_expected.csv (16 rows) into out_dir."""
    weights = _mlp_weights(SEED_HEAVY, HEAVY_SIZES)
    model = _finish(_mlp_graph("mlp_heavy", HEAVY_SIZES, weights), "mlp_heavy", 1,
                    "MLP 512->2048 (Relu) ->2048 (Relu) ->2, Softmax(axis=1). Input 'input' "
                    "float[batch,512], output 'probabilities' float[batch,2]. For benchmarks.")
    size = _save(model, os.path.join(out_dir, "mlp_heavy.onnx"))
    rng = np.random.default_rng(SEED_HEAVY + 1000)
    x = rng.standard_normal((HEAVY_ROWS, HEAVY_SIZES[0])).astype(np.float32)
    y = _mlp_reference(x, weights)
    _write_f32_csv(os.path.join(out_dir, "mlp_heavy_input.csv"), "x", x)
    _write_f64_csv(os.path.join(out_dir, "mlp_heavy_expected.csv"), "p", y)
    return size


def main(argv):
    default_out = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=default_out,
                        help="directory for mlp.onnx, two_inputs.onnx and their CSVs "
                             "(default: tests/assets)")
    parser.add_argument("--heavy", metavar="OUTDIR",
                        help="write only mlp_heavy.onnx and its CSVs into OUTDIR")
    args = parser.parse_args(argv)

    if args.heavy:
        os.makedirs(args.heavy, exist_ok=True)
        size = build_heavy(args.heavy)
        print(f"mlp_heavy.onnx: {size} bytes -> {args.heavy}")
        return 0

    os.makedirs(args.out, exist_ok=True)
    print(f"mlp.onnx: {build_mlp(args.out)} bytes")
    print(f"two_inputs.onnx: {build_two_inputs(args.out)} bytes")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
