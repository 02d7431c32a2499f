#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""zkinfer against EZKL on the same ONNX models and the same inputs: one JSON
line per model and tool (setup s, prove s, verify s, proof bytes, peak RSS)
and one line per model with the EZKL / zkinfer ratios.

Models: the EZKL harness's four standard models (built by its make_models.py)
and zkinfer's example models. Every phase runs in its own process. EZKL runs
through the ready harness (../shared/peers/ezkl: @ezkljs/engine 21.0.0, WASM,
single-threaded, under Node), copied into the work directory because it writes
next to itself; its results are cached in bench/compare/ezkl-cache.jsonl by a
hash of the ONNX file, the input and the harness's own files (--rerun-ezkl
ignores the cache). Without the harness (or Node) zkinfer runs alone.

  bench/compare/compare.py [--zkinfer build/release/zkinfer] [--reps 3]
                           [--models mlp_digits,...] [--rerun-ezkl] [-o results.jsonl]
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import e2e  # noqa: E402

ROOT = e2e.ROOT
DEFAULT_HARNESS = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers", "ezkl"))
CACHE = os.path.join(HERE, "ezkl-cache.jsonl")
HARNESS_FILES = ["bench.py", "compile_onnx.py", "ezkl_bincode.py", "phase.js", "gen_srs.mjs",
                 "package-lock.json", "make_models.py"]
EZKL_STANDARD = ["mlp_digits", "cnn_mnist", "mlp_mnist", "mlp_mnist_wide"]


def log(message):
    print(message, file=sys.stderr, flush=True)


class Harness:
    """A writable copy of the EZKL harness with its npm engine installed."""

    def __init__(self, source, work):
        self.dir = os.path.join(work, "ezkl")
        self.reason = None
        if not os.path.isfile(os.path.join(source, "bench.py")):
            self.reason = f"EZKL harness not found at {source}"
        elif shutil.which("node") is None or shutil.which("npm") is None:
            self.reason = "EZKL harness needs Node.js and npm, which are not installed"
        if self.reason:
            return
        if not os.path.isdir(os.path.join(self.dir, "node_modules", "@ezkljs", "engine")):
            shutil.rmtree(self.dir, ignore_errors=True)
            shutil.copytree(source, self.dir, ignore=shutil.ignore_patterns("node_modules"))
            for base, dirs, files in os.walk(self.dir):
                for name in dirs + files:
                    os.chmod(os.path.join(base, name), 0o755)
            os.chmod(self.dir, 0o755)
            log("installing @ezkljs/engine from npm ...")
            subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=self.dir,
                           check=True, stdout=subprocess.DEVNULL)
        self.version = hashlib.sha256(b"".join(
            open(os.path.join(self.dir, f), "rb").read() for f in HARNESS_FILES)).hexdigest()

    def standard_models(self):
        models = os.path.join(self.dir, "models")
        if not all(os.path.isfile(os.path.join(models, m, "network.onnx")) for m in EZKL_STANDARD):
            subprocess.run(["/usr/bin/python3", "make_models.py", "models"], cwd=self.dir, check=True,
                           stdout=subprocess.DEVNULL)
        return {m: os.path.join(models, m) for m in EZKL_STANDARD}

    def model_dir(self, name):
        return os.path.join(self.dir, "models", name)

    def run(self, model_dir):
        """The harness's own calibrate-and-time run; its record (bench.json).
        The harness lowers only Gemm / MatMul, Relu, Conv and Flatten /
        Reshape: a model it cannot lower is reported with the compiler's reason."""
        lowering = subprocess.run(["/usr/bin/python3", "compile_onnx.py",
                                   os.path.join(model_dir, "network.onnx"), model_dir,
                                   "--logrows", "15"], cwd=self.dir, capture_output=True, text=True)
        if lowering.returncode != 0:
            reason = (lowering.stdout + lowering.stderr).strip().splitlines()
            return {"failed": "the harness cannot lower this model: " + reason[-1]}
        proc = subprocess.run(["/usr/bin/python3", "bench.py", model_dir], cwd=self.dir,
                              capture_output=True, text=True)
        record_path = os.path.join(model_dir, "bench.json")
        if proc.returncode != 0 or not os.path.isfile(record_path):
            reason = (proc.stdout + proc.stderr).strip().splitlines()
            return {"failed": reason[-1] if reason else f"exit {proc.returncode}"}
        with open(record_path) as f:
            return json.load(f)


def file_hash(*paths):
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def load_cache():
    cache = {}
    if os.path.isfile(CACHE):
        with open(CACHE) as f:
            for line in f:
                entry = json.loads(line)
                cache[entry["key"]] = entry
    return cache


