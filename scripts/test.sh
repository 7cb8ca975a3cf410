#!/usr/bin/env bash
# test.sh: builds evgen and runs every test (unit, integration against a real
# evgend on loopback, CLI smoke tests), then fuzzes the readers briefly.
# README command 2 runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${EVGEN_PRESET:-release}
bash scripts/build.sh
ctest --preset "$preset" "$@"
# A short fuzz run of every reader and the chunk decoder (clang build, ASan +
# UBSan; about 2 minutes). Longer runs: bash scripts/fuzz.sh --seconds 1800.
bash scripts/fuzz.sh --seconds 10
