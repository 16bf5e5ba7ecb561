#!/usr/bin/env bash
# Proves a GPU bundle (scripts/gpu-bundle) complete, here: every program and library in it loads,
# under a clean environment, with nothing from this machine but glibc, libstdc++, libgcc and the
# CUDA toolkit's libraries; it holds run.sh, its report maker, the manifest and data; it is at
# most 40 MiB. Then runs run.sh: without a GPU it must say so in its report and exit 3 (with a
# GPU, which CI never has, the whole run is the check).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="${1:?usage: check_gpu_bundle.sh BUNDLE_DIR}"
source "$here/gpu_bundle_libraries.sh"
cuda_dir="$(cuda_library_dir)"
failures=0
fail() { echo "check_gpu_bundle: $*" >&2; failures=$((failures + 1)); }

for file in run.sh make-report.py manifest.json README.txt data/sample-openai.jsonl bin/latency-studio-gpu-checks; do
  [ -e "$bundle/$file" ] || fail "$file is missing"
done
for elf in "$bundle"/bin/* "$bundle"/lib/*; do
  [ -f "$elf" ] || continue
  listing="$(env -i LD_LIBRARY_PATH="$bundle/lib:$cuda_dir" ldd "$elf" 2>&1)" || { fail "ldd failed on $elf: $listing"; continue; }
  while read -r line; do
    case "$line" in
      *"not found"*) fail "$(basename "$elf") needs ${line%% *}, which nothing provides" ;;
      *" => "/*)
        name="${line%% =>*}"
        path="$(echo "$line" | sed 's/.* => \([^ ]*\) .*/\1/')"
        case "$path" in
          "$bundle"/lib/*) ;;
          *) bundle_library_may_come_from_machine "$name" || fail "$(basename "$elf") loads $name from this machine ($path); the bundle must carry it" ;;
        esac ;;
    esac
  done <<<"$listing"
done
size=$(du -sk "$bundle" | cut -f1)
[ "$size" -le $((40 * 1024)) ] || fail "the bundle is $((size / 1024)) MiB, over 40 MiB"
echo "check_gpu_bundle: $(ls "$bundle/lib" | wc -l) libraries carried ($(ls "$bundle/lib" | tr '\n' ' ')), $((size / 1024)) MiB in all"

# The no-GPU path: run.sh must write a report that says there is no GPU, and exit 3.
report="$(mktemp -d)"
"$bundle/run.sh" "$report/out" >"$report/run.log" 2>&1
status=$?
if env -i LD_LIBRARY_PATH="$bundle/lib:$cuda_dir" "$bundle/bin/latency-studio-gpu-checks" --device-facts >/dev/null 2>&1; then
  echo "check_gpu_bundle: a GPU is present: run.sh ran everything (exit $status); report in $report/out"
  [ $status -eq 0 ] || fail "run.sh failed on this GPU (exit $status): $report/out/gpu-report.md"
else
  [ $status -eq 3 ] || fail "run.sh without a GPU exited $status, not 3: $(cat "$report/run.log")"
  grep -q "No usable GPU" "$report/out/gpu-report.md" 2>/dev/null || fail "the no-GPU report does not say so: $(cat "$report/out/gpu-report.md" 2>&1)"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["gpu"] is False and r["passed"] is False and r["no_gpu_reason"] else 1)' \
    "$report/out/gpu-report.json" || fail "gpu-report.json does not record the missing GPU"
  [ $failures -eq 0 ] && echo "check_gpu_bundle: without a GPU, run.sh says so and exits 3: $(grep 'No usable GPU' "$report/out/gpu-report.md")"
  rm -rf "$report"
fi
[ $failures -eq 0 ] || { echo "check_gpu_bundle: $failures problem(s)" >&2; exit 1; }
echo "check_gpu_bundle: complete"
