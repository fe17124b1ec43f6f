#!/usr/bin/python3
"""Recompute mlnet_fraud.onnx in float64 numpy and check it against ML.NET's own predictions.

Run after `dotnet run --project tools/MLOps.Tools.MlnetExport -- tests/assets`:

    /usr/bin/python3 tests/assets/generators/mlnet_reference.py [ASSETS_DIR]

Reads   mlnet_fraud.onnx, mlnet_fraud_input.csv, mlnet_fraud_mlnet.csv
Writes  mlnet_fraud_expected.csv  (Score, Probability: '%.17g' float64; PredictedLabel: 0/1)

The graph is evaluated by a tiny float64 interpreter that knows only the operators ML.NET
emits for Concatenate -> NormalizeMinMax -> LbfgsLogisticRegression (FeatureVectorizer, Cast,
Scaler, LinearRegressor, Mul, Add, Sigmoid, Binarizer, Identity); every weight, scale,
offset and threshold is read from the .onnx file's attributes and initializers, so nothing
here is copied from ML.NET. Any other operator on the path to an output is an error.
Exits non-zero if the result differs from ML.NET's by more than the tolerances below.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUTPUTS = ["Score.output", "Probability.output", "PredictedLabel.output"]
# ML.NET computes in float32; the reference is float64. Scores are O(1..10).
SCORE_ABS_TOL = 1e-5
PROBABILITY_ABS_TOL = 1e-6


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _eval(model, feeds, wanted):
    """Evaluate the nodes needed for `wanted` outputs, in float64."""
    graph = model.graph
    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for t in values:
        if values[t].dtype.kind == "f":
            values[t] = values[t].astype(np.float64)
    values.update(feeds)

    producer = {}
    for node in graph.node:
        for out in node.output:
            producer[out] = node

    def compute(name):
        if name in values:
            return values[name]
        node = producer[name]
        a = _attrs(node)
        x = [compute(i) for i in node.input]
        op = node.op_type
        if op == "FeatureVectorizer":
            dims = a["inputdimensions"]
            parts = [v.reshape(v.shape[0], -1)[:, :d] for v, d in zip(x, dims)]
            y = np.concatenate(parts, axis=1).astype(np.float64)
        elif op == "Cast":
            to = a["to"]
            if to in (TensorProto.FLOAT, TensorProto.DOUBLE):
                y = x[0].astype(np.float64)  # keep float64 for the reference
            elif to == TensorProto.BOOL:
                y = x[0] != 0
            elif to == TensorProto.INT64:
                y = x[0].astype(np.int64)
            else:
                raise NotImplementedError(f"Cast to {to}")
        elif op == "Scaler":
            offset = np.asarray(a.get("offset", [0.0]), dtype=np.float64)
            scale = np.asarray(a.get("scale", [1.0]), dtype=np.float64)
            y = (x[0] - offset) * scale
        elif op == "LinearRegressor":
            targets = a.get("targets", 1)
            coef = np.asarray(a["coefficients"], dtype=np.float64).reshape(targets, -1)
            intercepts = np.asarray(a.get("intercepts", [0.0] * targets), dtype=np.float64)
            post = a.get("post_transform", b"NONE")
            if post not in (b"NONE", "NONE"):
                raise NotImplementedError(f"LinearRegressor post_transform {post}")
            y = x[0] @ coef.T + intercepts
        elif op == "Mul":
            y = x[0] * x[1]
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "Sigmoid":
            y = 1.0 / (1.0 + np.exp(-x[0]))
        elif op == "Binarizer":
            y = (x[0] > a.get("threshold", 0.0)).astype(np.float64)
        elif op == "Identity":
            y = x[0]
        else:
            raise NotImplementedError(f"operator {op} ({node.name})")
        values[name] = y
        return y

    return [compute(w) for w in wanted]


def _read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header, data


def main(argv):
    assets = argv[0] if argv else os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    model = onnx.load(os.path.join(assets, "mlnet_fraud.onnx"))
    onnx.checker.check_model(model)

    header, inputs = _read_csv(os.path.join(assets, "mlnet_fraud_input.csv"))
    input_names = [i.name for i in model.graph.input]
    assert header == input_names, (header, input_names)
    # The CSV holds float32 values ('G9' from C#); compute from those exact float32 values.
    inputs32 = inputs.astype(np.float32)
    feeds = {name: inputs32[:, [j]].astype(np.float64) for j, name in enumerate(header)}

    score, prob, label = _eval(model, feeds, OUTPUTS)
    score, prob = score[:, 0], prob[:, 0]
    label = label[:, 0].astype(np.int64)

    out_path = os.path.join(assets, "mlnet_fraud_expected.csv")
    lines = ["Score,Probability,PredictedLabel"]
    lines += ["%.17g,%.17g,%d" % (s, p, l) for s, p, l in zip(score, prob, label)]
    with open(out_path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    mheader, mlnet = _read_csv(os.path.join(assets, "mlnet_fraud_mlnet.csv"))
    assert mheader == ["Score", "Probability", "PredictedLabel"], mheader
    d_score = np.abs(score - mlnet[:, 0].astype(np.float32).astype(np.float64))
    d_prob = np.abs(prob - mlnet[:, 1].astype(np.float32).astype(np.float64))
    mismatches = int(np.sum(label != mlnet[:, 2].astype(np.int64)))
    print(f"numpy float64 vs ML.NET over {len(score)} rows: "
          f"max |dScore| {d_score.max():.3e} (rel {np.max(d_score / np.maximum(np.abs(score), 1e-12)):.3e}), "
          f"max |dProbability| {d_prob.max():.3e}, PredictedLabel mismatches {mismatches}")
    print(f"PredictedLabel=1 rows: {int(label.sum())}, min |Score| {np.abs(score).min():.3e}")
    ok = d_score.max() <= SCORE_ABS_TOL and d_prob.max() <= PROBABILITY_ABS_TOL and mismatches == 0
    if not ok:
        print("FAILED: numpy reference disagrees with ML.NET", file=sys.stderr)
        return 1
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
