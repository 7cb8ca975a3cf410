# results-lib.sh: sourced by gan-results.sh and flow-results.sh. Expects
# $evgen (the CLI) and $extra (JSON keys merged into every config).

# config PRESET: the preset's config JSON with $extra's keys merged in.
config() {
  python3 -c 'import json,sys; c={"preset": sys.argv[1]}; c.update(json.loads(sys.argv[2])); print(json.dumps(c))' \
    "$1" "$extra"
}

# Prints one mass-peak fit (reference vs model) from `--json metrics compare`.
mass_peak_line='
import json, sys
r = json.load(sys.stdin)["results"][0]
d = r["details_json"]
ref, gen = d["reference"], d["candidate"]
names = {"p1,p2": "W-", "p4,p5": "W+", "p1,p2,p3": "tbar", "p4,p5,p6": "t"}
print("   %-5s M %7.2f vs %7.2f GeV (%+.2f%%), width %5.2f vs %5.2f GeV (%+.1f%%)" % (
    names.get(sys.argv[1], sys.argv[1]), gen["position_gev"], ref["position_gev"],
    100 * (gen["position_gev"] / ref["position_gev"] - 1), gen["width_gev"], ref["width_gev"],
    100 * (gen["width_gev"] / ref["width_gev"] - 1)))
'

# ttbar_figures REFERENCE.npy SAMPLE.npy [REFERENCE2.npy]: the ttbar -> 6 quark figures of a
# sample: Breit-Wigner fits of both W and both tops, and the momenta
# themselves (a generator collapsed onto a few events can put the peaks in
# place while every momentum distribution is wrong). With REFERENCE2 (a
# second reference sample) each figure is printed for it too, under
# "truth vs truth", as the floor beside the sample's.
ttbar_figures() {
  local momenta candidate
  momenta=$(python3 -c 'print(",".join("p%d_%s_gev" % (i, c) for i in range(1, 7) for c in ("px", "py", "pz")))')
  for candidate in "$2" ${3:+"$3"}; do
    [ "$candidate" = "$2" ] || echo "   truth vs truth ($(basename "$candidate") as the sample):"
    for particles in p1,p2 p4,p5 p1,p2,p3 p4,p5,p6; do
      "$evgen" --json metrics compare "$1" "$candidate" -m mass-peak -O particles=$particles --seed 3 |
        python3 -c "$mass_peak_line" "$particles"
    done
    echo "   momenta (largest KS statistic over the 18 components, largest correlation difference):"
    "$evgen" metrics compare "$1" "$candidate" -m ks -m correlations -O columns="$momenta" --seed 3 |
      sed -n 's/^/   /; /ks\|correlations/p'
    if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
      printf '   ' && /usr/bin/python3 scripts/momenta_spread.py "$1" "$candidate"
    fi
  done
  # The paper's momentum balance: per event sum(p_x) / sum(|p_x|) over the
  # six quarks (0 for every reference event, which has no recoil).
  "$evgen" --json metrics compare "$1" "$2" -m momentum-balance -O particles=p1,p2,p3,p4,p5,p6 --seed 3 |
    python3 -c '
import json, sys
d = json.load(sys.stdin)["results"][0]["details_json"]
d = d if isinstance(d, dict) else json.loads(d)
print("   momentum balance, std of sum(p)/sum(|p|) per event: x %.4f, y %.4f (reference %.4f, %.4f)" % (
    d["candidate"]["x"]["std"], d["candidate"]["y"]["std"], d["reference"]["x"]["std"], d["reference"]["y"]["std"]))'
  # The classifier test on the 18 momenta, and on a second reference sample
  # ($3, when given) for the floor.
  for candidate in "$2" ${3:+"$3"}; do
    "$evgen" metrics compare "$1" "$candidate" -m classifier-auc -O columns="$momenta" --seed 3 |
      sed -n "s|^classifier-auc *|   classifier-auc (18 momenta) vs $(basename "$candidate"): |p"
  done
}

# The jet-cloud scripts' figures: datasets truth (held out), truth2 (the
# second truth sample), clouds (the model's) and untrained stored on evgend.

# cloud_datasets JETS NAME:SEED...: generates the jet-cloud scripts' top-like
# samples (JETS jets each) on evgend, e.g. train:1 truth:2 truth2:3, so that
# every script comparing with cloud-results.sh's truth makes the same truth
# (cloud-results.sh, cloud-relative-pt.sh, cloud-pooled.sh).
cloud_datasets() {
  local jets=$1 spec
  shift
  for spec in "$@"; do
    "$evgen" datasets generate jet-clouds -n "$jets" --seed "${spec#*:}" -O top_fraction=1 --name "${spec%:*}" > /dev/null
  done
}

