#!/usr/bin/env bash
# jetmass-sum-results.sh: Fig. 6 of the QCD-factorization paper (Lin,
# Bhimji, Nachman 2019) through the service. Starts evgend on loopback with a
# fresh data directory and, through the evgen CLI only:
#   - generates the event-level QCD multijet reference (qcd-multijet-events,
#     seed 1) and an independent one (seed 2) for the truth-vs-truth floor;
#   - builds the histogram jet-mass templates and trains the conditional GAN
#     (jetmass-gan-small), both on the control region;
#   - dresses the validation-region jets with the masses of each;
#   - prints, for each N_track cut on all four leading jets (none, the cut
#     keeping about half of the events, and N_track < 26, the paper's 50%
#     quark efficiency per jet), the Sigma m_J ratio error per bin of the
#     templates, the GAN and the independent reference, and their separation
#     powers;
#   - writes the report page fig6.html with the symmetrised ratio errors
#     drawn (fig6-*.json, line_plot.h format).
#
# Environment: EVGEN_EVENTS (default 5000000: the N_track < 26 selection
# keeps under 1% of the validation events), EVGEN_WORK_DIR (default a new
# temp dir), EVGEN_BIN_DIR (default build/release), EVGEN_GAN_CONFIG (JSON
# keys over the GAN preset's), EVGEN_EDGES (Sigma m_J bin edges in GeV),
# EVGEN_GAN_DERIVE (a column `evgen datasets derive` adds to the reference
# before the GAN trains and samples on it, e.g. 'log_pt = log(pt_gev)' for a
# condition on the log of the jet pT; the columns the metrics read are kept),
# EVGEN_GAN_SEED (the GAN's training seed, default 1), EVGEN_GAN_ENSEMBLE (M,
# default 1: M GANs trained with seeds EVGEN_GAN_SEED .. + M - 1, whose
# samples are pooled, so the prediction averages over trainings),
# EVGEN_GAN_DRESSINGS (K, default 1: every member dresses each validation jet
# K times). The GAN's figures read the pooled M * K dressings: its own
# statistical error falls by sqrt(M K); the reference's does not.
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgend=$bin_dir/server/evgend
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-jetmass-sum-XXXXXX)}
events=${EVGEN_EVENTS:-5000000}
gan_config=${EVGEN_GAN_CONFIG:-"{}"}
edges=${EVGEN_EDGES:-0,200,300,400,500,600,800,1500}
mkdir -p "$work"

source scripts/start-evgend.sh
# Dressed GAN samples hold more rows than the server's default metric input limit.
start_evgend "$evgend" "$work" --max-metric-rows 100000000
echo "== evgend at $EVGEN_SERVER, data in $work/data"

"$evgen" datasets generate qcd-multijet-events -n "$events" --seed 1 --name qcd > /dev/null
"$evgen" datasets generate qcd-multijet-events -n "$events" --seed 2 --name qcd2 > /dev/null
"$evgen" train template --dataset qcd --region control --name tpl --seed 1 --wait > /dev/null
gan_data=qcd
gan_keep=()
if [ -n "${EVGEN_GAN_DERIVE:-}" ]; then
  "$evgen" datasets derive qcd --name qcd-gan --column "$EVGEN_GAN_DERIVE" > /dev/null
  gan_data=qcd-gan
  gan_keep=(--keep pt_gev --keep eta)
fi
seed=${EVGEN_GAN_SEED:-1}
members=${EVGEN_GAN_ENSEMBLE:-1}
dressings=${EVGEN_GAN_DRESSINGS:-1}
names=(gan)
[ "$members" -gt 1 ] && names=($(seq -f gan-%g 1 "$members"))
start=$SECONDS
for j in "${!names[@]}"; do
  "$evgen" train gan --preset jetmass-gan-small --config "$gan_config" --dataset "$gan_data" --region control \
    --name "${names[$j]}" --seed "$((seed + j))" --wait > /dev/null
done
echo "-- trained ${#names[@]} GAN(s) in $((SECONDS - start)) s"
rows=$("$evgen" --json datasets describe qcd | sed -n 's/.*"validation": \([0-9]*\).*/\1/p')
"$evgen" sample "$rows" --model tpl --conditions-from qcd --region validation --keep event --keep jet --keep n_track \
  --seed 2 -o "$work/tpl.npy" > /dev/null
