#!/usr/bin/env python3
"""End-to-end timing of the reasoning-trace instability engine against a plain streaming numpy
reference of the same algorithm, on one generated file of TOKENS tokens with k alternatives
(default 1M tokens, k = 20, about 0.8 GB of JSON Lines).

The file: whole chat completions, 1,000 tokens each. Consecutive steps share most of their
alternatives (each step keeps 12 of the previous step's tokens and draws the rest from a Zipf
vocabulary of 50k words), as real text does, so neither side is timed on a toy vocabulary.

The reference (`reference_signals`) does what the engine does, written plainly: json.loads per line,
top-k renormalised, entropy and Jensen-Shannon divergence over the union of consecutive supports,
I = D + 0.5 H, the peak. Same threads: numpy's BLAS is not involved and the reference is single-
threaded Python, which is how such scripts are written; the engine uses both cores. Both read the
same file from the page cache (each is run once untimed first). Each side runs REPEATS times, and
the medians and their ratio are printed, with the machine's load average.

  scripts/bench-trace-import.py --cli build/ci/bin/latency-studio-cli [--tokens 1000000] [--repeats 3]
Needs numpy (pip install numpy).
"""
import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time


def generate(path, tokens, k, seed=1):
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(50_000)]
    weights = [1.0 / (i + 1) for i in range(len(vocabulary))]
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)

    def draw():
        import bisect
        return vocabulary[bisect.bisect_left(cumulative, rng.random() * total)]

    written = 0
    with open(path, "w") as out:
        line = 0
        while written < tokens:
            steps = min(1000, tokens - written)
            previous = [draw() for _ in range(k)]
            content = []
            for _ in range(steps):
                kept = rng.sample(previous, 12)
                support = list(dict.fromkeys(kept + [draw() for _ in range(k)]))[:k]
                logits = [rng.gauss(0, 2) for _ in support]
                top = max(logits)
                norm = top + math.log(sum(math.exp(l - top) for l in logits)) + 0.05  # a little mass outside the top-k
                alternatives = [{"token": t, "logprob": round(l - norm, 5)} for t, l in zip(support, logits)]
                alternatives.sort(key=lambda a: -a["logprob"])
                content.append({"token": alternatives[0]["token"], "logprob": alternatives[0]["logprob"], "top_logprobs": alternatives})
                previous = support
            response = {"id": f"gen-{line}", "object": "chat.completion", "model": "generated",
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": ""},
                                     "logprobs": {"content": content}, "finish_reason": "stop"}],
                        "correct": rng.random() < 0.6}
            out.write(json.dumps(response, separators=(",", ":")) + "\n")
            written += steps
            line += 1


def reference_signals(path, lam=0.5):
    """The engine's algorithm, plainly: per line json.loads, numpy per step."""
    import numpy as np
    peaks = []
    with open(path) as lines:
        for line in lines:
            if not line.strip():
                continue
            response = json.loads(line)
            for choice in response["choices"]:
                previous = None
                index = []
                for step in choice["logprobs"]["content"]:
                    tokens = [a["token"] for a in step["top_logprobs"]]
                    lp = np.array([a["logprob"] for a in step["top_logprobs"]], dtype=np.float64)
                    p = np.exp(lp)
                    p /= p.sum()
                    entropy = float(-(p * np.log(p)).sum())
                    current = dict(zip(tokens, p))
                    if previous is None:
                        divergence = 0.0
                    else:
                        union = list(previous.keys() | current.keys())
                        a = np.array([previous.get(t, 0.0) for t in union])
                        b = np.array([current.get(t, 0.0) for t in union])
                        m = 0.5 * (a + b)
                        with np.errstate(divide="ignore", invalid="ignore"):
                            kl = lambda x: float(np.where(x > 0, x * np.log(x / m), 0.0).sum())
                            divergence = 0.5 * kl(a) + 0.5 * kl(b)
                    index.append(divergence + lam * entropy)
                    previous = current
                peaks.append(max(index))
    return peaks


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def peak_rss_mb(command):
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, check=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--file", help="reuse this generated file")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="trace-bench-")
    path = args.file or os.path.join(folder, "traces.jsonl")
    if not args.file:
        print(f"generating {args.tokens} tokens, k = {args.k} ...", file=sys.stderr)
        generate(path, args.tokens, args.k)
    size_mb = os.path.getsize(path) / 1e6
    engine = [args.cli, "run", "reasoning.instability", "--param", f"traces={path}", "--quiet", "--out", os.path.join(folder, "out")]
    reference = [sys.executable, __file__, "--reference", path]
    for command in (engine, reference):  # warm the page cache and both programs
        timed(command)
    one_core = ["taskset", "-c", "0"] + engine  # the engine on one core, as the single-threaded reference
    engine_times, one_core_times, reference_times = [], [], []
    for _ in range(args.repeats):  # interleaved, so all see the same load
        engine_times.append(timed(engine))
        one_core_times.append(timed(one_core))
        reference_times.append(timed(reference))
    e, o, r = statistics.median(engine_times), statistics.median(one_core_times), statistics.median(reference_times)
    print(f"file: {size_mb:.0f} MB, {args.tokens} tokens, k = {args.k}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"engine end to end (latency-studio-cli run): median {e:.2f} s of {args.repeats} ({', '.join(f'{t:.2f}' for t in engine_times)})")
    print(f"engine on one core (taskset -c 0):          median {o:.2f} s of {args.repeats} ({', '.join(f'{t:.2f}' for t in one_core_times)})")
    print(f"numpy reference:                            median {r:.2f} s of {args.repeats} ({', '.join(f'{t:.2f}' for t in reference_times)})")
    print(f"ratio: {r / e:.1f}x ({r / o:.1f}x on one core); {args.tokens / e / 1e6:.2f} M tokens/s, {size_mb / e:.0f} MB/s end to end")
    print(f"peak memory: engine {peak_rss_mb(engine):.0f} MB, reference {peak_rss_mb(reference):.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--reference":
        peaks = reference_signals(sys.argv[2])
        print(len(peaks), sum(peaks))
    else:
        main()
