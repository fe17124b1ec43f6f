#!/usr/bin/python3
"""Models for the model-host tests (hot-swap, fallback) and the batcher-cost benchmark.

    /usr/bin/python3 tests/assets/generators/make_host_models.py            # writes tests/assets/

- mlp_v2.onnx: the MLP of make_models.py (same shapes, input 'input' float[batch,32], output 'probabilities'
  float[batch,2]) with other weights and version 2; mlp_v2_expected.csv holds its float64 outputs for the rows
  of mlp_input.csv, computed in numpy from the float32 weights.
- mlp_throws.onnx: loads like the MLP (same input and output names) but every run fails inside ONNX Runtime: a
  Reshape to a fixed [1,7] shape cannot hold 32 elements per row.
- noop.onnx: Identity on float[batch,1], to measure what the batcher itself costs per request.
- seq_mean.onnx: ReduceMean over axis 1 of float[batch,seq,4] -> float[batch,4]: a symbolic inner dimension, so
  requests of different sequence lengths cannot share a batch.

Deterministic bytes: fixed seeds, no timestamps.
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_models as mm  # noqa: E402  (shares the helpers and the MLP builder)

SEED_MLP_V2 = 20240611


def build_mlp_v2(out_dir):
    sizes = [32, 64, 2]
    weights = mm._mlp_weights(SEED_MLP_V2, sizes)
    model = mm._finish(mm._mlp_graph("mlp", sizes, weights), "mlp", 2,
                       "MLP 32->64 (Relu) ->2, Softmax(axis=1), version 2 (other weights than mlp.onnx).")
    size = mm._save(model, os.path.join(out_dir, "mlp_v2.onnx"))
    # The same inputs as mlp.onnx's reference rows.
    rng = np.random.default_rng(mm.SEED_MLP + 1000)
    x = (rng.standard_normal((mm.ROWS, sizes[0])) * 1.5).astype(np.float32)
    mm._write_f64_csv(os.path.join(out_dir, "mlp_v2_expected.csv"), "p", mm._mlp_reference(x, weights))
    return size


def build_mlp_throws(out_dir):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 32])
    y = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 7])
    shape = mm._init("shape", np.array([1, 7], dtype=np.int64))
    graph = helper.make_graph([helper.make_node("Reshape", ["input", "shape"], ["probabilities"])],
                              "mlp_throws", [x], [y], initializer=[shape])
    model = mm._finish(graph, "mlp", 3, "Fails at run time: Reshape of [batch,32] to [1,7].")
    return mm._save(model, os.path.join(out_dir, "mlp_throws.onnx"))


def build_noop(out_dir):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1])
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "noop", [x], [y])
    model = mm._finish(graph, "noop", 1, "Identity on float[batch,1]: the cost of everything around the model.")
    return mm._save(model, os.path.join(out_dir, "noop.onnx"))


def build_seq_mean(out_dir):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", "seq", 4])
    y = helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", 4])
    node = helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1], keepdims=0)
    graph = helper.make_graph([node], "seq_mean", [x], [y])
    model = mm._finish(graph, "seq_mean", 1, "Mean over a variable sequence dimension: float[batch,seq,4] -> float[batch,4].")
    return mm._save(model, os.path.join(out_dir, "seq_mean.onnx"))


def main():
    out_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for build in (build_mlp_v2, build_mlp_throws, build_noop, build_seq_mean):
        print(build.__name__, build(out_dir), "bytes")


if __name__ == "__main__":
    main()