# Each member dresses every validation jet `dressings` times (the CLI reuses
# the condition rows in turn); the members' files are stacked into gan.npy,
# read as members * dressings dressings of the same events.
for name in "${names[@]}"; do
  "$evgen" sample "$((dressings * rows))" --model "$name" --conditions-from "$gan_data" --region validation \
    --keep event --keep jet --keep n_track "${gan_keep[@]}" --seed 2 -o "$work/$name.npy" > /dev/null
done
total_dressings=$((members * dressings))
if [ "$members" -gt 1 ]; then
  python3 - "$work/gan.npy" $(printf "$work/%s.npy " "${names[@]}") <<'EOF'
import ast, shutil, struct, sys
def header(f):  # (header dict, offset of the data) of a .npy file
    version = f.read(8)[6]
    size = struct.unpack("<H" if version == 1 else "<I", f.read(2 if version == 1 else 4))[0]
    return ast.literal_eval(f.read(size).decode()), f.tell()
out, parts = sys.argv[1], sys.argv[2:]
heads = []
for p in parts:
    with open(p, "rb") as f:
        heads.append(header(f))
h0 = heads[0][0]
assert all(h["descr"] == h0["descr"] and h["shape"][1:] == h0["shape"][1:] and not h["fortran_order"] for h, _ in heads)
shape = (sum(h["shape"][0] for h, _ in heads),) + tuple(h0["shape"][1:])
text = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (h0["descr"], shape)
text += " " * (-(10 + len(text) + 1) % 64) + "\n"
with open(out, "wb") as o:
    o.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode())
    for p, (_, offset) in zip(parts, heads):
        with open(p, "rb") as f:
            f.seek(offset)
            shutil.copyfileobj(f, o, 1 << 24)
shutil.copyfile(parts[0] + ".columns", out + ".columns")
EOF
fi
echo "-- $rows validation jets dressed by the templates and $total_dressings times by the GAN"

# The working point on the reference's four leading validation jets: how
# often N_track < 26 keeps a quark jet, a gluon jet, any jet; and the cut
# X in 30..60 that keeps the events closest to half (all four jets below X),
# written to $work/half-cut.
"$evgen" datasets export qcd --region validation -o "$work/validation.npy" > /dev/null
python3 - "$work/validation.npy" "$work/half-cut" <<'EOF'
import array, ast, struct, sys
with open(sys.argv[1], "rb") as f:
    version = f.read(8)[6]
    header_len = struct.unpack("<H" if version == 1 else "<I", f.read(2 if version == 1 else 4))[0]
    header = ast.literal_eval(f.read(header_len).decode())
    values = array.array("f")
    values.frombytes(f.read())
rows, width = header["shape"]
# qcd-multijet columns: event, jet, pt_gev, eta, phi, n_track, mass_gev, is_gluon, region
kept, total = [0, 0], [0, 0]
event_max = {}  # the largest N_track among an event's leading four jets
for r in range(rows):
    event, jet, n_track = values[r * width], values[r * width + 1], values[r * width + 5]
    gluon = int(values[r * width + 7])
    if jet < 4:
        total[gluon] += 1
        kept[gluon] += n_track < 26
        event_max[event] = max(event_max.get(event, 0.0), n_track)
half = min(range(30, 61), key=lambda x: abs(sum(m < x for m in event_max.values()) / len(event_max) - 0.5))
open(sys.argv[2], "w").write("%d\n" % half)
print("-- N_track < 26 on the four leading validation jets keeps %.0f%% of quark jets, %.0f%% of gluon jets, "
      "%.0f%% of all (%.0f%% of them gluons)" % (100.0 * kept[0] / total[0], 100.0 * kept[1] / total[1],
      100.0 * sum(kept) / sum(total), 100.0 * total[1] / sum(total)))
EOF

# ratio CANDIDATE CUT [DRESSINGS]: the jet-mass-sum-ratio metric's JSON details.
ratio() {
  local cut=()
  [ "$2" != none ] && cut=(-O "max_n_track=$2")
  "$evgen" --json metrics compare qcd:validation "$1" -m jet-mass-sum-ratio -O edges_gev="$edges" "${cut[@]}" \
    -O dressings="${3:-1}" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; d=r["details_json"]; print(json.dumps(d if isinstance(d, dict) else json.loads(d)))'
}

half=$(cat "$work/half-cut")

