#!/usr/bin/env bash
# flow-results.sh: reproduces the normalizing-flow figures of docs/results.md
# through the service. Starts evgend on loopback with a fresh data directory
# and, through the evgen CLI, generates the reference, trains the flow preset
# (the "-small" variant unless EVGEN_FLOW_SIZE=full), samples it and prints
# the acceptance metrics beside a truth-vs-truth baseline (a second reference
# sample of another seed), then stops evgend.
#
# Usage: scripts/flow-results.sh [dilepton] [zmumu] [ttbar]   (default: all)
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
[ ${#experiments[@]} -eq 0 ] && experiments=(dilepton zmumu ttbar)
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data, presets ${size}"

source scripts/results-lib.sh

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

# against_gaussian MODEL: the model's best validation NLL beside that of a
# full-covariance Gaussian fitted to the same training rows in the same
# model space (gaussian_baseline.h), both per event in physical units.
against_gaussian() {
  "$evgen" --json models get "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)["description_json"]
f = (json.loads(d) if isinstance(d, str) else d)["fit"]
print("   validation NLL per event: flow %.4f (best, step %s), full-covariance Gaussian %.4f" % (
    f["best_validation_nll"], f["best_step"], f["gaussian_validation_nll"]))'
}

dilepton() {
  echo "== dilepton flow (ttbar-dilepton, 200k events; the WGAN-GP's figures are in the GAN section)"
  "$evgen" datasets generate ttbar-dilepton -n 200000 --seed 1 --name dilepton > /dev/null
  "$evgen" datasets generate ttbar-dilepton -n 200000 --seed 2 --name dilepton2 > /dev/null
  train flow-rqs dilepton-flow dilepton "ttbar-dilepton-flow$suffix"
  against_gaussian dilepton-flow
  "$evgen" sample 200000 --model dilepton-flow --seed 2 -o "$work/dilepton-flow.npy" > /dev/null
  local features=pt_l0_gev,pt_l1_gev,pt_ll_gev,m_ll_gev,met_gev,mt_gev,dphi_ll,dr_ll
  echo "-- flow against the reference"
  "$evgen" metrics compare dilepton "$work/dilepton-flow.npy" -m relative-mean-difference -m correlations \
    -m classifier-auc -O columns=$features --seed 3
  echo "-- truth against truth (seed 1 against seed 2)"
  "$evgen" metrics compare dilepton dilepton2 -m relative-mean-difference -m correlations \
    -m classifier-auc -O columns=$features --seed 3
}

# zmumu: a generator fitted to real data. The CMS 2011 opposite-charge
# pairs are split at random, three quarters for training and one quarter
# held out: sin(Event) of the event number is a fixed pseudo-random number
# in [-1, 1] that knows nothing of the kinematics, and P(sin < 0.7071) =
# 3/4 (the expressions have no modulo for an even/odd split); the cINN is
# conditioned on the first muon's charge and sampled with the held-out
# charges in turn. Beside it, the truth-vs-truth floor: the training pairs
# against the held-out ones.
zmumu() {
  local csv=${EVGEN_SHARED_DATA:-../shared/data}/cms-dilepton-2011/Zmumu_Run2011A.csv
  echo "== CMS 2011 Z->mumu cINN (pairs of opposite charge, 3/4 for training, 1/4 held out)"
  "$evgen" datasets upload "$csv" --name cms > /dev/null
  "$evgen" datasets derive cms --where 'Q1*Q2 < 0 && sin(Event) < 0.7071' --name cms-train | head -1
  "$evgen" datasets derive cms --where 'Q1*Q2 < 0 && sin(Event) >= 0.7071' --name cms-held | head -1
  train cinn zmumu-cinn cms-train "cms-zmumu-cinn$suffix"
  against_gaussian zmumu-cinn
  "$evgen" sample 100000 --model zmumu-cinn --conditions-from cms-held --seed 2 -o "$work/zmumu-cinn.npy" > /dev/null
  "$evgen" datasets upload "$work/zmumu-cinn.npy" --name zmumu-gen > /dev/null
  local peak=(-m mass-peak -O particles=1,2 -O particle_mass_gev=0.1056583755 -O lower_gev=70 -O upper_gev=110)
  local features=pt1,eta1,phi1,pt2,eta2,phi2
  local acceptance="eta1 > -2.45 && eta1 < 2.1 && eta2 > -2.45 && eta2 < 2.1"
  echo "-- cINN sample against the held-out data"
  # Relative mean differences only of the pT: eta and phi have means near 0.
  "$evgen" report cms-held zmumu-gen -o "$work/zmumu-cinn-report.html" "${peak[@]}" \
    --columns pt1,pt2,eta1,eta2,phi1,phi2 | grep -i -A3 "peak" || true
  "$evgen" metrics compare cms-held zmumu-gen -m classifier-auc -O columns=$features --seed 3
  "$evgen" metrics compare cms-held zmumu-gen -m correlations -O columns=$features --seed 3
  "$evgen" metrics compare cms-held zmumu-gen -m relative-mean-difference -O columns=pt1,pt2 --seed 3
  "$evgen" datasets describe zmumu-gen | grep -E "^column|^pt"
  # The data's muons lie in -2.45 < eta < 2.1 (a sharp edge at 2.1 in this
  # table); pair-frame coordinates do not bound each muon's eta, so the
  # sample goes through that acceptance, as a detector's would, and is
  # judged again there.
  echo "-- the sample inside the data's acceptance"
  "$evgen" datasets derive zmumu-gen --where "$acceptance" --name zmumu-acc | head -1
  "$evgen" report cms-held zmumu-acc -o "$work/zmumu-acc-report.html" "${peak[@]}" \
    --columns pt1,pt2,eta1,eta2,phi1,phi2 | grep -i -A3 "peak" || true
  "$evgen" metrics compare cms-held zmumu-acc -m classifier-auc -O columns=$features --seed 3
  "$evgen" metrics compare cms-held zmumu-acc -m correlations -O columns=$features --seed 3
  "$evgen" metrics compare cms-held zmumu-acc -m relative-mean-difference -O columns=pt1,pt2 --seed 3
  "$evgen" datasets describe zmumu-acc | grep -E "^column|^pt"
  echo "-- truth against truth (the training pairs against the held-out ones)"
  "$evgen" metrics compare cms-held cms-train "${peak[@]}"
  "$evgen" metrics compare cms-held cms-train -m classifier-auc -O columns=$features --seed 3
  "$evgen" metrics compare cms-held cms-train -m correlations -O columns=$features --seed 3
  "$evgen" metrics compare cms-held cms-train -m relative-mean-difference -O columns=pt1,pt2 --seed 3
  "$evgen" datasets describe cms-held | grep -E "^column|^pt"
}

# ttbar: the spline flow of the six on-shell quarks' 3-momenta, judged as
# the MMD GAN is in gan-results.sh (same reference size, seeds and figures).
ttbar() {
  echo "== ttbar -> 6 quarks: flow-rqs (ttbar-allhad, 200k events; the GANs' figures are in the GAN section)"
  "$evgen" datasets generate ttbar-allhad -n 200000 --seed 1 --name ttbar > /dev/null
  train flow-rqs ttbar-flow ttbar "ttbar-allhad-flow$suffix"
  against_gaussian ttbar-flow
  "$evgen" datasets export ttbar -o "$work/ttbar-reference.npy" > /dev/null
  "$evgen" sample 200000 --model ttbar-flow --seed 2 -o "$work/ttbar-flow.npy" > /dev/null
  echo "-- ttbar-flow: Breit-Wigner fits of the resonances (binned likelihood), 200k events"
  ttbar_figures "$work/ttbar-reference.npy" "$work/ttbar-flow.npy"
  local momenta
  momenta=$(python3 -c 'print(",".join("p%d_%s_gev" % (i, c) for i in range(1, 7) for c in ("px", "py", "pz")))')
  echo "-- classifier on the 18 momenta: flow against the reference, then truth against truth (seed 2)"
  "$evgen" datasets generate ttbar-allhad -n 200000 --seed 2 --name ttbar2 > /dev/null
  "$evgen" metrics compare ttbar "$work/ttbar-flow.npy" -m classifier-auc -O columns="$momenta" --seed 3
  "$evgen" metrics compare ttbar ttbar2 -m classifier-auc -O columns="$momenta" --seed 3
}

for e in "${experiments[@]}"; do "$e"; done
