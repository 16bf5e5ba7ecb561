#!/usr/bin/env bash
# The CLI over MPI ranks (mpirun -np 2 --oversubscribe), against one process:
#  1. a 12-run sweep's merged session equals the one-process session (static and dynamic
#     schedules): the same runs, parameters and arrays, bit for bit; its YAML form is the same sweep;
#  2. a sweep with a run that fails records it, finishes the others, writes the session, exits 1;
#  3. 2-rank GSpaRC training gives the 1-process checkpoint, and a batch smaller than the ranks is
#     refused. The sums run in another order: after one step every array (the Adam moments hold the
#     summed gradient) agrees norm-wise to 1e-5 relative; after 16, to 1e-2, as round-off can flip
#     a splat's α cut at a pixel and Adam turns that into a whole step of one Gaussian
#     (docs/scale-out.md; measured: 2.1e-7 after one step, 1.3e-6 after 16). (Resuming a
#     2-rank checkpoint on 1 rank: tst_gsparc_training, which can stop a run midway.)
# Skipped (77) without mpirun or without MPI in the CLI.
set -uo pipefail
cli="$(realpath "${1:?usage: check_mpi.sh LATENCY_STUDIO_CLI}")"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v mpirun >/dev/null || { echo "skipped: no mpirun (Debian openmpi-bin)"; exit 77; }
ldd "$cli" | grep -q libmpi || { echo "skipped: this CLI was built without MPI"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export LATENCY_STUDIO_THREADS=1 # two ranks on CI's two cores
mpi=(mpirun -np 2 --oversubscribe)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "check_mpi: $*" >&2; failures=$((failures + 1)); }

cat >sweep.json <<'JSON'
{"engine": "template.surface-sampler", "parameters": {"surface": "torus"},
 "grid": {"pointCount": [2000, 8000, 32000], "noiseStd": [0.0, 0.05]},
 "seeds": [1, 2], "repeats": 3, "warmup": 1, "devices": ["cpu"]}
JSON
# The same sweep written as YAML expands to the same runs.
cat >sweep.yaml <<'YAML'
engine: template.surface-sampler
parameters: {surface: torus}
grid:
  pointCount: [2000, 8000, 32000]
  noiseStd: [0.0, 0.05]
seeds: [1, 2]
repeats: 3
warmup: 1
devices: [cpu]
YAML
[ "$("$cli" sweep sweep.yaml --list)" = "$("$cli" sweep sweep.json --list)" ] || fail "the YAML sweep expands to other runs than the JSON one"
"$cli" sweep sweep.json --session-out one.lstudio --quiet || fail "the one-process sweep failed"
"${mpi[@]}" "$cli" sweep sweep.json --session-out two.lstudio --quiet || fail "the 2-rank sweep failed"
"${mpi[@]}" "$cli" sweep sweep.json --session-out dynamic.lstudio --schedule dynamic --quiet || fail "the 2-rank dynamic sweep failed"
python3 "$here/compare_sessions.py" one.lstudio two.lstudio || fail "the 2-rank session differs from the one-process session"
python3 "$here/compare_sessions.py" one.lstudio dynamic.lstudio || fail "the dynamic 2-rank session differs from the one-process session"
python3 - two.lstudio <<'PY' || fail "the 2-rank session did not spread its runs or lacks its summary"
import json, sys
d = json.load(open(sys.argv[1]))
ranks = {o["rank"] for o in d["viewState"]["sweep"]["outcomes"]}
summary = d["runs"][-1]
assert len(d["runs"]) == 13 and ranks == {0, 1}, (len(d["runs"]), ranks)
assert [x["name"] for x in summary["datasets"]] == ["sweep runs", "by pointCount", "by noiseStd", "latency vs pointCount", "latency vs noiseStd"], summary["datasets"]
by = summary["datasets"][1]
assert [row[0] for row in by["rows"]] == ["2000", "8000", "32000"] and all(row[1] == "4" for row in by["rows"]), by
PY

# 2. One run fails (a point cloud file that is not one); the others finish.
head -c 1000 /dev/urandom >broken.bin
cat >failing.json <<'JSON'
{"engine": "pointcloud.flatformer", "parameters": {"beams": 8, "azimuthSteps": 256, "blocks": 1, "channels": 16, "heads": 2, "groupSize": 32},
 "list": [{"window": 7}, {"points": "broken.bin", "binChannels": 4}, {"window": 9}, {"window": 11}], "repeats": 1, "warmup": 0, "devices": ["cpu"]}
JSON
"${mpi[@]}" "$cli" sweep failing.json --session-out failing.lstudio --quiet 2>failing.log
status=$?
[ $status -eq 1 ] || fail "a sweep with a failed run exited $status, not 1: $(cat failing.log)"
python3 - failing.lstudio <<'PY' || fail "the failed run is not recorded as such, or the others did not finish"
import json, sys
d = json.load(open(sys.argv[1]))
outcomes = d["viewState"]["sweep"]["outcomes"]
assert [o["status"] for o in outcomes] == ["ok", "failed", "ok", "ok"], outcomes
assert "broken.bin" in outcomes[1]["message"], outcomes[1]
assert len(d["runs"]) == 4  # three runs and the summary
PY

# 3. Data-parallel GSpaRC training.
train=(run rf.gsparc-train --param "dataset=$root/assets/rf/rfid-s23" --param batch=4 --param spacing=0.6 --param hidden=8 --quiet)
for steps in 1 16; do
  "$cli" "${train[@]}" --param iterations=$steps --out one-$steps.npz 2>/dev/null || fail "1-process training ($steps steps) failed"
  "${mpi[@]}" "$cli" "${train[@]}" --param iterations=$steps --out two-$steps.npz 2>/dev/null || fail "2-rank training ($steps steps) failed"
  bound=$([ $steps = 1 ] && echo 1e-5 || echo 1e-2)
  python3 "$here/compare_npz.py" one-$steps.npz two-$steps.npz --relative $bound || fail "2-rank training differs from 1-process training after $steps steps"
done
"${mpi[@]}" "$cli" run rf.gsparc-train --param "dataset=$root/assets/rf/rfid-s23" --param batch=1 --param iterations=2 --quiet 2>refused.log
grep -q "batch >= ranks" refused.log || fail "a batch smaller than the ranks was not refused: $(cat refused.log)"

# 4. GPU ranks (two ranks on one GPU sum on the host; a GPU each would use NCCL): only with a GPU.
if "$cli" run template.surface-sampler --device cuda --repeat 1 --warmup 0 --quiet 2>&1 | grep -q "^device: cuda"; then
  "$cli" "${train[@]}" --param iterations=16 --device cuda:0 --out gpu-one.npz 2>/dev/null || fail "1-process GPU training failed"
  "${mpi[@]}" "$cli" "${train[@]}" --param iterations=16 --device cuda:0 --out gpu-two.npz 2>/dev/null || fail "2-rank GPU training failed"
  # float (GPU) sums in another order, over 16 steps: 1e-3
  python3 "$here/compare_npz.py" gpu-one.npz gpu-two.npz --relative 1e-3 || fail "2-rank GPU training differs from 1-process GPU training"
else
  echo "check_mpi: skipped the GPU ranks: no CUDA device here"
fi

[ $failures -eq 0 ] || exit 1
echo "check_mpi: sweeps, a failing run, and data-parallel training all hold on 2 ranks"
