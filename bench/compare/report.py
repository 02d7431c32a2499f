#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes docs/performance.md and its plots from the JSON lines of
bench/compare/compare.py (zkinfer against EZKL) and bench/scaling.py (the
scaling sweep). scripts/performance-report.sh runs all three.

  bench/compare/report.py --compare compare.jsonl --sweep sweep.jsonl --out docs
"""
import argparse
import datetime
import json
import os
import platform
import subprocess

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGET_RATIO = 1000


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        memory_gib = int(f.readline().split()[1]) / 2**20
    return f"{model}, {os.cpu_count()} vCPUs, {memory_gib:.0f} GiB, Linux {platform.release()}"


def commit_of(root):
    try:
        return subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def si(value):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value:.3g}"


def kib(size):
    return f"{size / 1024:.1f}"


def ratio_line(lines, model):
    return next(l for l in lines if l.get("ratio") and l["model"] == model)


def top1(lines, model):
    r = ratio_line(lines, model)
    return " / ".join("?" if r.get(k) is None else str(r[k])
                      for k in ("float_top1", "ezkl_top1", "zkinfer_top1"))


def verify_ms(line):
    """The verify command's milliseconds, then in brackets those of the
    verification itself (no process start-up, no file reading) where recorded."""
    command = line["verify_s"] * 1e3 if "verify_s" in line else line["verify_command_ms"]
    inside = (line["verify_in_process_s"] * 1e3 if "verify_in_process_s" in line
              else line.get("verify_ms"))
    return f"{command:.0f}" + (f" ({inside:.0f})" if inside is not None else "")


def comparison_table(lines):
    rows = [
        "| model | parameters | MACs | EZKL setup s (vk + pk) | zkinfer commit s (no setup) "
        "| EZKL prove s | zkinfer prove s | **prove ratio** | EZKL verify ms | zkinfer verify ms "
        "| EZKL proof KiB | zkinfer proof KiB | EZKL peak RSS MiB | zkinfer peak RSS MiB "
        "| top-1: float / EZKL / zkinfer |",
        "|" + "---|" * 15,
    ]
    alone = []
    for zk in (line for line in lines if line.get("tool") == "zkinfer"):
        model = zk["model"]
        ez = next((l for l in lines if l.get("tool") == "ezkl" and l["model"] == model), None)
        if ez is None or not ez.get("ok"):
            alone.append((zk, ez))
            continue
        rows.append(
            f"| {model} | {zk['parameters']:,} | {zk['macs']:,} | {ez['setup_s']:.1f} "
            f"| {zk['commit_s']:.2f} | {ez['prove_s']:.1f} | {zk['prove_s']:.3f} "
            f"| **{ratio_line(lines, model)['prove']:.0f}×** | {ez['verify_s'] * 1e3:.0f} "
            f"| {verify_ms(zk)} | {kib(ez['proof_bytes'])} | {kib(zk['proof_bytes'])} "
            f"| {ez['peak_rss_mib']:.0f} | {zk['peak_rss_mib']:.0f} "
            f"| {top1(lines, model)} |")
    text = "\n".join(rows) + "\n"
    if alone:
        text += ("\nzkinfer alone (EZKL could not run these through the harness):\n\n"
                 "| model | parameters | MACs | zkinfer prove s | verify ms | proof KiB "
                 "| peak RSS MiB | why EZKL did not run |\n|---|---|---|---|---|---|---|---|\n")
        for zk, ez in alone:
            reason = ez["reason"] if ez else "harness not available"
            text += (f"| {zk['model']} | {zk['parameters']:,} | {zk['macs']:,} "
                     f"| {zk['prove_s']:.3f} | {verify_ms(zk)} "
                     f"| {kib(zk['proof_bytes'])} | {zk['peak_rss_mib']:.0f} | {reason} |\n")
    return text


def below_target(lines):
    ratios = [l for l in lines if l.get("ratio")]
    slow = [r for r in ratios if r["prove"] < TARGET_RATIO]
    if not ratios:
        return "No model was measured side by side.\n"
    text = (f"Prove-time ratio EZKL / zkinfer: from {min(r['prove'] for r in ratios):.0f}× to "
            f"{max(r['prove'] for r in ratios):.0f}× (with EZKL's key generation counted: "
            f"{min(r['prove_including_ezkl_setup'] for r in ratios):.0f}× to "
            f"{max(r['prove_including_ezkl_setup'] for r in ratios):.0f}×).\n")
    if slow:
        text += (f"\nBelow the {TARGET_RATIO}× goal, with zkinfer's dominant prover phases "
                 "(median ms):\n\n")
        for r in slow:
            zk = next(l for l in lines if l.get("tool") == "zkinfer" and l["model"] == r["model"])
            top = sorted(zk["prove_phases_ms"].items(), key=lambda kv: -kv[1])[:3]
            text += (f"- {r['model']} ({r['prove']:.0f}×): "
                     + ", ".join(f"{phase} {ms:.0f}" for phase, ms in top) + "\n")
    else:
        text += f"\nEvery model measured side by side meets the {TARGET_RATIO}× goal.\n"
    return text


def sweep_table(sweep):
    rows = ["| model | family | parameters | MACs | threads | prove s | verify ms | proof KiB "
            "| prove peak RSS MiB | plain inference ms | prove / inference | reps |",
            "|" + "---|" * 12]
    for s in sweep:
        rows.append(
            f"| {s['model']} | {s['family']} | {s['parameters']:,} | {s['macs']:,} "
            f"| {s['threads']} | {s['prove_s']:.3f} | {verify_ms(s)} "
            f"| {kib(s['proof_bytes'])} | {s['prove_peak_rss_mib']:.0f} "
            f"| {s['plain_inference_ms']:.3f} | {s['prove_over_inference']:,} | {s['reps']} |")
    return "\n".join(rows) + "\n"


def fitted_costs(sweep):
    """Least squares prove_s = a + b·parameters + c·MACs over the one-thread
    sweep, each point weighted by 1 / prove_s so that the small models count
    as much as the large (relative errors): the fixed cost, and the marginal
    cost of a parameter and of a multiply-accumulate."""
    points = [s for s in sweep if s["threads"] == 1]
    if len(points) < 3:
        return None
    a = np.array([[1.0, s["parameters"], s["macs"]] for s in points])
    y = np.array([s["prove_s"] for s in points])
    coefficients, *_ = np.linalg.lstsq(a / y[:, None], np.ones_like(y), rcond=None)
    predicted = a @ coefficients
    worst = max(abs(p - v) / v for p, v in zip(predicted, y))
    return coefficients, worst, len(points)


def plot(sweep, comparison, key, ylabel, path, title):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, size, label in ((axes[0], "parameters", "parameters"), (axes[1], "macs", "MACs")):
        for family, marker in (("mlp", "o"), ("cnn", "s")):
            for threads, colour in ((1, "tab:blue"), (2, "tab:green")):
                pts = sorted((s[size], s[key]) for s in sweep
                             if s["family"] == family and s["threads"] == threads)
                if pts:
                    # CNN sizes do not grow together (cnn-1g: few weights,
                    # many MACs): points only.
                    ax.plot(*zip(*pts), marker=marker, color=colour,
                            linestyle="-" if family == "mlp" else "none",
                            label=f"zkinfer {family.upper()}, {threads} thread"
                                  + ("s" if threads > 1 else ""))
        ezkl = sorted((l[size], l[key]) for l in comparison
                      if l.get("tool") == "ezkl" and l.get("ok"))
        zk = sorted((l[size], l[key]) for l in comparison if l.get("tool") == "zkinfer")
        if ezkl:
            ax.plot(*zip(*ezkl), marker="^", color="tab:red", linestyle="none",
                    label="EZKL (WASM, 1 thread)")
        if zk:
            ax.plot(*zip(*zk), marker="x", color="black", linestyle="none",
                    label="zkinfer, compared models")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", required=True)
    parser.add_argument("--sweep", required=True)
    parser.add_argument("--out", required=True, help="docs directory")
    args = parser.parse_args()
    comparison = read_lines(args.compare)
    measured = read_lines(args.sweep)
    sweep = [s for s in measured if "failed" not in s]
    failed = "".join(f"\n{s['model']} ({s['parameters']:,} parameters, {s['macs']:,} MACs) did not "
                     f"complete: {s['failed']}\n" for s in measured if "failed" in s)
    figures = os.path.join(args.out, "performance")
    os.makedirs(figures, exist_ok=True)
    plot(sweep, comparison, "prove_s", "prove time (s)",
         os.path.join(figures, "prove-time.png"), "Prove time against model size (log-log)")
    plot(sweep, comparison, "prove_peak_rss_mib", "peak RSS while proving (MiB)",
         os.path.join(figures, "memory.png"), "Prover memory against model size (log-log)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    fit = fitted_costs(sweep)
    fit_text = "Too few sweep points for a fit.\n"
    if fit:
        (base, per_parameter, per_mac), worst, n = fit
        fit_text = (f"Least-squares fit (relative errors) of the one-thread sweep ({n} models): "
                    "prove s ≈ "
                    f"{base:.3f} + {per_parameter * 1e6:.2f} µs × parameters + "
                    f"{per_mac * 1e9:.2f} ns × MACs (largest relative residual "
                    f"{worst * 100:.0f} %).\n")
    ezkl_line = next((l for l in comparison if l.get("tool") == "ezkl" and l.get("ok")), None)
    text = f"""<!-- SPDX-License-Identifier: Apache-2.0 -->
