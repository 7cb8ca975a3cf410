#!/usr/bin/env bash
# real-data-checks.sh: the data-keeping figures of docs/results.md ("Real
# data kept whole", issue 12), on the public files in ../shared/data, through
# a local evgend and the evgen CLI only:
#   1. a merged MadGraph sample (Z + 0/1/2 jets, MLM) uploaded whole, with
#      its events per multiplicity, and what skip_incomplete reports;
#   2. weighted LHE files uploaded and exported back: IDWTUP and every
#      event weight compared with the original;
#   3. a CMS table with event numbers above 2^24 and text columns exported
#      back to CSV and compared with the original, field by field.
#
# Usage: scripts/real-data-checks.sh
# Environment: EVGEN_SHARED_DATA (default ../shared/data), EVGEN_WORK_DIR
# (default a new temp dir), EVGEN_BIN_DIR (default build/release).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen
data=${EVGEN_SHARED_DATA:-../shared/data}
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-realdata-XXXXXX)}
mkdir -p "$work"
source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data"

echo "== 1. merged Z + 0/1/2 jets (MLM), every event kept"
mlm=$data/pythia8-example-lhe/zProduction_Mlm_012.lhe.gz
# The default, one fixed multiplicity, refuses the file and names the layouts.
"$evgen" datasets upload "$mlm" --name mlm-fixed 2>&1 | head -1 || true
"$evgen" datasets upload "$mlm" --name mlm-padded -O layout=padded | sed -n '1,4p'
"$evgen" datasets upload "$mlm" --name mlm-particles -O layout=particles | sed -n '1,4p'
"$evgen" datasets upload "$mlm" --name mlm-skip -O skip_incomplete=1 | sed -n '1,3p'

echo "== 2. LHE weights and IDWTUP through upload and export"
# The two MadGraph t tbar files (final state t, tbar: pdg_ids 6,-6 on export).
for f in mg5-ttbar-lhe/pp_ttx_13TeV_unweighted_events.lhe.gz mg5-ttbar-lhe/gg_tt_events.lhe.gz; do
  name=$(basename "$f" | cut -d. -f1 | tr -c 'A-Za-z0-9_\n' -)
  "$evgen" datasets upload "$data/$f" --name "$name" > /dev/null
  "$evgen" datasets export "$name" -o "$work/$name.lhe" -O pdg_ids=6,-6 > /dev/null
  python3 - "$data/$f" "$work/$name.lhe" <<'PY'
import gzip, sys
def read(path):
    text = (gzip.open if path.endswith('.gz') else open)(path, 'rt').read()
    init = text[text.index('<init>'):].split('\n')[1].split()
    weights = [float(block.split('\n')[1].split()[2]) for block in text.split('<event')[1:]]
    return int(init[8]), weights
(id0, w0), (id1, w1) = read(sys.argv[1]), read(sys.argv[2])
same = sum(abs(a - b) <= 1e-7 * abs(a) for a, b in zip(w0, w1))
print(f"{sys.argv[1].split('/')[-1]}: IDWTUP {id0} -> {id1}; {len(w0)} -> {len(w1)} events; "
      f"weights equal to 1e-7: {same} of {len(w0)}; sum {sum(w0):.6g} -> {sum(w1):.6g}")
PY
done

echo "== 3. CMS event numbers (> 2^24) and text columns through upload and CSV export"
cms=$data/cms-dilepton-2011/Zmumu_Run2011A_masses.csv
"$evgen" datasets upload "$cms" --name cms-masses | sed -n '1,3p'
"$evgen" datasets export cms-masses -o "$work/cms-masses.csv" --columns Run,Event,Type1,Type2 > /dev/null
python3 - "$cms" "$work/cms-masses.csv" <<'PY'
import csv, sys
original = list(csv.DictReader(open(sys.argv[1])))
back = list(csv.DictReader(open(sys.argv[2])))
keys = ['Run', 'Event', 'Type1', 'Type2']
same = sum(all(o[k].strip() == b[k] for k in keys) for o, b in zip(original, back))
import struct
f32 = lambda v: struct.unpack('f', struct.pack('f', v))[0]
changed = sum(int(f32(int(o['Event']))) != int(o['Event']) for o in original)
print(f"{len(original)} rows: Run, Event, Type1, Type2 identical in {same} of {len(back)} exported rows; "
      f"float32 would change {changed} event numbers")
PY
