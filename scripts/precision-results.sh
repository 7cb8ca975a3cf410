#!/usr/bin/env bash
# precision-results.sh: reproduces the reduced-precision figures of
# docs/results.md through the service. Starts evgend on loopback with a
# fresh data directory, trains a GAN preset, samples it in fp32 and in bf16
# with the same seeds, and prints what evgend's check against fp32 found,
# the time of each sample, and the classifier and KS tests of bf16 against
# fp32 beside fp32 against fp32 with another seed (the floor), and of each
# against the reference.
#
# Usage: scripts/precision-results.sh [jetmass] [ttbar]   (default: both)
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR
# (default build/release), EVGEN_GAN_CONFIG (extra JSON keys merged into
# every GAN config, e.g. '{"steps": 3000}'). Run again with the same
# EVGEN_WORK_DIR, it reuses the datasets and models it finds there.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgend=$bin_dir/server/evgend
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-precision-results-XXXXXX)}
extra=${EVGEN_GAN_CONFIG:-"{}"}
experiments=("$@")
[ ${#experiments[@]} -eq 0 ] && experiments=(jetmass ttbar)
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$evgend" "$work" --intra-op-threads 1
echo "== evgend at $EVGEN_SERVER, data in $work/data"

source scripts/results-lib.sh

# generate SIMULATOR NAME: the reference dataset NAME (seed 1), unless stored.
generate() {
  "$evgen" datasets describe "$2" > /dev/null 2>&1 ||
    "$evgen" datasets generate "$1" -n 200000 --seed 1 --name "$2" > /dev/null
}

# train KIND NAME DATASET REGION PRESET: trains NAME (seed 1), unless stored.
train() {
  if "$evgen" models get "$2" > /dev/null 2>&1; then
    echo "   $2: the stored model"
    return
  fi
  local start=$SECONDS
  "$evgen" train "$1" --name "$2" --dataset "$3" --region "$4" --config "$(config "$5")" --seed 1 --wait \
    > "$work/train-$2.log" 2>&1
  echo "   trained $2 in $((SECONDS - start)) s"
}

# sample_both NAME N COLUMNS [SAMPLE OPTIONS...]: samples NAME in fp32 (seeds 2
# and 3) and in bf16 (seeds 2 and 3), then compares them on COLUMNS.
sample_both() {
  local name=$1 n=$2 columns=$3 precision seed
  shift 3
  for precision in fp32 bf16; do
    for seed in 2 3; do
      "$evgen" --json sample "$n" --model "$name" --seed $seed --precision $precision "$@" \
        -o "$work/$name-$precision-$seed.npy" 2> /dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
check = "check: largest deviation %.4g sd (%s)" % (r["precision_deviation"], r["precision_deviation_column"]) \
    if r["precision_deviation_column"] else "not checked (the stored model)"
print("   %s seed %s: %d events in %.2f s (%.3g events/s), %s" % (
    sys.argv[1], sys.argv[2], r["rows"], r["seconds"], r["rows"] / r["seconds"], check))' $precision $seed
    done
  done
  echo "-- bf16 against fp32 (seed 3 against seed 2), then fp32 against fp32 (the floor)"
  for candidate in bf16-3 fp32-3; do
    printf '   %s vs fp32-2: ' "$candidate"
    "$evgen" metrics compare "$work/$name-fp32-2.npy" "$work/$name-$candidate.npy" -m classifier-auc -m ks \
      -O columns="$columns" --seed 3 | tr '\n' ' ' | tr -s ' '
    echo
  done
  echo "-- the same seed in both precisions (paired rows)"
  printf '   bf16-2 vs fp32-2: '
  "$evgen" metrics compare "$work/$name-fp32-2.npy" "$work/$name-bf16-2.npy" -m classifier-auc -m ks \
    -O columns="$columns" --seed 3 | tr '\n' ' ' | tr -s ' '
  echo
  if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
    echo "-- column by column"
    /usr/bin/python3 scripts/precision_columns.py "$evgen" "$work/$name" ${columns//,/ } | sed 's/^/   /'
  fi
}

jetmass() {
  echo "== jet mass: jetmass-gan-small on the control region (QCD multijet, 200k events)"
  generate qcd-multijet qcd
  train gan qcd-gan qcd control jetmass-gan-small
  local n
  n=$("$evgen" --json datasets describe qcd | sed -n 's/.*"validation": \([0-9]*\).*/\1/p')
  sample_both qcd-gan "$n" pt_gev,eta,n_track,mass_gev --conditions-from qcd --region validation
  echo "-- each against the validation region's truth"
  for precision in fp32 bf16; do
    printf '   %s: ' $precision
    "$evgen" metrics compare qcd:validation "$work/qcd-gan-$precision-2.npy" -m classifier-auc -m ks \
      -O columns=pt_gev,eta,n_track,mass_gev --seed 3 | tr '\n' ' ' | tr -s ' '
    echo
  done
}

ttbar() {
  echo "== ttbar -> 6 quarks: ttbar-mmd-gan-small (200k events)"
  generate ttbar-allhad ttbar
  # The small ttbar presets are WGAN-GP (docs/physics.md).
  train wgan-gp ttbar-gan ttbar all ttbar-mmd-gan-small
  local momenta
  momenta=$(python3 -c 'print(",".join("p%d_%s_gev" % (i, c) for i in range(1, 7) for c in ("px", "py", "pz")))')
  sample_both ttbar-gan 200000 "$momenta"
  "$evgen" datasets export ttbar -o "$work/ttbar-reference.npy" > /dev/null
  for precision in fp32 bf16; do
    echo "-- $precision against the reference"
    ttbar_figures "$work/ttbar-reference.npy" "$work/ttbar-gan-$precision-2.npy"
  done
}

for experiment in "${experiments[@]}"; do
  case $experiment in
    jetmass | ttbar) "$experiment" ;;
    *) echo "unknown experiment '$experiment' (jetmass, ttbar)" >&2 && exit 2 ;;
  esac
done