# cloud_value CANDIDATE METRIC [OPTIONS...]: the metric's value and uncertainty
# (-1: none) of CANDIDATE against the held-out truth.
cloud_value() {
  local candidate=$1 name=$2
  shift 2
  "$evgen" --json metrics compare truth "$candidate" -m "$name" --seed 3 "$@" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["value"], r.get("uncertainty", -1))'
}

# cloud_row LABEL METRIC [OPTIONS...]: the model, the untrained model and the
# second truth sample, each against the held-out truth. The model's and the
# floor's datasets and labels may be set: cloud_model (clouds), cloud_label
# (model), cloud_floor (untrained), cloud_floor_label (untrained).
cloud_row() {
  local label=$1
  shift
  python3 - "$label" "${cloud_label:-model}" "${cloud_floor_label:-untrained}" \
    "$(cloud_value "${cloud_model:-clouds}" "$@")" "$(cloud_value "${cloud_floor:-untrained}" "$@")" \
    "$(cloud_value truth2 "$@")" <<'EOF'
import sys
label, model, floor = sys.argv[1:4]
m, u, t = [list(map(float, x.split())) for x in sys.argv[4:]]
fmt = lambda v: "%.4g" % v[0] + (" +- %.2g" % v[1] if v[1] >= 0 else "")
ratio = lambda a, b: "%.1f" % (a / b) if b else "-"
print("%-13s %s %-19s %s %-19s truth-vs-truth %-19s %s/tvt %5s %s/%s %5s" % (
    label, model, fmt(m), floor, fmt(u), fmt(t), model, ratio(m[0], t[0]), floor, model, ratio(u[0], m[0])))
EOF
}

# cloud_figures JETS: issue 17's figures, one cloud_row each (JETS jets per
# sample, for the batched JetNet metrics).
cloud_figures() {
  cloud_row multiplicity wasserstein-1 -O columns=n_constituents -O jet_level=1
  cloud_row constituents wasserstein-1 -O columns=pt_rel,eta_rel,phi_rel -O pt_rel=1
  cloud_row W1M wasserstein-1 -O columns=cloud_mass_gev -O jet_level=1 -O num_batches=5 -O num_eval_samples="$1"
  cloud_row W1-EFP w1-efp -O num_eval_samples="$1" -O num_batches=5
  cloud_row FPD fpd -O features=efp
  cloud_row KPD kpd -O features=efp
  cloud_row AUC classifier-auc -O jet_level=1 -O columns=n_constituents,cloud_mass_gev,cloud_pt_gev
  cloud_row AUC-EFP classifier-auc -O features=efp
  cloud_row KS-EFP ks -O features=efp
}

# cloud_efp_breakdown [COUNT]: where AUC-EFP's substructure differs, the
# COUNT (default 6) EFPs of connected graphs whose KS statistic against the
# held-out truth is largest for the model, each with its graph, whether the
# model's mean of it is above the truth's (high) or below (low), and the
# second truth sample's KS beside it. A disconnected graph's EFP is the
# product of its components' (efp_4 = efp_1^2, the same KS), so those are
# left out.
cloud_efp_breakdown() {
  local json
  json=$(for d in "${cloud_model:-clouds}" truth2; do
    "$evgen" --json metrics compare truth "$d" -m ks -O features=efp --seed 3 | tr -d '\n'
    echo
  done)
  python3 - "${1:-6}" "$json" <<'EOF'
import json, sys
model, truth2 = [json.loads(line)["results"][0]["details_json"] for line in sys.argv[2].splitlines()]
ks = lambda d, name: d["columns"][name]["statistic"]


# efp_0 (one vertex) is connected too, but constant: its KS is 0.
names = [name for name in model["columns"] if model["connected"][name]]
names = sorted(names, key=lambda name: -ks(model, name))[:int(sys.argv[1])]
print("KS per EFP of a connected graph, largest first (model, its mean against the truth's; truth-vs-truth):")
for name in names:
    c = model["columns"][name]
    side = "high" if c["candidate_mean"] > c["reference_mean"] else "low"
    print("  %-7s %-20s %.3f %-4s; %.3f" % (name, model["graphs"][name], ks(model, name), side, ks(truth2, name)))
EOF
}
