#!/usr/bin/env bash
# build.sh: configures and builds evgen (Release, Ninja, ccache) into build/release.
# Usage: scripts/build.sh [extra cmake --build args]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${EVGEN_PRESET:-release}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" "$@"
