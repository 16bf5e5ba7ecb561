#!/usr/bin/env bash
# A real model end to end: scripts/local-llm serves SmolLM2-135M-Instruct through llama.cpp's
# OpenAI-compatible server; the CLI streams a completion with top-5 alternatives from it, the trace
# file holds every token with its alternatives, and the instability engine reads it. Then the
# serving benchmark loads the same server: only consistency is checked (every request succeeds,
# TTFT < end to end, token counts agree between the table and the inter-token gaps), since the
# timings are the machine's.
# Usage: real_model_stream.sh <latency-studio-cli>. Exits 77 (CTest: skipped) when the model's venv
# has not been installed (scripts/local-llm --install; scripts/test does it).
set -euo pipefail
cli="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/build/local-llm-venv/bin/python" ]; then
  echo "SKIP: no local model (run scripts/local-llm --install)"
  exit 77
fi
port=$((20000 + RANDOM % 20000))
url="$("$root/scripts/local-llm" --port "$port")"
trap '"$root/scripts/local-llm" --port "$port" --stop >/dev/null' EXIT
work="$(mktemp -d)"
"$cli" live --base-url "$url" --model smollm2 --prompt "Count from one to five." --max-tokens 24 --top-logprobs 5 \
  --out "$work/trace.jsonl" >"$work/live.log" 2>&1 || { cat "$work/live.log"; exit 1; }
python3 - "$work/trace.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, f"{len(lines)} responses"
content = lines[0]["choices"][0]["logprobs"]["content"]
assert 1 <= len(content) <= 24, f"{len(content)} tokens"
for step in content:
    assert step["logprob"] <= 0, step
    # llama-cpp-python 0.3 lists the top 5 and, when the sampled token is not among them, adds it: up to 6.
    assert 5 <= len(step["top_logprobs"]) <= 6, step
    assert len(step["top_logprobs"]) == 5 or step["top_logprobs"][-1]["token"] == step["token"], step
print(f"{len(content)} tokens, each with {len(content[0]['top_logprobs'])} alternatives:", "".join(s["token"] for s in content))
PY
"$cli" run reasoning.instability --param "traces=$work/trace.jsonl" --quiet --out "$work/signals" >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
test -s "$work/signals/signals.y_instability I.npy" || { ls "$work/signals"; exit 1; }
"$cli" run serving.benchmark --param "url=$url" --param rates=2 --param requests=3 --param warmupRequests=1 \
  --param outputTokens=8 --param promptWords=16 --quiet --out "$work/serving" >"$work/serving.log" 2>&1 || { cat "$work/serving.log"; exit 1; }
python3 - "$work/serving" <<'PY'
import ast, csv, os, struct, sys
folder = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(folder, "requests.csv"), encoding="utf-8")))
assert len(rows) == 3, rows
# The gaps dataset is [G, 3] float32: rate index, request index (0-based), gap in ms.
data = open(os.path.join(folder, "inter-token gaps.values.npy"), "rb").read()
assert data[:6] == b"\x93NUMPY", "not an .npy"
header_len = struct.unpack("<H", data[8:10])[0] if data[6] == 1 else struct.unpack("<I", data[8:12])[0]
start = (10 if data[6] == 1 else 12) + header_len
header = ast.literal_eval(data[start - header_len:start].decode("latin-1"))
assert header["descr"] == "<f4", header
values = struct.unpack("<%df" % ((len(data) - start) // 4), data[start:])
gaps = {}
for i in range(0, len(values), 3):
    gaps[int(values[i + 1])] = gaps.get(int(values[i + 1]), 0) + 1
for index, row in enumerate(rows):
    assert row["status"] == "ok", row
    ttft, e2e, tokens = float(row["TTFT (ms)"]), float(row["E2E (ms)"]), int(row["output tokens"])
    assert 0 < ttft < e2e, row
    assert 1 <= tokens <= 8, row
    # Without a usage count from the server, tokens are the text chunks: one gap fewer.
    assert gaps.get(index, 0) == tokens - 1, (row, gaps)
print("serving benchmark:", ", ".join(f'TTFT {r["TTFT (ms)"]} ms / E2E {r["E2E (ms)"]} ms / {r["output tokens"]} tokens' for r in rows))
PY
echo "real model: streamed, saved, scored and load-tested"
rm -rf "$work"
