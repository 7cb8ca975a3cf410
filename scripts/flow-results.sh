#!/usr/bin/env bash
# flow-results.sh: reproduces the normalizing-flow figures of docs/results.md
# through the service. Starts evgend on loopback with a fresh data directory
# and, through the evgen CLI, generates the reference, trains the flow preset
# (the "-small" variant unless EVGEN_FLOW_SIZE=full), samples it and prints
# the acceptance metrics beside a truth-vs-truth baseline (a second reference
# sample of another seed), then stops evgend.
#
# Usage: scripts/flow-results.sh [dilepton]   (default: all)
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR
# (default build/release), EVGEN_FLOW_SIZE (small|full), EVGEN_FLOW_CONFIG
# (extra JSON keys merged into every flow config, e.g. '{"steps": 20000}').
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgend=$bin_dir/server/evgend
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-flow-results-XXXXXX)}
size=${EVGEN_FLOW_SIZE:-small}
suffix=$([ "$size" = small ] && echo "-small" || echo "")
extra=${EVGEN_FLOW_CONFIG:-"{}"}
experiments=("$@")
[ ${#experiments[@]} -eq 0 ] && experiments=(dilepton)
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data, presets ${size}"

# config PRESET: the preset's config JSON with EVGEN_FLOW_CONFIG's keys merged in.
config() {
  python3 -c 'import json,sys; c={"preset": sys.argv[1]}; c.update(json.loads(sys.argv[2])); print(json.dumps(c))' \
    "$1" "$extra"
}

train() {  # KIND NAME DATASET PRESET
  local start=$SECONDS
  "$evgen" train "$1" --name "$2" --dataset "$3" --config "$(config "$4")" --seed 1 --wait \
    > "$work/train-$2.log"
  echo "-- trained $2 ($(config "$4")) in $((SECONDS - start)) s; last progress:"
  "$evgen" --json jobs list | python3 -c '
import json, sys
jobs = [j for j in json.load(sys.stdin)["jobs"] if j.get("model_name") == sys.argv[1]]
p = jobs[-1].get("progress", {})
print("   step %s, train NLL %s, validation NLL %s (per event, physical units)" % (
    p.get("step"), p.get("losses", {}).get("nll"), p.get("losses", {}).get("validation_nll")))' "$2" || true
}

dilepton() {
  echo "== dilepton flow (ttbar-dilepton, 200k events; the WGAN-GP's figures are in the GAN section)"
  "$evgen" datasets generate ttbar-dilepton -n 200000 --seed 1 --name dilepton > /dev/null
  "$evgen" datasets generate ttbar-dilepton -n 200000 --seed 2 --name dilepton2 > /dev/null
  train flow-rqs dilepton-flow dilepton "ttbar-dilepton-flow$suffix"
  "$evgen" sample 200000 --model dilepton-flow --seed 2 -o "$work/dilepton-flow.npy" > /dev/null
  local features=pt_l0_gev,pt_l1_gev,pt_ll_gev,m_ll_gev,met_gev,mt_gev,dphi_ll,dr_ll
  echo "-- flow against the reference"
  "$evgen" metrics compare dilepton "$work/dilepton-flow.npy" -m relative-mean-difference -m correlations \
    -m classifier-auc -O columns=$features --seed 3
  echo "-- truth against truth (seed 1 against seed 2)"
  "$evgen" metrics compare dilepton dilepton2 -m relative-mean-difference -m correlations \
    -m classifier-auc -O columns=$features --seed 3
}

for e in "${experiments[@]}"; do "$e"; done
