#!/usr/bin/env bash
# Installs the studio into a temporary prefix, builds the template plugin from the installed copy
# with find_package(LatencyStudio), checks that the installed CLI loads and runs it, and that the
# installed studio gets its dock and action (run under xvfb-run: the studio needs a display).
set -euo pipefail
build_dir="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$work/prefix/share/latency-studio/plugin-template/template" -B "$work/plugin" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=75-real >/dev/null
cmake --build "$work/plugin" >/dev/null
listing="$(LATENCY_STUDIO_PLUGIN_PATH="$work/plugin" "$work/prefix/bin/latency-studio-cli" plugins)"
echo "$listing"
echo "$listing" | grep -q "^loaded .*$work/plugin/liblatency_studio_template.so" || { echo "out-of-tree plugin not loaded" >&2; exit 1; }
LATENCY_STUDIO_PLUGIN_PATH="$work/plugin" "$work/prefix/bin/latency-studio-cli" run template.surface-sampler \
  --param pointCount=1000 --quiet --out "$work/out"
test -s "$work/out/samples.positions.npy"
# The out-of-tree copy is found first, so the installed template is refused as a duplicate id and
# what the window lists comes from the copy built here.
added="$(LATENCY_STUDIO_PLUGIN_PATH="$work/plugin" "$work/prefix/bin/latency-studio" --no-recovery --list-extensions)"
echo "$added"
echo "$added" | grep -qx "template: dock Surface sampler" || { echo "the out-of-tree plugin's dock is not in the window" >&2; exit 1; }
echo "$added" | grep -qx "template: action Tools → Sample the surface again \[Ctrl+Shift+S\]" || { echo "its action is not in the menu" >&2; exit 1; }
echo "out-of-tree plugin built, loaded and run; its dock and action are in the studio"
