#!/usr/bin/env bash
# main-job.sh: README command 1. Builds evgen, starts evgend on loopback with
# a fresh data directory, and through the evgen CLI generates the QCD multijet
# reference, builds the histogram jet-mass templates and trains the
# conditional jet-mass GAN (preset jetmass-gan-small, about a minute) on the
# control region, dresses the validation-region jets with the masses of each,
# prints both separation powers against the real validation masses, then
# stops evgend.
#
# Environment: EVGEN_EVENTS (default 200000), EVGEN_WORK_DIR (default a new
# temp dir), EVGEN_BIN_DIR (default build/release/...), EVGEN_GAN_CONFIG
# (JSON keys over the GAN preset's). --no-build skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-build" ]; then bash scripts/build.sh --target evgend evgen; fi
bin_dir=${EVGEN_BIN_DIR:-}
evgend=${bin_dir:+$bin_dir/evgend}; evgend=${evgend:-build/release/server/evgend}
evgen_cli=${bin_dir:+$(dirname "$bin_dir")/client/evgen}; evgen_cli=${evgen_cli:-build/release/client/evgen}
events=${EVGEN_EVENTS:-200000}
gan_config=${EVGEN_GAN_CONFIG:-"{}"}  # JSON keys over the preset's, e.g. '{"steps": 300}' for a quick run
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-main-job-XXXXXX)}
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data"

set -x
"$evgen_cli" datasets generate qcd-multijet -n "$events" --seed 1 --name qcd
"$evgen_cli" train template --dataset qcd --region control --name qcd-templates --seed 1 --wait
"$evgen_cli" models get qcd-templates
{ set +x; } 2>/dev/null
validation_rows=$("$evgen_cli" --json datasets describe qcd | sed -n 's/.*"validation": \([0-9]*\).*/\1/p')
set -x
"$evgen_cli" sample "$validation_rows" --model qcd-templates --conditions-from qcd --region validation \
  --keep n_track --seed 2 -o "$work/validation-template-masses.npy"
"$evgen_cli" metrics compare qcd:validation "$work/validation-template-masses.npy" \
  -m separation-power --seed 3 | tee "$work/separation.txt"
"$evgen_cli" train gan --preset jetmass-gan-small --config "$gan_config" --dataset qcd --region control \
  --name qcd-gan --seed 1 --wait
"$evgen_cli" sample "$validation_rows" --model qcd-gan --conditions-from qcd --region validation \
  --keep n_track --seed 2 -o "$work/validation-gan-masses.npy"
"$evgen_cli" metrics compare qcd:validation "$work/validation-gan-masses.npy" \
  -m separation-power --seed 3 | tee "$work/separation-gan.txt"
{ set +x; } 2>/dev/null
value=$(sed -n 's/^separation-power *//p' "$work/separation.txt")
gan_value=$(sed -n 's/^separation-power *//p' "$work/separation-gan.txt")
echo
echo "== separation power against the QCD multijet reference (validation region):"
echo "   histogram templates:   $value"
echo "   conditional GAN:       $gan_value"
echo "   (8 equal-statistics cells in pT, |eta|, N_track; 0 = identical, 1 = disjoint)"
