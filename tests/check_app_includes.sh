#!/usr/bin/env bash
# The host knows no engine: app/ includes only engine/core and plugins/sdk of the engines and
# plugins (docs/architecture.md, "Layers"). Prints each offending line and fails on any.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if offending="$(grep -rnP '^\s*#\s*include\s*[<"](engine/(?!core/)|plugins/(?!sdk/))' "$root/app")"; then
  echo "app/ includes engine or plugin internals:" >&2
  echo "$offending" >&2
  exit 1
fi
echo "app/ includes engine/core and plugins/sdk only ($(grep -rlP '^\s*#\s*include\s*"(engine/core|plugins/sdk)/' "$root/app" | wc -l) files use them)"
