#!/usr/bin/env python3
"""A whole FlatFormer run (pillars, encoder, every layer) in the engine and in NumPy, side by side.

The NumPy side is the same algorithm written as a NumPy user would write it: the reference's sort
key, equal-size groups, batched matmuls for the attention of all groups at once (OpenBLAS), SciPy's
erf for the exact GELU. It is independent of the engine's code, so it also checks the engine's
output features (max relative error printed, and an error past 1e-3 fails). Both sides get the
same points, the same weights file and the same thread count (OPENBLAS_NUM_THREADS and
LATENCY_STUDIO_THREADS), and both run with denormals flushed (the engine does so itself; NumPy's
inputs hold none). A third side is the engine with its baseline (SSE2) kernels
(LATENCY_STUDIO_ISA=baseline), what AVX2+FMA brings. Runs alternate, so machine load hits every
side alike; medians over the repeats. The time is end to end: the engine's whole repeat
(reading the points and weights files, pillars, encoder, every layer) against the same in NumPy.

    tests/bench/flatformer_vs_numpy.py --cli build/ci/bin/latency-studio-cli [--threads 1] [--repeats 5]

CTest runs it once as a check of the outputs (exit 77, skipped, without NumPy and SciPy).

The cloud is the engine's synthetic nuScenes-sized sweep (32 beams × 1084 steps, about 31k
points and 5k pillars at 0.32 m), written to a .npy first, or --points FILE.npy [N, ≥4].
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import numpy as np
    from scipy.special import erf
except ImportError as missing:
    print(f"skipped: {missing}")
    sys.exit(77)

RANGE_MIN = np.array([-74.88, -74.88, -2.0], dtype=np.float32)
RANGE_MAX = np.array([74.88, 74.88, 4.0], dtype=np.float32)


def pillarize(points, size):
    xyz = points[:, :3]
    finite = np.isfinite(points[:, :4]).all(axis=1)
    grid = np.rint((RANGE_MAX[:2] - RANGE_MIN[:2]) / size).astype(np.int64)
    cell = np.floor((xyz[:, :2] - RANGE_MIN[:2]) / np.float32(size)).astype(np.int64)
    keep = finite & (cell >= 0).all(1) & (cell < grid).all(1) & (xyz[:, 2] >= RANGE_MIN[2]) & (xyz[:, 2] < RANGE_MAX[2])
    ids = np.where(keep, cell[:, 1] * grid[0] + cell[:, 0], -1)
    # Pillars in the order of their first point, as the engine numbers them.
    unique, first, inverse = np.unique(ids[keep], return_index=True, return_inverse=True)
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    point_to_pillar = np.full(len(points), -1, dtype=np.int64)
    point_to_pillar[keep] = rank[inverse]
    coords = np.empty((len(unique), 2), dtype=np.int64)
    coords[rank] = np.stack([unique % grid[0], unique // grid[0]], axis=1)
    return grid, coords, point_to_pillar


def encode(points, size, coords, point_to_pillar, weight):
    keep = point_to_pillar >= 0
    p = points[keep]
    pillar = point_to_pillar[keep]
    centre = RANGE_MIN[:2] + (coords[pillar] + np.float32(0.5)) * np.float32(size)
    f = np.concatenate([p[:, :4], p[:, :2] - centre], axis=1).astype(np.float32)
    out = np.zeros((len(coords), weight.shape[0]), dtype=np.float32)
    np.maximum.at(out, pillar, np.maximum(f @ weight.T, 0))
    return out


def positional_encoding(coords, channels, temperature=10000.0):
    length = channels // 4 * 2
    pe = np.zeros((len(coords), channels), dtype=np.float32)
    m = np.arange(length // 2)
    for axis in range(2):
        angle = coords[:, axis:axis + 1].astype(np.float64) / temperature ** (2.0 * m / length)
        pe[:, axis * length:(axis + 1) * length:2] = np.sin(angle)
        pe[:, axis * length + 1:(axis + 1) * length:2] = np.cos(angle)
    return pe


def flatten_key(coords, grid, window, axis, shifted):
    shift = window // 2 if shifted else 0
    px, py = coords[:, 0] + shift, coords[:, 1] + shift
    x1, y1, x2, y2 = px // window, py // window, px % window, py % window
    w2 = 2 * window
    sign = lambda v: 1 - 2 * (v & 1)
    if axis == "x":
        n = 2 * ((grid[0] + window - 1) // window + 1)
        return (n * y1 + sign(y1) * x1) * w2 * w2 + sign(y1) * (w2 * x2 + sign(x2) * y2)
    n = 2 * ((grid[1] + window - 1) // window + 1)
    return (n * x1 + sign(x1) * y1) * w2 * w2 + sign(x1) * (w2 * y2 + sign(y2) * x2)


def group_slots(count, group):
    padded = -(-count // group) * group
    j = np.arange(padded)
    source = np.where(j < count, j, np.where(j - group >= 0, j - group, j % max(count, 1)))
    valid = np.full(padded // group, group)
    if count < group:  # fewer tokens than a group: attention over the real ones only
        valid[:] = count
    return source, valid


def layer_norm(x, scale, bias):
    mean = x.mean(axis=1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(1e-5)) * scale + bias


def flatformer_layer(x, pe, order, group, heads, w):
    count, channels = x.shape
    d = channels // heads
    source, valid = group_slots(count, group)
    slot_pillar = order[source]
    qk_in = x[slot_pillar] + pe[slot_pillar]
    q = qk_in @ w["in_proj_weight"][:channels].T + w["in_proj_bias"][:channels]
    k = qk_in @ w["in_proj_weight"][channels:2 * channels].T + w["in_proj_bias"][channels:2 * channels]
    v = x[slot_pillar] @ w["in_proj_weight"][2 * channels:].T + w["in_proj_bias"][2 * channels:]
    shape = (-1, group, heads, d)
    q, k, v = (a.reshape(shape).transpose(0, 2, 1, 3) for a in (q, k, v))
    scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1 / np.sqrt(d))
    if valid[0] < group:
        scores[..., valid[0]:] = -np.inf
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    scores /= scores.sum(axis=-1, keepdims=True)
    attended = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, channels)
    attended = attended @ w["out_proj.weight"].T + w["out_proj.bias"]
    residual = np.empty_like(x)
    residual[order] = attended[:count]  # each token's own slot comes first in its group's run
    x = layer_norm(x + residual, w["norm1.weight"], w["norm1.bias"])
    hidden = x @ w["linear1.weight"].T + w["linear1.bias"]
    hidden = 0.5 * hidden * (1 + erf(hidden * np.float32(0.7071067811865476)))
    x = x + hidden.astype(np.float32) @ w["linear2.weight"].T + w["linear2.bias"]
    return layer_norm(x, w["norm2.weight"], w["norm2.bias"])


def numpy_run(points, weights, layers, heads, size, window, group):
    grid, coords, point_to_pillar = pillarize(points, size)
    x = encode(points, size, coords, point_to_pillar, weights["encoder.weight"])
    pe = positional_encoding(coords, x.shape[1])
    kinds = [("x", False), ("x", True), ("y", False), ("y", True)]
    for i in range(layers):
        axis, shifted = kinds[i % 4]
        order = np.argsort(flatten_key(coords, grid, window, axis, shifted), kind="stable")
        w = {k.split(".", 2)[2].replace("self_attn.", ""): v for k, v in weights.items() if k.startswith(f"layers.{i}.")}
        x = flatformer_layer(x, pe, order, group, heads, w).astype(np.float32)
    return x


def seeded_weights(channels, layers, seed):
    rng = np.random.default_rng(seed)
    xavier = lambda o, i: rng.uniform(-1, 1, (o, i)).astype(np.float32) * np.float32(np.sqrt(6 / (o + i)))
    w = {"encoder.weight": xavier(channels, 6)}
    for i in range(layers):
        p = f"layers.{i}."
        w |= {p + "self_attn.in_proj_weight": xavier(3 * channels, channels),
              p + "self_attn.in_proj_bias": rng.normal(0, 0.02, 3 * channels).astype(np.float32),
              p + "self_attn.out_proj.weight": xavier(channels, channels),
              p + "self_attn.out_proj.bias": rng.normal(0, 0.02, channels).astype(np.float32),
              p + "linear1.weight": xavier(2 * channels, channels),
              p + "linear1.bias": rng.normal(0, 0.02, 2 * channels).astype(np.float32),
              p + "linear2.weight": xavier(channels, 2 * channels),
              p + "linear2.bias": rng.normal(0, 0.02, channels).astype(np.float32),
              p + "norm1.weight": (1 + rng.normal(0, 0.1, channels)).astype(np.float32),
              p + "norm1.bias": rng.normal(0, 0.1, channels).astype(np.float32),
              p + "norm2.weight": (1 + rng.normal(0, 0.1, channels)).astype(np.float32),
              p + "norm2.bias": rng.normal(0, 0.1, channels).astype(np.float32)}
    return w


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--points", help=".npy [N, >=4] float32; default: the synthetic nuScenes-sized sweep")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--json", help="write the measurements here")
    args = parser.parse_args()
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(args.threads):
        # OpenBLAS reads its thread count when NumPy is imported: start again with it set.
        os.environ.update(OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
        os.execv(sys.executable, [sys.executable] + sys.argv)
    channels, heads, size, window, group, layers = 128, 8, 0.32, 13, 144, 4 * args.blocks
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
               LATENCY_STUDIO_THREADS=str(args.threads))
    work = Path(tempfile.mkdtemp(prefix="ff-vs-numpy-"))
    if args.points:
        points = np.load(args.points).astype(np.float32)
    else:
        subprocess.run([args.cli, "run", "flatformer", "--beams", "32", "--azimuthSteps", "1084", "--blocks", "1",
                        "--out", str(work / "scan"), "--quiet"], check=True, env=env)
        xyz = np.load(work / "scan" / "points.positions.npy")
        intensity = np.load(work / "scan" / "points.attr_intensity.npy").reshape(-1, 1)
        points = np.hstack([xyz, intensity]).astype(np.float32)
    np.save(work / "points.npy", points)
    weights = seeded_weights(channels, layers, 7)
    np.savez(work / "weights.npz", **weights)

    engine_cmd = [args.cli, "run", "flatformer", "--points", str(work / "points.npy"), "--weights", str(work / "weights.npz"),
                  "--blocks", str(args.blocks), "--repeat", "1", "--warmup", "1", "--out", str(work / "engine"), "--quiet"]
    engine_ms, baseline_ms, numpy_ms = [], [], []
    for _ in range(args.repeats):
        subprocess.run(engine_cmd, check=True, env=dict(env, LATENCY_STUDIO_ISA="baseline"))
        baseline_ms.append(repeat_total_ms(json.loads((work / "engine" / "latency.json").read_text())))
        baseline_features = np.load(work / "engine" / "pillar features.values.npy")
        subprocess.run(engine_cmd, check=True, env=env)
        record = json.loads((work / "engine" / "latency.json").read_text())
        engine_ms.append(repeat_total_ms(record))
        start = time.perf_counter()  # from the files, as the engine reads them
        with np.load(work / "weights.npz") as archive:
            loaded = {name: archive[name] for name in archive.files}
        reference = numpy_run(np.load(work / "points.npy"), loaded, layers, heads, size, window, group)
        numpy_ms.append((time.perf_counter() - start) * 1e3)
    ours = np.load(work / "engine" / "pillar features.values.npy").reshape(reference.shape)
    scale = np.abs(reference).max()
    error = float(np.abs(ours - reference).max() / scale)
    baseline_error = float(np.abs(baseline_features.reshape(reference.shape) - reference).max() / scale)
    e, b, n = (float(np.median(m)) for m in (engine_ms, baseline_ms, numpy_ms))
    isa = "AVX2+FMA" if "avx2" in Path("/proc/cpuinfo").read_text() else "baseline (no AVX2 here)"
    result = {"points": len(points), "pillars": len(reference), "layers": layers, "threads": args.threads,
              "engine_ms": engine_ms, "engine_baseline_isa_ms": baseline_ms, "numpy_ms": numpy_ms, "engine_median_ms": e,
              "engine_baseline_isa_median_ms": b, "numpy_median_ms": n, "ratio_numpy_over_engine": n / e,
              "ratio_baseline_isa_over_engine": b / e, "max_relative_error": error,
              "max_relative_error_baseline_isa": baseline_error, "load": os.getloadavg()[0]}
    print(f"{len(points)} points, {len(reference)} pillars, {layers} layers, {args.threads} thread(s), load {result['load']:.2f}")
    print(f"engine, {isa} kernels (whole repeat):     median {e:.1f} ms of {args.repeats}")
    print(f"engine, baseline SSE2 kernels:             median {b:.1f} ms of {args.repeats}")
    print(f"numpy + OpenBLAS, same algorithm:          median {n:.1f} ms of {args.repeats}")
    print(f"ratios: numpy/engine {n / e:.2f}x, baseline kernels/engine {b / e:.2f}x")
    print(f"max |engine - numpy| / max |numpy|: {error:.2e} (baseline kernels: {baseline_error:.2e})")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    if max(error, baseline_error) > 1e-3:
        sys.exit(f"the engine's features differ from the NumPy reference ({error:.2e}, baseline kernels {baseline_error:.2e})")


def repeat_total_ms(record):
    """The engine's own wall time of the measured repeat, without writing outputs (load to ffn)."""
    last = max(sample["repeat"] for sample in record["samples"])
    outputs = sum(s["durationUs"] for s in record["samples"] if s["repeat"] == last and s["path"] == "outputs")
    return (record["repeatTotalsUs"][-1] - outputs) / 1e3


if __name__ == "__main__":
    main()
