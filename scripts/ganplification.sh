#!/usr/bin/env bash
# ganplification.sh: GANplification on the 1-D camel-back (issue 16; Fig. 1
# of the Butter-Plehn review, after Butter, Diefenbacher, Kasieczka, Nachman,
# Plehn, arXiv:2008.06545). For each training-sample size n and seed it
# generates a camel training sample of n events, trains the 1-D spline flow
# (camel-flow-small) and the GAN (camel-gan-small) on it, samples
# EVGEN_GANPL_GENERATED events from each and measures the quantile error
# (metric quantile-error, 20 quantiles of a 10^7-event truth reference) of
# the training sample and of both generated samples. Prints a table of the
# mean MSE over seeds, the truth-sample size each is worth and the
# amplification (that size / n), and writes under the work directory:
#   ganplification.json        every measurement and the table
#   ganplification-mse.json    figure: MSE against n (line_plot.h format)
#   ganplification-events.json figure: equivalent truth events against n
#   ganplification.html        `evgen report` of the largest GAN sample with both figures
#   ganplification-{mse,events}.svg  the two figures alone
#
# Usage: scripts/ganplification.sh
# Environment: EVGEN_WORK_DIR (default a new temp dir), EVGEN_BIN_DIR (default
# build/release), EVGEN_GANPL_SIZES (default "100 300 1000 3000"),
# EVGEN_GANPL_SEEDS (default "1 2 3"), EVGEN_GANPL_GENERATED (default 1000000),
# EVGEN_GANPL_REFERENCE (default 10000000), EVGEN_GANPL_QUANTILES (default 20),
# EVGEN_GANPL_FLOW_CONFIG / EVGEN_GANPL_GAN_CONFIG (extra JSON keys merged
# into the presets' configs, e.g. '{"steps": 6000}').
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgend=$bin_dir/server/evgend
evgen=$bin_dir/client/evgen
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-ganplification-XXXXXX)}
sizes=(${EVGEN_GANPL_SIZES:-100 300 1000 3000})
seeds=(${EVGEN_GANPL_SEEDS:-1 2 3})
generated=${EVGEN_GANPL_GENERATED:-1000000}
reference=${EVGEN_GANPL_REFERENCE:-10000000}
quantiles=${EVGEN_GANPL_QUANTILES:-20}
flow_extra=${EVGEN_GANPL_FLOW_CONFIG:-"{}"}
gan_extra=${EVGEN_GANPL_GAN_CONFIG:-"{}"}
mkdir -p "$work"
results=$work/measurements.jsonl
: > "$results"

# The flow and the GAN of one training sample train at once, one LibTorch
# thread each: 1-D networks gain nothing from a second thread per operation.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
source scripts/start-evgend.sh
start_evgend "$evgend" "$work" --training-workers 2 --intra-op-threads 1
echo "== evgend at $EVGEN_SERVER, data in $work/data"
echo "== sizes ${sizes[*]}, seeds ${seeds[*]}, $generated generated events, $reference-event reference, $quantiles quantiles"

# config PRESET EXTRA: the preset's config JSON with EXTRA's keys merged in.
config() {
  python3 -c 'import json,sys; c={"preset": sys.argv[1]}; c.update(json.loads(sys.argv[2])); print(json.dumps(c))' \
    "$1" "$2"
}

# measure WHAT N SEED TABLE: the quantile error of TABLE against the reference,
# appended to the measurements as one JSON line.
measure() {
  "$evgen" --json metrics compare camel-truth "$4" -m quantile-error -O quantiles="$quantiles" -O columns=x0 \
    --seed 1 | python3 -c '
import json, sys
what, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = [m for m in json.load(sys.stdin)["results"] if m["name"] == "quantile-error"][0]
d = r["details_json"] if isinstance(r["details_json"], dict) else json.loads(r["details_json"])
c = d["columns"]["x0"]
for w in r.get("warnings", []): print("   warning:", w, file=sys.stderr)
print(json.dumps({"what": what, "n": n, "seed": seed, "rows": c["rows"], "mse": c["mse"],
                  "expected_truth_mse": c["expected_truth_mse"], "reference_floor_mse": d["reference_floor_mse"]}))' \
    "$1" "$2" "$3" >> "$results"
}

