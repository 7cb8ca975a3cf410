#!/usr/bin/env bash
# dilepton-relations.sh: how many events of a ttbar-dilepton sample break
# the features' cuts and relations (docs/physics.md, "The dilepton features
# as free coordinates"). Starts evgend on loopback with a fresh data
# directory, uploads the sample, counts through `evgen datasets derive
# --where`, and stops evgend.
#
# Usage: scripts/dilepton-relations.sh SAMPLE.npy   (columns as ttbar-dilepton's)
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR
# (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 SAMPLE.npy" >&2; exit 2; }
sample=$(realpath "$1")

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-dilepton-relations-XXXXXX)}
mkdir -p "$work"
source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work" > /dev/null

"$evgen" datasets upload "$sample" --name sample > /dev/null
pt_ll='sqrt(pt_l0_gev^2 + pt_l1_gev^2 + 2*pt_l0_gev*pt_l1_gev*cos(dphi_ll))'
# Each condition becomes a 1/0 column; its mean is the fraction of events.
"$evgen" datasets derive sample --name flags \
  --column 'below_cut = pt_l1_gev < 25' \
  --column 'misordered = pt_l0_gev < pt_l1_gev' \
  --column 'dphi_out = dphi_ll < 0 || dphi_ll > pi()' \
  --column 'dr_below_dphi = dr_ll < dphi_ll' \
  --column 'met_negative = met_gev < 0' \
  --column 'mll_negative = m_ll_gev < 0' \
  --column "ptll_off = abs(pt_ll_gev - $pt_ll) > 0.01 * $pt_ll" > /dev/null
echo "== $sample: fraction of events breaking a cut or a relation"
"$evgen" --json datasets describe flags | python3 -c '
import json, sys
labels = {"below_cut": "pT(l1) below the 25 GeV acceptance", "misordered": "pT(l0) < pT(l1)",
          "dphi_out": "dphi outside [0, pi]", "dr_below_dphi": "dR < dphi", "met_negative": "MET < 0",
          "mll_negative": "m(ll) < 0", "ptll_off": "pT(ll) over 1% off the leptons pT and dphi"}
d = json.load(sys.stdin)
for s in d["summaries"]:
    if s["name"] in labels:
        print("   %-44s %6.2f%%" % (labels[s["name"]], 100 * s["mean"]))'
