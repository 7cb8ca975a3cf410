#!/usr/bin/env bash
# cloud-results.sh: reproduces the jet-cloud GAN figures of docs/results.md
# through the service. Starts evgend on loopback with a fresh data directory
# and, through the evgen CLI only: generates top-like jet clouds (training
# jets, a held-out truth sample and a second truth sample for the
# truth-vs-truth baseline, 5,000 jets each, seeds 1, 2, 3); trains the
# preset (jet-cloud-gan-jets-small or EVGEN_CLOUD_PRESET; seed 1, or
# EVGEN_CLOUD_SEED) and, as the floor, the same model after one step of
# each stage ("untrained"); samples 5,000 jets of each into .h5 (the JetNet layout),
# uploads them back and compares each with the held-out truth:
#   multiplicity   W1 of n_constituents per jet (and its mean)
#   constituents   W1 of the pt_rel, eta_rel, phi_rel marginals (mean of 3; pt_rel
#                  over the pT of the jet the constituents make)
#   W1M            JetNet's batched W1 of the jet mass (the massless sum of the
#                  constituents, cloud_mass_gev), 5 batches
#   W1-EFP         JetNet's W1 of the n = 4, d = 4 EFPs, 5 batches
#   FPD, KPD       on the 36 d <= 4 EFPs
#   AUC            classifier test on jets (multiplicity, mass, pT)
#   AUC-EFP        classifier test on jets' substructure (their 36 d <= 4 EFPs)
#   KS-EFP         the largest KS statistic of those EFPs one by one
# prints each figure for the model, the untrained model and truth vs truth,
# with the model's as a multiple of truth vs truth, then the EFPs with the
# largest KS (each named by its graph, the model's mean high or low, truth
# vs truth beside), writes the report
# page $work/clouds.html (marginals drawn, the jet-level figures listed),
# and prints the jet shapes of scripts/cloud_jet_shapes.py.
#
# Usage: scripts/cloud-results.sh
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR
# (default build/release), EVGEN_CLOUD_PRESET (default
# jet-cloud-gan-jets-small: jets from nothing in one model, which draws
# each jet's pT and mass itself; jet-cloud-gan-jets-mmd-small is it with
# the whitened MMD of the EFPs in its loss; jet-cloud-gan-small is the thesis recipe
# at CPU widths; a conditioned one such as jet-cloud-gan-given-small
# samples with the conditions of the second truth sample, and
# cloud-two-stage.sh then draws them from a flow), EVGEN_CLOUD_CONFIG (JSON keys merged into the preset,
# e.g. '{"tau": 0.5}'; with condition_columns the models sample as a
# conditioned preset does), EVGEN_CLOUD_JETS (default 5000),
# EVGEN_CLOUD_SEED (the trainings' seed, default 1; the data and samples
# keep theirs, so runs differ only in the training).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgend=$bin_dir/server/evgend
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-cloud-results-XXXXXX)}
extra=${EVGEN_CLOUD_CONFIG:-"{}"}
jets=${EVGEN_CLOUD_JETS:-5000}
train_seed=${EVGEN_CLOUD_SEED:-1}
preset=${EVGEN_CLOUD_PRESET:-jet-cloud-gan-jets-small}
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data"
source scripts/results-lib.sh

cloud_datasets "$jets" train:1 truth:2 truth2:3

start=$SECONDS
"$evgen" train jet-cloud-gan --name clouds --dataset train --config "$(config "$preset")" --seed "$train_seed" --wait \
  > "$work/train-clouds.log"
echo "-- trained clouds ($(config "$preset")) in $((SECONDS - start)) s"
# The floor: the trained model's whole config after one step of each
# stage (the set stage, and the jet stage of a preset that has one).
untrained_config=$("$evgen" --json models get clouds | python3 -c '
import json, sys
c = json.load(sys.stdin)["description_json"]["config"]
c["steps"] = 1
if "jet_stage" in c:
    c["jet_stage"]["config"]["steps"] = 1
print(json.dumps(c))')
"$evgen" train jet-cloud-gan --name untrained --dataset train --config "$untrained_config" \
  --seed "$train_seed" --wait > "$work/train-untrained.log"

# A model given conditions (a conditioned preset, or EVGEN_CLOUD_CONFIG's
# condition_columns, e.g. the jet pT with pt_shares) samples with those of
# the second truth sample, jet by jet: its jets are then compared as
# truth2's are in truth vs truth.
sample_conditions=(-O is_top=1)
if "$evgen" --json models get clouds |
  python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["condition_columns"] else 1)'; then
  sample_conditions=(--conditions-from truth2)
fi
for model in clouds untrained; do
  start=$SECONDS
  "$evgen" sample "$jets" --model "$model" --seed 2 -o "$work/$model.h5" "${sample_conditions[@]}" > /dev/null
  echo "-- sampled $jets jets of $model into $work/$model.h5 (JetNet layout) in $((SECONDS - start)) s"
  "$evgen" datasets upload "$work/$model.h5" --name "$model" > /dev/null
done

echo "== top-like jets, $jets per sample, against a held-out truth sample (seed 2)"
for d in truth truth2 clouds untrained; do
  "$evgen" --json datasets describe "$d" | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = {c["name"]: c for c in d["summaries"]}
print("   %-9s %7d constituents in %s jets: mean multiplicity %.2f; over constituent rows jet mass %.0f +- %.0f GeV, jet pT %.0f +- %.0f GeV" % (
    d["name"], d["rows"], sys.argv[1], d["rows"] / int(sys.argv[1]), s["jet_mass_gev"]["mean"], s["jet_mass_gev"]["std"],
    s["jet_pt_gev"]["mean"], s["jet_pt_gev"]["std"]))' "$jets"
done
cloud_figures "$jets"
cloud_efp_breakdown

# The report page: constituent marginals drawn, the jet-level figures listed.
"$evgen" report truth clouds -o "$work/clouds.html" --seed 3 --columns log_pt,log_e,eta_rel,phi_rel \
  -m wasserstein-1 -O wasserstein-1.jet_level=1 -O wasserstein-1.columns=n_constituents,cloud_mass_gev \
  -m w1-efp -O w1-efp.num_batches=5 -O w1-efp.num_eval_samples="$jets" \
  -m fpd -O fpd.features=efp -m kpd -O kpd.features=efp \
  -m classifier-auc -O classifier-auc.jet_level=1 -O classifier-auc.columns=n_constituents,cloud_mass_gev,cloud_pt_gev

# Jet shapes (mass histogram, widths, leading shares) of the model's jets
# beside the truth's, from the exported samples.
for d in truth clouds; do "$evgen" datasets export "$d" -o "$work/$d.npy" > /dev/null; done
/usr/bin/python3 scripts/cloud_jet_shapes.py "$work/truth.npy" "$work/clouds.npy"