def ezkl_summary(model, record):
    """One comparable line from a harness record."""
    if "phases" not in record:
        return {"tool": "ezkl", "model": model, "ok": False,
                "reason": str(record.get("failed", record))[:300]}
    phases = record["phases"]
    if not all(phases.get(p, {}).get("ok") for p in ("witness", "vk", "pk", "prove", "verify")):
        failed = next(p for p in ("witness", "vk", "pk", "prove", "verify")
                      if not phases.get(p, {}).get("ok"))
        return {"tool": "ezkl", "model": model, "ok": False,
                "reason": f"{failed}: {phases.get(failed, {}).get('error', '')[:300]}"}
    verify = phases["verify"]
    return {
        "tool": "ezkl", "model": model, "ok": True, "threads": 1, "zero_knowledge": True,
        "logrows": record["logrows"],
        "setup_s": round(phases["vk"]["seconds"] + phases["pk"]["seconds"], 3),
        "witness_s": round(phases["witness"]["seconds"], 3),
        "prove_s": round(phases["prove"]["seconds"], 3),
        "verify_s": round(verify["seconds"], 4),
        "proof_bytes": phases["prove"]["proof_bytes"],
        "proving_key_bytes": record["files_bytes"]["pk.key"],
        "peak_rss_mib": max(phases[p]["peak_rss_mb"] for p in phases),
        "prove_peak_rss_mib": phases["prove"]["peak_rss_mb"],
        "verified": verify.get("verified") is True,
        "tampering_rejected": all(str(verify.get(k)).startswith("error")
                                  for k in ("wrong_output_verifies", "tampered_proof_verifies")),
        "output": [float(v) for v in (phases["witness"].get("rescaled_outputs") or [[]])[0]],
    }


def ezkl_for(harness, cache, model, model_dir, rerun):
    key = file_hash(os.path.join(model_dir, "network.onnx"),
                    os.path.join(model_dir, "input.json")) + harness.version[:16]
    if key not in cache or rerun:
        log(f"{model}: running EZKL (minutes) ...")
        cache[key] = {"key": key, "model": model, "record": harness.run(model_dir)}
        with open(CACHE + ".tmp", "w") as f:
            for entry in cache.values():
                f.write(json.dumps(entry, sort_keys=True) + "\n")
        os.replace(CACHE + ".tmp", CACHE)
    return ezkl_summary(model, cache[key]["record"])


def digits_calibration(features, count=64):
    """Calibration images for the harness's models: scikit-learn's bundled
    8x8 digits, upsampled to 28x28 by the harness's transform when needed."""
    from sklearn.datasets import load_digits
    images = (load_digits().images[:count] / 16.0).astype(np.float32)
    if features == 784:
        index = np.arange(28) * 8 // 28
        upsampled = np.pad(images[:, index][:, :, index], ((0, 0), (1, 1), (1, 1)))
        images = sum(upsampled[:, i:i + 28, j:j + 28] for i in range(3) for j in range(3)) / 9.0
    return images.reshape(count, -1).astype(np.float32)


def onnx_input_shape(onnx_path):
    import onnx
    graph = onnx.load(onnx_path).graph
    initializers = {t.name for t in graph.initializer}
    tensor = next(i for i in graph.input if i.name not in initializers)
    return [max(1, d.dim_value) for d in tensor.type.tensor_type.shape.dim]


def example_models():
    """zkinfer's example models with the files both tools need."""
    for name, onnx_file, calibration, inp in e2e.MODELS:
        yield name, os.path.join(e2e.EXAMPLES, onnx_file), os.path.join(
            e2e.EXAMPLES, calibration), os.path.join(e2e.EXAMPLES, inp)


def prepare(harness, work, name, onnx_path, calibration, zk_input):
    """The model directory in EZKL's layout (network.onnx, input.json) and the
    zkinfer input and calibration files, from whichever side has them."""
    model_dir = harness.model_dir(name) if not harness.reason else os.path.join(work, "models", name)
    os.makedirs(model_dir, exist_ok=True)
    network = os.path.join(model_dir, "network.onnx")
    if onnx_path and os.path.abspath(onnx_path) != network:
        shutil.copyfile(onnx_path, network)
    shape = onnx_input_shape(network)
    ezkl_input = os.path.join(model_dir, "input.json")
    if zk_input:
        with open(zk_input) as f:
            data = json.load(f)["data"]
        with open(ezkl_input, "w") as f:
            json.dump({"input_data": [data]}, f)
    else:
        with open(ezkl_input) as f:
            data = json.load(f)["input_data"][0]
        zk_input = os.path.join(model_dir, "zkinfer-input.json")
        with open(zk_input, "w") as f:
            json.dump({"shape": shape, "data": data}, f)
    if not calibration:
        calibration = os.path.join(model_dir, "calibration.npy")
        np.save(calibration, digits_calibration(int(np.prod(shape[1:]))))
    macs, parameters = e2e.model_cost(network)
    meta = os.path.join(model_dir, "meta.json")
    if not os.path.isfile(meta):
        with open(meta, "w") as f:
            json.dump({"params": parameters, "macs": macs}, f)
    return model_dir, network, calibration, zk_input, macs, parameters