<!-- Generated by bench/compare/report.py; regenerate with scripts/performance-report.sh -->
# Performance: zkinfer against EZKL, and how cost grows with model size

Generated {datetime.date.today().isoformat()} from zkinfer commit `{commit_of(root)}` on
{machine()}. Raw measurements: [`performance/compare.jsonl`](performance/compare.jsonl),
[`performance/sweep.jsonl`](performance/sweep.jsonl). Regenerate everything with one command:
`scripts/performance-report.sh` (EZKL results are cached in `bench/compare/ezkl-cache.jsonl`
by model, input and harness hash; `scripts/performance-report.sh --rerun-ezkl` reruns them).

How it is measured: every phase runs in its own process. zkinfer: `zkinfer commit` (quantize
and commit the model, once per model; there is no setup phase), then `zkinfer prove` (the
prover's own timer, median of the runs shown) and `zkinfer verify` (whole command; in
brackets the verification alone, as the command prints it: no process start-up, which
loads ~30 shared libraries in ~10 ms, and no file reading), zero
knowledge on, one thread unless stated. EZKL: the offline harness of `../shared/peers/ezkl`
(`@ezkljs/engine` 21.0.0 under Node, **WASM, single-threaded**; the native build would be
several times faster), with gen-settings defaults (input and weights private, output public:
zero knowledge on its side too), an insecure test KZG SRS whose generation is not counted;
setup = verifying-key plus proving-key generation; prove = the engine's `prove` call. Peak RSS
is the kernel's maximum resident set of each process. The machine is shared: figures move by
±10–30 % between runs.

## Side by side on the same ONNX models and inputs

{comparison_table(comparison)}
"top-1" is the class picked on the compared input by the float ONNX model, by EZKL's proven
output and by zkinfer's. EZKL runs at its gen-settings default scale 2^7, which rounds small
weights coarsely; zkinfer quantizes to int8 with calibrated per-channel scales.

{below_target(comparison)}
## Scaling sweep (zkinfer)

MLPs and VGG-shaped CNNs with random weights (`bench/scaling.py`); inputs 3×side×side for
CNNs. Prove and verify with zero knowledge on.

{sweep_table(sweep)}{failed}
{fit_text}
![prove time](performance/prove-time.png)

![memory](performance/memory.png)
"""
    if ezkl_line:
        text += ("\nEZKL points (red) are the side-by-side models above; its proving time is set "
                 "by the circuit's row count 2^logrows (at least 2^15 for the default 14-bit "
                 "range-check table), not directly by parameters or MACs.\n")
    with open(os.path.join(args.out, "performance.md.tmp"), "w") as f:
        f.write(text)
    os.replace(os.path.join(args.out, "performance.md.tmp"), os.path.join(args.out, "performance.md"))


if __name__ == "__main__":
    main()
