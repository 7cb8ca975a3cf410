#!/usr/bin/env bash
# cloud-efp-breakdown.sh WORK_DIR [COUNT]: where a finished
# cloud-results.sh run's jets differ in substructure. Starts evgend on the
# run's store (WORK_DIR/data: datasets truth, truth2, clouds, untrained) and
# prints the KS-EFP row (the largest KS of the 36 d <= 4 EFPs one by one:
# model, untrained, truth vs truth) and the COUNT (default 6) EFPs of
# connected graphs with the model's largest KS, each with the side of the
# model's mean (high or low) and truth vs truth beside it; cloud-results.sh prints the same after its figures, and this
# gives them for runs made before it did. Seconds.
#
# Environment: EVGEN_BIN_DIR (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:?usage: scripts/cloud-efp-breakdown.sh WORK_DIR [COUNT]}
[ -d "$work/data" ] || { echo "cloud-efp-breakdown.sh: $work/data is not a cloud-results.sh store" >&2; exit 1; }
bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen

source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work"
source scripts/results-lib.sh
cloud_row KS-EFP ks -O features=efp
cloud_efp_breakdown "${2:-6}"