start=$SECONDS
"$evgen" datasets generate camel -n "$reference" --seed 1000 --name camel-truth > /dev/null
for seed in "${seeds[@]}"; do
  for n in "${sizes[@]}"; do
    t0=$SECONDS
    # Training seed 100 + seed: row i depends only on (seed, i), so within a
    # seed the smaller training samples are the first rows of the larger ones.
    "$evgen" datasets generate camel -n "$n" --seed $((100 + seed)) --name "train-$n-$seed" > /dev/null
    "$evgen" train flow-rqs --name "flow-$n-$seed" --dataset "train-$n-$seed" \
      --config "$(config camel-flow-small "$flow_extra")" --seed "$seed" --wait > "$work/train-flow-$n-$seed.log" 2>&1 &
    flow_pid=$!
    "$evgen" train gan --name "gan-$n-$seed" --dataset "train-$n-$seed" \
      --config "$(config camel-gan-small "$gan_extra")" --seed "$seed" --wait > "$work/train-gan-$n-$seed.log" 2>&1 &
    gan_pid=$!
    wait $flow_pid || { echo "flow training failed: $work/train-flow-$n-$seed.log" >&2; exit 1; }
    wait $gan_pid || { echo "GAN training failed: $work/train-gan-$n-$seed.log" >&2; exit 1; }
    "$evgen" sample "$generated" --model "flow-$n-$seed" --seed 7 -o "$work/flow-$n-$seed.npy" > /dev/null
    "$evgen" sample "$generated" --model "gan-$n-$seed" --seed 7 -o "$work/gan-$n-$seed.npy" > /dev/null
    measure training "$n" "$seed" "train-$n-$seed"
    measure flow "$n" "$seed" "$work/flow-$n-$seed.npy"
    measure gan "$n" "$seed" "$work/gan-$n-$seed.npy"
    echo "-- n = $n, seed $seed: $((SECONDS - t0)) s"
  done
done

python3 - "$results" "$work" "$quantiles" "$generated" <<'PY'
import json, math, sys
results, work, nq, generated = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(l) for l in open(results)]
q = 1.0 / nq
def equivalent(mse): return q * (1 - q) / mse if mse > 0 else float("inf")
sizes = sorted({r["n"] for r in rows})
whats = ["training", "flow", "gan"]
table = []
for n in sizes:
    for what in whats:
        m = [r["mse"] for r in rows if r["n"] == n and r["what"] == what]
        mean = sum(m) / len(m)
        err = (math.sqrt(sum((x - mean) ** 2 for x in m) / (len(m) - 1)) / math.sqrt(len(m))) if len(m) > 1 else float("nan")
        table.append({"n": n, "what": what, "seeds": len(m), "mse": mean, "mse_err": err,
                      "mses": m, "equivalent_truth_events": equivalent(mean),
                      "amplification": equivalent(mean) / n})
floor = rows[0]["reference_floor_mse"]
print("\n== quantile error (%d quantiles), mean over seeds; truth expectation for n events: %.3g / n" % (nq, q * (1 - q)))
print("   reference floor %.3g (a %s-event truth sample); a %d-event generated sample cannot go below %.3g" %
      (floor, format(int(round(equivalent(floor))), ","), generated, q * (1 - q) / generated))
print("%7s  %-9s %5s  %-22s %12s %9s" % ("n", "sample", "seeds", "MSE (+- s.e.)", "worth events", "amplif."))
for t in table:
    print("%7d  %-9s %5d  %.3e +- %.1e %12.0f %9.2f" % (t["n"], t["what"], t["seeds"], t["mse"], t["mse_err"],
                                                       t["equivalent_truth_events"], t["amplification"]))
def series(key, what, name, errors):
    s = {"name": name, "x": sizes, "y": [t[key] for n in sizes for t in table if t["n"] == n and t["what"] == what]}
    if errors: s["y_err"] = [t["mse_err"] if t["mse_err"] == t["mse_err"] else None for n in sizes for t in table if t["n"] == n and t["what"] == what]
    return s
names = {"training": "training sample", "flow": "flow (camel-flow-small)", "gan": "GAN (camel-gan-small)"}
mse_fig = {"title": "GANplification: quantile error, %d quantiles, %d generated events" % (nq, generated),
           "x_label": "training events n", "y_label": "quantile MSE", "log_x": True, "log_y": True,
           "series": [series("mse", w, names[w], True) for w in whats] +
                     [{"name": "truth expectation", "x": sizes, "y": [q * (1 - q) / n for n in sizes], "dashed": True}]}
ev_fig = {"title": "truth events the sample is worth", "x_label": "training events n",
          "y_label": "equivalent truth events", "log_x": True, "log_y": True,
          "series": [series("equivalent_truth_events", w, names[w], False) for w in whats] +
                    [{"name": "n (no gain)", "x": sizes, "y": sizes, "dashed": True}]}
json.dump(mse_fig, open(work + "/ganplification-mse.json", "w"), indent=1)
json.dump(ev_fig, open(work + "/ganplification-events.json", "w"), indent=1)
json.dump({"quantiles": nq, "generated": generated, "reference_floor_mse": floor, "table": table,
           "measurements": rows}, open(work + "/ganplification.json", "w"), indent=1)
PY

largest=${sizes[${#sizes[@]}-1]}
"$evgen" report camel-truth "$work/gan-$largest-${seeds[0]}.npy" -o "$work/ganplification.html" \
  -m quantile-error -O quantile-error.quantiles="$quantiles" \
  --figure "$work/ganplification-mse.json" --figure "$work/ganplification-events.json"
# The figures also as .svg files (docs/results.md shows them).
python3 - "$work" <<'PY'
import re, sys
html = open(sys.argv[1] + "/ganplification.html").read()
for name, svg in zip(["mse", "events"], re.findall(r"<svg class='lineplot'.*?</svg>", html, re.S)):
    open("%s/ganplification-%s.svg" % (sys.argv[1], name), "w").write(svg + "\n")
PY
echo "== done in $((SECONDS - start)) s; results in $work"
