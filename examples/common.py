# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for the example training scripts.

Everything here runs on Debian's python3-torch / python3-onnx / numpy (use
/usr/bin/python3).  The helpers cover seeding, a small deterministic training
loop, ONNX export restricted to the operator subset zkinfer imports, a numpy
re-implementation of that subset (onnx.reference only exists from onnx 1.13)
and atomic file writers.
"""

import gzip
import io
import json
import os
import struct
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper
import torch

# The operators zkinfer's importer accepts; an exported graph with anything
# else is a bug in the example, not something to ship as a fixture.
ALLOWED_OPS = frozenset(
    ["Gemm", "MatMul", "Add", "Relu", "Conv", "MaxPool", "BatchNormalization", "Flatten", "Reshape"])

OPSET = 13
TORCH_THREADS = 1


def configure_torch(seed):
    """Seeds every generator and pins threads so reruns give identical weights."""
    torch.set_num_threads(TORCH_THREADS)
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------- file output


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomically(path, write):
    """Calls write(binary_file) on a temporary file, then renames it onto path."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temp_path = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.chmod(temp_path, 0o666 & ~_current_umask())  # mkstemp creates files 0600
        os.replace(temp_path, path)
    except BaseException:
        os.unlink(temp_path)
        raise


def save_npy(path, array, dtype):
    array = np.ascontiguousarray(np.asarray(array).astype(np.dtype(dtype).newbyteorder("<")))
    _write_atomically(path, lambda out: np.save(out, array, allow_pickle=False))


def save_json(path, value):
    text = json.dumps(value, indent=1) + "\n"
    _write_atomically(path, lambda out: out.write(text.encode("utf-8")))


def _shortest_float32(value):
    """The shortest decimal that reads back (via double) as the same float32."""
    text = np.format_float_positional(np.float32(value), unique=True, trim="-")
    return float(text)


def save_tensor_json(path, array):
    """Writes {"shape": [...], "data": [...]} with float32-exact decimals."""
    array = np.asarray(array, dtype=np.float32)
    save_json(path, {
        "shape": list(array.shape),
        "data": [_shortest_float32(v) for v in array.reshape(-1)],
    })


# ---------------------------------------------------------------- data


