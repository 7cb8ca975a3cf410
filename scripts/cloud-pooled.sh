#!/usr/bin/env bash
# cloud-pooled.sh WORK_DIR1 WORK_DIR2 ...: an ensemble of finished
# cloud-results.sh trainings at sampling. Pools their samples (each run's
# WORK_DIR/clouds.npy, 5,000 jets drawn with the same sample seed; jet i of
# the pool is run (i mod k)'s jet i, so the pool has as many jets as one
# run) and compares the pool with the held-out truth on a fresh evgend:
# AUC-EFP, KS-EFP and FPD on the 36 d <= 4 EFPs, truth vs truth beside
# (the data of cloud-results.sh, regenerated from its seeds). With one
# WORK_DIR it gives that run's own figures. A few minutes.
#
# Why: the trainings of one recipe miss the truth's substructure in
# different ways (docs/results.md, issue 17 ninth part); if the EFP
# classifier saw only each training's own miss, a pool would be told from
# the truth less easily than its members.
#
# Environment: EVGEN_BIN_DIR (default build/release), EVGEN_CLOUD_JETS
# (default 5000, as the runs had).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: scripts/cloud-pooled.sh WORK_DIR1 [WORK_DIR2 ...]" >&2; exit 1; }
for w in "$@"; do
  if [ ! -s "$w/clouds.npy" ]; then
    echo "cloud-pooled.sh: $w/clouds.npy is missing (not a finished cloud-results.sh run)" >&2
    exit 1
  fi
done
bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen
jets=${EVGEN_CLOUD_JETS:-5000}
work=$(mktemp -d -t evgen-cloud-pooled-XXXXXX)

/usr/bin/python3 - "$work/pooled.npy" "$@" <<'EOF'
import shutil, sys
import numpy as np
out, runs = sys.argv[1], sys.argv[2:]
parts = []
for k, run in enumerate(runs):
    rows = np.load(run + "/clouds.npy")
    columns = open(run + "/clouds.npy.columns").read().split()
    jet = rows[:, columns.index("jet")].astype(np.int64)
    parts.append(rows[jet % len(runs) == k])
pool = np.concatenate(parts)
columns = open(runs[0] + "/clouds.npy.columns").read().split()
# Jets in order, each jet's constituents in their order, as one run's file.
pool = pool[np.lexsort((pool[:, columns.index("constituent")], pool[:, columns.index("jet")]))]
np.save(out, pool)
shutil.copy(runs[0] + "/clouds.npy.columns", out + ".columns")
jets = len(np.unique(pool[:, columns.index("jet")]))
print("pooled %d runs: %d jets, %d constituents" % (len(runs), jets, len(pool)))
EOF

source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work" > /dev/null 2>&1
source scripts/results-lib.sh
cloud_datasets "$jets" truth:2 truth2:3
"$evgen" datasets upload "$work/pooled.npy" --name pooled > /dev/null
for row in "AUC-EFP classifier-auc" "KS-EFP ks" "FPD fpd"; do
  set -- $row
  printf "%-8s pooled %-8.4g truth-vs-truth %.4g\n" "$1" "$(cloud_value pooled "$2" -O features=efp | cut -d' ' -f1)" \
    "$(cloud_value truth2 "$2" -O features=efp | cut -d' ' -f1)"
done
echo "(store in $work)"
