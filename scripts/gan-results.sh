#!/usr/bin/env bash
# gan-results.sh: reproduces the GAN figures of docs/results.md through the
# service. Starts evgend on loopback with a fresh data directory and, through
# the evgen CLI, generates each reference, trains the papers' presets (the
# "-small" variants unless EVGEN_GAN_SIZE=full), samples them and prints the
# acceptance metrics, then stops evgend.
#
# Usage: scripts/gan-results.sh [jetmass] [dilepton] [ttbar]   (default: all three)
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR
# (default build/release/...), EVGEN_GAN_SIZE (small|full), EVGEN_GAN_CONFIG
# (extra JSON keys merged into every GAN config, e.g. '{"steps": 1000}'),
# EVGEN_TTBAR_MODELS (default "ttbar-mmd-gan ttbar-gan": which ttbar presets to train;
# ttbar-chain-gan is the GAN on the decay-chain coordinates).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgend=$bin_dir/server/evgend
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-gan-results-XXXXXX)}
size=${EVGEN_GAN_SIZE:-small}
suffix=$([ "$size" = small ] && echo "-small" || echo "")
extra=${EVGEN_GAN_CONFIG:-"{}"}
experiments=("$@")
[ ${#experiments[@]} -eq 0 ] && experiments=(jetmass dilepton ttbar)
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data, presets ${size}"

source scripts/results-lib.sh

train() {  # KIND NAME DATASET REGION PRESET
  local start=$SECONDS
  "$evgen" train "$1" --name "$2" --dataset "$3" --region "$4" --config "$(config "$5")" --seed 1 --wait \
    > "$work/train-$2.log"
  echo "   trained $2 ($5) in $((SECONDS - start)) s"
  "$evgen" --json models get "$2" | python3 -c \
    'import json,sys; m=json.load(sys.stdin); print("   fit:", json.dumps(m["description_json"].get("fit"), sort_keys=True))'
}

rows_of() {  # DATASET REGION
  "$evgen" --json datasets describe "$1" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); r=sys.argv[1]; print(d.get("regionRows", d.get("region_rows", {})).get(r) or d.get("rows"))' "$2"
}

# Prints binned-mean's per-bin means (N_track bins) from `--json metrics compare`.
binned_mean_table='
import json, sys
r = json.load(sys.stdin)["results"][0]
d = r["details_json"]
print("binned-mean (largest |relative difference|) %.4f" % r["value"])
for b in d["bins"]:
    print("   n_track [%4.0f, %4.0f): reference %7.2f +- %.2f GeV, model %7.2f +- %.2f GeV, %+6.1f%%" % (
        b["lower"], b["upper"], b["reference_mean"], b["reference_mean_error"], b["candidate_mean"],
        b["candidate_mean_error"], 100 * b["relative_difference"]))
'

jetmass() {
  echo "== jet-mass: conditional GAN vs histogram templates (QCD multijet, 200k events)"
  "$evgen" datasets generate qcd-multijet -n 200000 --seed 1 --name qcd > /dev/null
  "$evgen" train template --dataset qcd --region control --name qcd-templates --seed 1 --wait > /dev/null
  train gan qcd-gan qcd control "jetmass-gan$suffix"
  train wgan-u1 qcd-wgan-u1 qcd control "jetmass-wgan-u1$suffix"
  local n
  n=$("$evgen" --json datasets describe qcd | sed -n 's/.*"validation": \([0-9]*\).*/\1/p')
  for model in qcd-templates qcd-gan qcd-wgan-u1; do
    "$evgen" sample "$n" --model "$model" --conditions-from qcd --region validation --keep n_track \
      --seed 2 -o "$work/$model-validation.npy" > /dev/null
    echo "-- $model on the validation region ($n jets)"
    "$evgen" metrics compare qcd:validation "$work/$model-validation.npy" -m separation-power --seed 3
    "$evgen" --json metrics compare qcd:validation "$work/$model-validation.npy" -m binned-mean \
      -O value_column=mass_gev -O by=n_track -O bins=5 --seed 3 | python3 -c "$binned_mean_table"
  done
}

dilepton() {
  echo "== dilepton WGAN-GP (ttbar-dilepton, 200k events)"
  "$evgen" datasets generate ttbar-dilepton -n 200000 --seed 1 --name dilepton > /dev/null
  "$evgen" datasets generate ttbar-dilepton -n 200000 --seed 2 --name dilepton2 > /dev/null
  train wgan-gp dilepton-gan dilepton all "dilepton-wgan-gp$suffix"
  "$evgen" sample 200000 --model dilepton-gan --seed 2 -o "$work/dilepton-gan.npy" > /dev/null
  local features=pt_l0_gev,pt_l1_gev,pt_ll_gev,m_ll_gev,met_gev,mt_gev,dphi_ll,dr_ll
  echo "-- GAN against the reference"
  "$evgen" metrics compare dilepton "$work/dilepton-gan.npy" -m relative-mean-difference -m correlations \
    -m classifier-auc -O columns=$features --seed 3
  echo "-- truth against truth (seed 1 against seed 2)"
  "$evgen" metrics compare dilepton dilepton2 -m relative-mean-difference -m correlations \
    -m classifier-auc -O columns=$features --seed 3
}

ttbar() {
  # The small presets are WGAN-GP, the paper's full ones rJS GANs (docs/physics.md).
  local kind=$([ "$size" = small ] && echo wgan-gp || echo rjs-gan)
  echo "== ttbar -> 6 quarks: $kind with and without the MMD on the W and top masses (200k events)"
  "$evgen" datasets generate ttbar-allhad -n 200000 --seed 1 --name ttbar > /dev/null
  local models=${EVGEN_TTBAR_MODELS:-ttbar-mmd-gan ttbar-gan}
  for model in $models; do train "$kind" "$model" ttbar all "$model$suffix"; done
  "$evgen" datasets export ttbar -o "$work/ttbar-reference.npy" > /dev/null
  "$evgen" datasets generate ttbar-allhad -n 200000 --seed 2 --name ttbar2 > /dev/null
  "$evgen" datasets export ttbar2 -o "$work/ttbar-reference2.npy" > /dev/null
  for model in $models; do
    "$evgen" sample 200000 --model "$model" --seed 2 -o "$work/$model.npy" > /dev/null
    echo "-- $model: Breit-Wigner fits of the resonances (binned likelihood), 200k events"
    ttbar_figures "$work/ttbar-reference.npy" "$work/$model.npy" "$work/ttbar-reference2.npy"
  done
}

for e in "${experiments[@]}"; do "$e"; done
