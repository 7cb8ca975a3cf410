#!/usr/bin/env bash
# test.sh: builds evgen and runs every test (unit, integration against a real
# evgend on loopback, CLI smoke tests). README command 2 runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${EVGEN_PRESET:-release}
bash scripts/build.sh
ctest --preset "$preset" "$@"
