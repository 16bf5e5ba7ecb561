#!/usr/bin/env bash
# A real model end to end: scripts/local-llm serves SmolLM2-135M-Instruct through llama.cpp's
# OpenAI-compatible server; the CLI streams a completion with top-5 alternatives from it, the trace
# file holds every token with its alternatives, and the instability engine reads it.
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
echo "real model: streamed, saved and scored"
rm -rf "$work"
