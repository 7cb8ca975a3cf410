#!/usr/bin/env bash
# cloud-two-stage.sh: makes a jet-cloud model given each jet's pT and mass
# (pt_shares and mass_given) an unconditioned generator of top-like jets,
# and measures it as cloud-results.sh measures the others. Stage one, a
# spline flow (flow-rqs) trained on the training jets' (jet_pt_gev,
# jet_mass_gev), generates each jet's pT and mass; stage two, the given-jet
# cloud model, its constituents. Nothing of truth2 or the held-out truth
# enters the sample, unlike cloud-results.sh's --conditions-from truth2.
# One request samples both stages (evgen sample --conditions-model).
# The preset jet-cloud-gan-jets-small is the same pair as one model (its
# jet stage is this flow, trained with the job's seed): with training seed
# 1 its jets are this script's, byte for byte.
#
# Usage: scripts/cloud-two-stage.sh WORK
#   WORK: the work directory of a finished cloud-results.sh run whose model
#   is conditioned on ["jet_pt_gev", "jet_mass_gev"] (EVGEN_CLOUD_PRESET=
#   jet-cloud-gan-given-small, or those condition_columns in
#   EVGEN_CLOUD_CONFIG; its evgend data: datasets train, truth, truth2,
#   clouds; model clouds).
# Environment: EVGEN_BIN_DIR (default build/release), EVGEN_CLOUD_JETS
# (default 5000, as the run's), EVGEN_CLOUD_SAMPLE_SEED (the two-stage
# sample's seed, default 2 as cloud-results.sh's; another seed is another
# draw of the same models, for the spread of the figures between draws).
#
# Prints, for the two-stage jets, the jets given truth2's pT and mass
# (the run's own sample) and truth vs truth, each against the held-out
# truth: the figures of cloud-results.sh, the jet pT W1 and the AUC of
# the mass alone; then the jet shapes of scripts/cloud_jet_shapes.py.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -eq 1 ] || { echo "usage: $0 WORK (a cloud-results.sh work directory)" >&2; exit 2; }
work=$1
[ -d "$work/data" ] || { echo "$0: $work/data: no evgend data directory (run cloud-results.sh with EVGEN_WORK_DIR=$work first)" >&2; exit 2; }
bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen
jets=${EVGEN_CLOUD_JETS:-5000}
sample_seed=${EVGEN_CLOUD_SAMPLE_SEED:-2}

rm -f "$work/evgend.port"  # a stopped run's port file would be read as this one's
source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data"
source scripts/results-lib.sh

conditions=$("$evgen" --json models get clouds |
  python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["condition_columns"]))')
[ "$conditions" = "jet_pt_gev,jet_mass_gev" ] || {
  echo "$0: model clouds is conditioned on '$conditions', not jet_pt_gev,jet_mass_gev" >&2
  exit 2
}

# Stage one: one row per training jet (its first constituent's row carries
# the jet's columns), a spline flow on log pT and log mass (16 bins: the
# top mass peak is narrow, 61% of the jets within 10 GeV).
# A rerun on the same WORK replaces what an earlier run of this script stored.
for d in twostage train_jets; do "$evgen" datasets delete "$d" > /dev/null 2>&1 || true; done
"$evgen" models delete jets > /dev/null 2>&1 || true
"$evgen" datasets derive train --where 'constituent == 0' --name train_jets > /dev/null
# The flow is the jet stage of the preset jet-cloud-gan-jets-small, its
# whole config as the service resolves it (one source for both).
flow_config=$("$evgen" --json models presets | python3 -c '
import json, sys
p = next(p for p in json.load(sys.stdin)["presets"] if p["name"] == "jet-cloud-gan-jets-small")
c = p["config_json"]
c = json.loads(c) if isinstance(c, str) else c
print(json.dumps(c["jet_stage"]["config"]))')
start=$SECONDS
"$evgen" train flow-rqs --name jets --dataset train_jets --config "$flow_config" --seed 1 --wait \
  > "$work/train-jets.log"
echo "-- trained the jets' (pT, mass) flow in $((SECONDS - start)) s"

# Stage two, in one request: the jets' pT and mass drawn from the flow
# (under a seed derived from the sample's), then their constituents from
# the given-jet model.
start=$SECONDS
"$evgen" sample "$jets" --model clouds --seed "$sample_seed" --conditions-model jets -o "$work/twostage.h5" > /dev/null
echo "-- sampled $jets two-stage jets (seed $sample_seed) into $work/twostage.h5 in $((SECONDS - start)) s"
"$evgen" datasets upload "$work/twostage.h5" --name twostage > /dev/null

# Each row: the two-stage jets, the jets given truth2's pT and mass (the
# run's own sample) and truth2 itself, against the held-out truth.
cloud_model=twostage cloud_label=two-stage cloud_floor=clouds cloud_floor_label=given-truth2

echo "== top-like jets, $jets per sample, against the held-out truth sample (seed 2)"
cloud_row multiplicity wasserstein-1 -O columns=n_constituents -O jet_level=1
cloud_row constituents wasserstein-1 -O columns=pt_rel,eta_rel,phi_rel -O pt_rel=1
cloud_row "jet pT W1" wasserstein-1 -O columns=cloud_pt_gev -O jet_level=1
cloud_row W1M wasserstein-1 -O columns=cloud_mass_gev -O jet_level=1 -O num_batches=5 -O num_eval_samples="$jets"
cloud_row W1-EFP w1-efp -O num_eval_samples="$jets" -O num_batches=5
cloud_row FPD fpd -O features=efp
cloud_row KPD kpd -O features=efp
cloud_row AUC classifier-auc -O jet_level=1 -O columns=n_constituents,cloud_mass_gev,cloud_pt_gev
cloud_row "AUC mass" classifier-auc -O jet_level=1 -O columns=cloud_mass_gev
cloud_row AUC-EFP classifier-auc -O features=efp

"$evgen" datasets export twostage -o "$work/twostage.npy" > /dev/null
[ -s "$work/truth.npy" ] || "$evgen" datasets export truth -o "$work/truth.npy" > /dev/null
/usr/bin/python3 scripts/cloud_jet_shapes.py "$work/truth.npy" "$work/twostage.npy"
