#!/usr/bin/env bash
# The AVX2 build of the layer kernels (engine/pointcloud/LayerKernelsAvx2.cpp) must define no
# function or object that other translation units could also define: the linker keeps one copy of
# such a weak symbol, and if it kept the AVX2 one, CPUs without AVX2 would run AVX2 code through
# the baseline path. Everything it defines must be under its own names (EigenAvx2::, the avx2
# namespace). DW.ref.__gxx_personality_v0 is an exception-table data reference, not code.
set -euo pipefail
object="$1"
test -s "$object" || { echo "no object file $object" >&2; exit 1; }
shared="$(nm -C --defined-only "$object" | awk '$2 ~ /^[WVuTD]$/' | grep -v -E 'EigenAvx2::|ls::pointcloud::avx2::|DW\.ref\.__gxx_personality_v0' || true)"
if [ -n "$shared" ]; then
  echo "symbols of the AVX2 kernels that another file could also define:" >&2
  echo "$shared" >&2
  exit 1
fi
echo "$(nm -C --defined-only "$object" | grep -c -E 'EigenAvx2::|ls::pointcloud::avx2::') symbols, all under the AVX2 kernels' own names"
