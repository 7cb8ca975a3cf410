#!/usr/bin/env bash
# cloud-relative-pt.sh: the experiment of docs/results.md "pT relative to the
# jet, given the jet pT (tried, not kept)". Like cloud-results.sh, but the
# jet-cloud-gan-small preset generates each constituent's log(pT / jet pT)
# and log(E / jet pT) given the jet pT as a condition: the training jets get
# the two columns from `evgen datasets derive`, 5,000 jets are sampled with
# the jet pTs of the second truth sample, uploaded, and log_pt, log_e derived
# back before the metrics of cloud-results.sh (model, untrained, truth vs
# truth, each against the held-out truth). About 20 minutes on 2 cores.
#
# Usage: scripts/cloud-relative-pt.sh
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR
# (default build/release), EVGEN_CLOUD_CONFIG (JSON keys merged into the config).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-cloud-relative-pt-XXXXXX)}
extra=${EVGEN_CLOUD_CONFIG:-"{}"}
jets=5000
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data"
source scripts/results-lib.sh

cloud_datasets "$jets" train:1 truth:2 truth2:3
"$evgen" datasets derive train --name train-rel \
  --column 'log_pt_rel = log_pt - log(jet_pt_gev)' --column 'log_e_rel = log_e - log(jet_pt_gev)' > /dev/null

# The preset with relative targets and the jet pT as the condition.
relative() {
  python3 -c 'import json,sys
c = json.loads(sys.argv[1])
c["target_columns"] = ["log_pt_rel", "log_e_rel", "eta_rel", "phi_rel"]
c["condition_columns"] = ["jet_pt_gev"]
c.update(json.loads(sys.argv[2]))
print(json.dumps(c))' "$(config jet-cloud-gan-small)" "$1"
}
start=$SECONDS
"$evgen" train jet-cloud-gan --name clouds --dataset train-rel --config "$(relative '{}')" --seed 1 --wait \
  > "$work/train-clouds.log"
echo "-- trained clouds ($(relative '{}')) in $((SECONDS - start)) s"
"$evgen" train jet-cloud-gan --name untrained --dataset train-rel --config "$(relative '{"steps": 1}')" --seed 1 \
  --wait > "$work/train-untrained.log"

for model in clouds untrained; do
  "$evgen" sample "$jets" --model "$model" --seed 2 --conditions-from truth2 -o "$work/$model-rel.npy" > /dev/null
  "$evgen" datasets upload "$work/$model-rel.npy" --name "$model-rel" > /dev/null
  "$evgen" datasets derive "$model-rel" --name "$model" \
    --column 'log_pt = log_pt_rel + log(jet_pt_gev)' --column 'log_e = log_e_rel + log(jet_pt_gev)' > /dev/null
done

echo "== top-like jets, $jets per sample, against a held-out truth sample (seed 2)"
cloud_figures "$jets"
# The jets' pT (their constituents' sum) against the truth's.
cloud_row jet-pT-W1 wasserstein-1 -O columns=cloud_pt_gev -O jet_level=1