for cut in none "$half" 26; do
  ratio "$work/tpl.npy" "$cut" > "$work/ratio-tpl-$cut.json"
  ratio "$work/gan.npy" "$cut" "$total_dressings" > "$work/ratio-gan-$cut.json"
  ratio qcd2:validation "$cut" > "$work/ratio-truth-$cut.json"
  python3 - "$work" "$cut" "$edges" <<'EOF'
import json, sys
work, cut, edges = sys.argv[1], sys.argv[2], [float(e) for e in sys.argv[3].split(",")]
d = {m: json.load(open("%s/ratio-%s-%s.json" % (work, m, cut))) for m in ("tpl", "gan", "truth")}
sel = d["truth"]["selected_events"][0], d["truth"]["events"][0]
title = "inclusive" if cut == "none" else "N_track < %s on all four leading jets" % cut
print("\n== Sigma m_J ratio error, %s: %d of %d reference events (%.2f%%)" % (title, sel[0], sel[1], 100.0 * sel[0] / sel[1]))
print("   %-14s %22s %22s %22s" % ("bin (GeV)", "templates", "GAN", "truth vs truth"))
fmt = lambda x: "%.3f" % x if x is not None else "-"
for b in range(len(edges) - 1):
    cells = []
    for m in ("tpl", "gan", "truth"):
        r, e = d[m]["ratio"][b], d[m]["symmetrized_error"][b]
        cells.append("ratio %s err %s" % (fmt(r), fmt(e)))
    print("   %-14s %22s %22s %22s" % ("%g-%g" % (edges[b], edges[b + 1]), *cells))
mid = [0.5 * (edges[b] + edges[b + 1]) for b in range(len(edges) - 1)]
names = {"tpl": "templates", "gan": "conditional GAN", "truth": "independent reference (seed 2)"}
fig = {"title": "Sigma m_J symmetrised ratio error, " + title, "x_label": "Sigma m_J of the 4 leading jets (GeV)",
       "y_label": "symmetrised ratio error",
       "series": [{"name": names[m], "x": mid, "y": d[m]["symmetrized_error"], "dashed": m == "truth"}
                  for m in ("tpl", "gan", "truth")]}
json.dump(fig, open("%s/fig6-%s.json" % (work, cut), "w"), indent=1)
EOF
done

# The members one by one: their spread is the ensemble's training uncertainty.
if [ "$members" -gt 1 ]; then
  echo
  echo "== each member alone, N_track < 26 on all four leading jets: error (ratio) in the three highest bins"
  for name in "${names[@]}"; do
    ratio "$work/$name.npy" 26 "$dressings" > "$work/ratio-$name-26.json"
    python3 - "$work/ratio-$name-26.json" "$name" "$edges" <<'EOF'
import json, sys
d, name, edges = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3].split(",")
cell = lambda b: "-" if d["ratio"][b] is None else "%.3f (%.2f)" % (d["symmetrized_error"][b], d["ratio"][b])
print("   %-8s %s" % (name, "   ".join("%s-%s: %s" % (edges[b], edges[b + 1], cell(b)) for b in range(len(edges) - 4, len(edges) - 1))))
EOF
  done
fi

echo
echo "== separation power (0 = identical) and classifier AUC on pT, eta, N_track, mass (0.5 = indistinguishable)"
echo "   against the reference's validation jets"
for c in "templates $work/tpl.npy" "GAN $work/gan.npy" "truth-vs-truth qcd2:validation"; do
  printf '   %-15s separation %s, AUC %s\n' "${c%% *}" \
    "$("$evgen" metrics compare qcd:validation "${c#* }" -m separation-power --seed 3 | sed -n 's/^separation-power *//p')" \
    "$("$evgen" metrics compare qcd:validation "${c#* }" -m classifier-auc -O columns=pt_gev,eta,n_track,mass_gev \
      --seed 3 | sed -n 's/^classifier-auc *//p')"
done

"$evgen" report qcd:validation "$work/gan.npy" -o "$work/fig6.html" --seed 3 --columns mass_gev \
  -m jet-mass-sum-ratio -O jet-mass-sum-ratio.edges_gev="$edges" -O jet-mass-sum-ratio.max_n_track=26 \
  -O jet-mass-sum-ratio.dressings="$total_dressings" \
  --figure "$work/fig6-none.json" --figure "$work/fig6-$half.json" --figure "$work/fig6-26.json"
