#!/usr/bin/env bash
# Runs the GPU bundle on a GPU machine (one made by scripts/gpu-bundle): device facts, every CUDA
# path against its CPU twin, each check again under compute-sanitizer (memcheck; racecheck where
# kernels use shared memory) at small sizes, then the GPU benchmarks. Every step is time-boxed so
# the whole run ends within 8 minutes; a step cut short is reported as such, with what it finished.
#
#   run.sh OUTDIR      writes OUTDIR/gpu-report.json and OUTDIR/gpu-report.md (and the raw files)
#
# Exit codes: 0 everything passed; 1 a check failed, the sanitizer found something, or a step ran
# out of time; 2 bad arguments or a broken bundle; 3 no usable GPU (the report says why).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out="$1"
mkdir -p "$out/sanitizer" || exit 2
out="$(cd "$out" && pwd)"
checks="$here/bin/latency-studio-gpu-checks"
steps="$out/steps.tsv"
printf 'step\texit\tseconds\tlimit\n' >"$steps"
started=$(date +%s)

# The bundle carries every library a bare CUDA machine lacks; cuBLAS comes from the machine's
# CUDA 13 toolkit (too large to carry): look where toolkits and their wheels put it.
cuda_libs=""
for dir in ${CUDA_HOME:+"$CUDA_HOME/lib64"} /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda/lib \
           /usr/local/cuda-13*/lib64 /usr/lib/x86_64-linux-gnu; do
  if [ -e "$dir/libcublas.so.13" ]; then cuda_libs="$dir"; break; fi
done
if [ -z "$cuda_libs" ]; then
  found="$(find /usr/local /opt /usr/lib -name 'libcublas.so.13' 2>/dev/null | head -n 1)"
  [ -n "$found" ] && cuda_libs="$(dirname "$found")"
fi
export LD_LIBRARY_PATH="$here/lib${cuda_libs:+:$cuda_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
sanitizer="$(command -v compute-sanitizer || true)"
for candidate in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer; do
  [ -z "$sanitizer" ] && [ -x "$candidate" ] && sanitizer="$candidate"
done

# step NAME LIMIT_SECONDS COMMAND...: runs it under timeout, logs it, records exit and time.
step() {
  local name="$1" limit="$2"
  shift 2
  local begin=$(date +%s)
  timeout --kill-after=5 "$limit" "$@" >>"$out/$name.log" 2>&1
  local status=$?
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$(( $(date +%s) - begin ))" "$limit" >>"$steps"
  return $status
}

report() {
  python3 "$here/make-report.py" "$out" "$here/manifest.json" "$cuda_libs" "$sanitizer" >/dev/null || echo "run.sh: the report could not be written" >&2
  echo "report: $out/gpu-report.md"
}

# 1. Device facts (and whether the bundle loads at all).
nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || true
step facts 20 "$checks" --device-facts --json "$out/facts.json"
status=$?
if [ $status -eq 3 ]; then
  echo "run.sh: no usable GPU here ($(tail -n 1 "$out/facts.log")); nothing else ran" >&2
  report
  exit 3
elif [ $status -ne 0 ]; then
  echo "run.sh: the check program did not start (exit $status): see $out/facts.log" >&2
  report
  exit 2
fi

# 2. Every CUDA path against its CPU twin, at full size.
step checks 130 "$checks" --json "$out/checks.json" --traces "$here/data/sample-openai.jsonl"

# 3. Each check at small sizes under memcheck, and under racecheck where kernels share memory:
# 190 s in all, at most 40 s a run (with the other boxes, 20 + 130 + 190 + 120 s and 5 s of
# kill grace each: at most 480 s, the 8 minutes asked).
budget_end=$(( $(date +%s) + 190 ))
if [ -n "$sanitizer" ]; then
  while IFS=$'\t' read -r name shared; do
    for tool in memcheck racecheck; do
      [ "$tool" = racecheck ] && [ "$shared" != 1 ] && continue
      left=$(( budget_end - $(date +%s) ))
      if [ $left -lt 5 ]; then
        printf '%s\t%s\t%s\t%s\n' "sanitizer-$tool-$name" "skipped" 0 0 >>"$steps"
        continue
      fi
      step "sanitizer-$tool-$name" $(( left < 40 ? left : 40 )) "$sanitizer" --tool "$tool" --error-exitcode 9 \
        --print-limit 20 "$checks" --small --only "$name" --json "$out/sanitizer/$tool-$name.json"
    done
  done < <("$checks" --names)
else
  printf '%s\t%s\t%s\t%s\n' "sanitizer" "missing" 0 0 >>"$steps"
fi

# 4. The GPU benchmarks (CUDA events, medians over repeats, the CPU twin beside each).
step bench 120 "$checks" --bench --json "$out/bench.json"

report
python3 - "$out/gpu-report.json" <<'PY'
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["passed"] else 1)
PY
status=$?
echo "run.sh: finished in $(( $(date +%s) - started )) s, $([ $status -eq 0 ] && echo 'everything passed' || echo 'something FAILED: see the report')"
exit $status