def float_top1(model_dir, onnx_path):
    """The class the float model picks on the input, from the reference output
    stored next to the model (the harness's meta.json, or an example's
    <model>_output_0.json), or None."""
    meta = os.path.join(model_dir, "meta.json")
    if os.path.isfile(meta):
        with open(meta) as f:
            logits = json.load(f).get("float_logits")
        if logits:
            return int(np.argmax(logits))
    if onnx_path:
        reference = os.path.splitext(onnx_path)[0] + "_output_0.json"
        if os.path.isfile(reference):
            with open(reference) as f:
                return int(np.argmax(json.load(f)["data"]))
    return None


def ratio(numerator, denominator):
    return round(numerator / denominator, 1) if numerator and denominator else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zkinfer", default=os.path.join(ROOT, "build/release/zkinfer"))
    parser.add_argument("--ezkl-harness", default=DEFAULT_HARNESS)
    parser.add_argument("--work", default=os.path.join(ROOT, "build/compare"))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--models", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--rerun-ezkl", action="store_true", help="ignore cached EZKL results")
    parser.add_argument("-o", "--output", default="-", help="JSON lines file (default stdout)")
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    harness = Harness(args.ezkl_harness, args.work)
    if harness.reason:
        log(f"{harness.reason}: reporting zkinfer alone")
    models = [(m, None, None, None) for m in EZKL_STANDARD] + list(example_models())
    if harness.reason:
        models = list(example_models())
    else:
        harness.standard_models()
    wanted = set(filter(None, args.models.split(",")))
    cache = load_cache()
    lines = []
    for name, onnx_path, calibration, zk_input in models:
        if wanted and name not in wanted:
            continue
        model_dir, network, calibration, zk_input, macs, parameters = prepare(
            harness, args.work, name, onnx_path, calibration, zk_input)
        log(f"{name}: zkinfer ...")
        zk = e2e.measure(args.zkinfer, name, network, calibration, zk_input, args.work, [1],
                         args.reps)[0]
        zk_line = {"tool": "zkinfer", "model": name, "ok": True, "threads": 1,
                   "zero_knowledge": True, "parameters": parameters, "macs": macs,
                   "setup_s": 0.0, "commit_s": zk["commit_command_s"],
                   "prove_s": zk["prove_s"], "prove_command_s": zk["prove_command_s"],
                   "verify_s": round(zk["verify_command_ms"] / 1000, 4),
                   "verify_in_process_s": round(zk["verify_ms"] / 1000, 4),
                   "proof_bytes": zk["proof_bytes"],
                   "peak_rss_mib": max(zk["prove_peak_rss_mib"], zk["verify_peak_rss_mib"]),
                   "prove_peak_rss_mib": zk["prove_peak_rss_mib"],
                   "plain_inference_ms": zk["plain_inference_ms"], "output": zk["output"],
                   "prove_phases_ms": zk["prove_phases_ms"],
                   "reps": args.reps}
        lines.append(zk_line)
        if harness.reason:
            continue
        ez = ezkl_for(harness, cache, name, model_dir, args.rerun_ezkl)
        ez.update({"parameters": parameters, "macs": macs})
        lines.append(ez)
        if ez["ok"]:
            lines.append({
                "model": name, "ratio": "ezkl / zkinfer", "parameters": parameters, "macs": macs,
                "prove": ratio(ez["prove_s"], zk_line["prove_s"]),
                "prove_including_ezkl_setup": ratio(ez["prove_s"] + ez["setup_s"],
                                                    zk_line["prove_s"]),
                "verify": ratio(ez["verify_s"], zk_line["verify_s"]),
                "proof_bytes": ratio(ez["proof_bytes"], zk_line["proof_bytes"]),
                "prove_peak_rss": ratio(ez["prove_peak_rss_mib"], zk_line["prove_peak_rss_mib"]),
                "same_top1": int(np.argmax(ez["output"])) == int(np.argmax(zk_line["output"])),
                "float_top1": float_top1(model_dir, onnx_path),
                "zkinfer_top1": int(np.argmax(zk_line["output"])),
                "ezkl_top1": int(np.argmax(ez["output"])),
            })
    text = "".join(json.dumps(line) + "\n" for line in lines)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.output + ".tmp", args.output)


if __name__ == "__main__":
    main()