def load_idx(path):
    """Reads a gzip-compressed IDX file (the MNIST / Fashion-MNIST format)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {int(np.prod(dims))} bytes of data, found {data.size}")
    return data.reshape(dims)


def standardization_stats(train_features):
    mean = train_features.mean(axis=0)
    std = train_features.std(axis=0)
    if np.any(std == 0):
        raise ValueError("a training feature is constant; cannot standardize it")
    return mean, std


# ---------------------------------------------------------------- training


def train_classifier(model, features, labels, epochs, batch_size, learning_rate, seed,
                     after_step=None, weight_decay=0.0):
    """Adam + cross-entropy on in-memory tensors, shuffled by a seeded generator.

    after_step, if given, runs after every optimizer step (used to project
    weights back onto a constraint set).
    """
    features = torch.as_tensor(features, dtype=torch.float32)
    labels = torch.as_tensor(labels, dtype=torch.int64)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(labels), generator=generator)
        total_loss = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(features[batch]), labels[batch])
            loss.backward()
            optimizer.step()
            if after_step is not None:
                after_step()
            total_loss += loss.item() * len(batch)
        print(f"  epoch {epoch + 1}/{epochs}: mean loss {total_loss / len(labels):.4f}", flush=True)
    model.eval()


@torch.no_grad()
def predict_logits(model, features, batch_size=1000):
    model.eval()
    features = torch.as_tensor(features, dtype=torch.float32)
    return torch.cat([model(features[i:i + batch_size])
                      for i in range(0, len(features), batch_size)]).numpy()


def accuracy(logits, labels):
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(labels)))


# ---------------------------------------------------------------- ONNX export


def _inline_identity_initializers(graph):
    """Replaces `y = Identity(initializer)` by an initializer named y.

    Exporting with TrainingMode.PRESERVE (the only way to keep
    BatchNormalization) makes torch de-duplicate equal-valued parameters and
    reintroduce them through Identity nodes, which zkinfer does not import.
    """
    initializers = {init.name: init for init in graph.initializer}
    inlined = []
    for index, node in enumerate(graph.node):
        if node.op_type == "Identity" and node.input[0] in initializers:
            copy = graph.initializer.add()
            copy.CopyFrom(initializers[node.input[0]])
            copy.name = node.output[0]
            inlined.append(index)
    for index in reversed(inlined):
        del graph.node[index]
    used = {name for node in graph.node for name in node.input}
    for index in reversed(range(len(graph.initializer))):
        if graph.initializer[index].name not in used:
            del graph.initializer[index]


def _static_shape(value_info):
    return [d.dim_value if d.HasField("dim_value") else None
            for d in value_info.type.tensor_type.shape.dim]


def export_onnx(model, input_shape, path):
    """Exports an eval-mode torch model to opset-13 ONNX and validates the graph.

    The graph keeps BatchNormalization nodes (zkinfer folds them itself), has
    one input "input" and one output "output" with fixed shapes, and uses only
    ALLOWED_OPS.  Returns the ModelProto that was written.
    """
    model.eval()
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.zeros(input_shape), buffer, opset_version=OPSET,
                      input_names=["input"], output_names=["output"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    proto = onnx.load_from_string(buffer.getvalue())
    _inline_identity_initializers(proto.graph)
    proto.graph.name = os.path.splitext(os.path.basename(path))[0]
    for node in proto.graph.node:
        node.doc_string = ""

    onnx.checker.check_model(proto, full_check=True)
    ops = [node.op_type for node in proto.graph.node]
    disallowed = sorted(set(ops) - ALLOWED_OPS)
    if disallowed:
        raise AssertionError(f"{path}: exported graph uses unsupported ops {disallowed}")
    inputs, outputs = proto.graph.input, proto.graph.output
    if [i.name for i in inputs] != ["input"] or [o.name for o in outputs] != ["output"]:
        raise AssertionError(f"{path}: graph inputs/outputs are not exactly 'input'/'output'")
    if _static_shape(inputs[0]) != list(input_shape) or None in _static_shape(outputs[0]):
        raise AssertionError(f"{path}: input/output shapes are not fixed")

    _write_atomically(path, lambda out: out.write(proto.SerializeToString()))
    print(f"  wrote {path} ({os.path.getsize(path)} bytes)")
    print(f"  ops: {' '.join(ops)}")
    return proto


# ---------------------------------------------------------------- numpy reference


def _attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _window_view(x, kernel, strides):
    """[N,C,H,W] -> [N,C,Ho,Wo,kh,kw] sliding windows (no copy)."""
    windows = np.lib.stride_tricks.sliding_window_view(x, tuple(kernel), axis=(2, 3))
    return windows[:, :, ::strides[0], ::strides[1]]


def _pad_spatial(x, pads, value):
    top, left, bottom, right = pads
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def _conv(x, weight, bias=None, pads=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), group=1,
          **_):
    if group != 1 or tuple(dilations) != (1, 1):
        raise NotImplementedError("reference Conv supports group=1, dilation 1 only")
    windows = _window_view(_pad_spatial(x, pads, 0.0), weight.shape[2:], strides)
    out = np.einsum("nchwij,ocij->nohw", windows, weight)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def _max_pool(x, kernel_shape, strides=None, pads=(0, 0, 0, 0), ceil_mode=0, **_):
    if ceil_mode:
        raise NotImplementedError("reference MaxPool supports ceil_mode=0 only")
    strides = strides or kernel_shape
    return _window_view(_pad_spatial(x, pads, -np.inf), kernel_shape, strides).max(axis=(4, 5))


def _batch_norm(x, scale, bias, mean, var, epsilon=1e-5, **_):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    return (x - mean.reshape(shape)) * (scale * inv_std).reshape(shape) + bias.reshape(shape)


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0, **_):
    out = alpha * ((a.T if transA else a) @ (b.T if transB else b))
    return out if c is None else out + beta * c


def _flatten(x, axis=1, **_):
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def _reshape(x, shape, allowzero=0, **_):
    target = [x.shape[i] if (d == 0 and not allowzero) else int(d) for i, d in enumerate(shape)]
    return x.reshape(target)


_REFERENCE_OPS = {
    "Gemm": _gemm,
    "MatMul": lambda a, b, **_: a @ b,
    "Add": lambda a, b, **_: a + b,
    "Relu": lambda x, **_: np.maximum(x, 0.0),
    "Conv": _conv,
    "MaxPool": _max_pool,
    "BatchNormalization": _batch_norm,
    "Flatten": _flatten,
    "Reshape": _reshape,
}


def run_reference(proto, batch):
    """Evaluates the graph in float64 numpy on a batch.

    The exported graph has batch dimension 1; every op in ALLOWED_OPS is
    batch-agnostic except Reshape targets, so the batch is fed through at once.
    """
    values = {init.name: onnx.numpy_helper.to_array(init).astype(np.float64)
              for init in proto.graph.initializer}
    values["input"] = np.asarray(batch, dtype=np.float64)
    for node in proto.graph.node:
        args = [values[name] if name else None for name in node.input]
        values[node.output[0]] = _REFERENCE_OPS[node.op_type](*args, **_attributes(node))
    return values["output"]


def check_against_torch(proto, torch_model, batch, label):
    """Asserts the exported graph computes what the torch model computes."""
    expected = predict_logits(torch_model, batch)
    actual = run_reference(proto, batch)
    max_error = float(np.max(np.abs(actual - expected)))
    scale = float(np.max(np.abs(expected)))
    same_top1 = float(np.mean(np.argmax(actual, axis=1) == np.argmax(expected, axis=1)))
    print(f"  {label}: numpy graph vs torch on {len(batch)} inputs: max abs diff {max_error:.2e} "
          f"(max |logit| {scale:.1f}), same top-1 {same_top1:.4f}")
    if max_error > 1e-4 * max(1.0, scale):
        raise AssertionError(f"{label}: exported graph disagrees with torch ({max_error})")
    return actual


def first_gemm_weight(proto):
    """The first Gemm's weight as [out, in] (undoing transB)."""
    initializers = {init.name: init for init in proto.graph.initializer}
    for node in proto.graph.node:
        if node.op_type == "Gemm":
            weight = onnx.numpy_helper.to_array(initializers[node.input[1]])
            return weight if _attributes(node).get("transB", 0) else weight.T
    raise AssertionError("graph has no Gemm")
