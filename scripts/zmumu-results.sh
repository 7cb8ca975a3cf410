#!/usr/bin/env bash
# zmumu-results.sh: the real-data figures of docs/results.md ("Real data
# through evgen alone"): the CMS Run2011A Z->mumu table uploaded, the
# opposite-charge selection and the dimuon mass derived by evgend, the Z peak
# fitted by mass-peak, a report against the drell-yan reference, and the
# numpy check of the same mass and fit (scripts/check-zmumu-peak.py).
#
# Usage: scripts/zmumu-results.sh
# Environment: EVGEN_SHARED_DATA (default ../shared/data), EVGEN_WORK_DIR
# (default a new temp dir), EVGEN_BIN_DIR (default build/release),
# EVGEN_PYTHON (default /usr/bin/python3, which has Debian's numpy).
set -euo pipefail
cd "$(dirname "$0")/.."

bin_dir=${EVGEN_BIN_DIR:-build/release}
evgen=$bin_dir/client/evgen
csv=${EVGEN_SHARED_DATA:-../shared/data}/cms-dilepton-2011/Zmumu_Run2011A.csv
work=${EVGEN_WORK_DIR:-$(mktemp -d -t evgen-zmumu-XXXXXX)}
python=${EVGEN_PYTHON:-/usr/bin/python3}
mkdir -p "$work"

source scripts/start-evgend.sh
start_evgend "$bin_dir/server/evgend" "$work"
echo "== evgend at $EVGEN_SERVER, data in $work/data"

set -x
"$evgen" datasets upload "$csv" --name cms > /dev/null
"$evgen" datasets derive cms \
  --column 'm_mumu = mass(pt1,eta1,phi1,0.1057, pt2,eta2,phi2,0.1057)' \
  --where 'Q1*Q2 < 0' --name cms-os | head -1
"$evgen" --json metrics compare cms-os cms-os -m mass-peak \
  -O column=m_mumu -O lower_gev=70 -O upper_gev=110 > "$work/peak.json"
"$evgen" datasets generate drell-yan -n 100000 --sqrt-s 7000 -O cms_selection=1 --seed 1 --name dy7 | head -1
"$evgen" report dy7 cms-os -o "$work/zmumu-report.html" \
  -m mass-peak -m ks -m wasserstein-1 \
  -O mass-peak.column=m_mumu -O mass-peak.lower_gev=70 -O mass-peak.upper_gev=110 \
  -O ks.columns=m_mumu,pt1,pt2 -O wasserstein-1.columns=m_mumu,pt1,pt2 \
  --reference-column 'm_mumu = M' --columns m_mumu,pt1,pt2,eta1,eta2
"$evgen" metrics compare dy7 cms-os -m mass-peak -O particles=1,2 -O particle_mass_gev=0.1057 \
  -O lower_gev=70 -O upper_gev=110
"$evgen" metrics compare dy7 cms-os -m classifier-auc -O columns=pt1,pt2,eta1,eta2 --seed 1
# Truth vs truth: a second reference sample (another seed) against the first.
"$evgen" datasets generate drell-yan -n 100000 --sqrt-s 7000 -O cms_selection=1 --seed 2 --name dy7b | head -1
"$evgen" metrics compare dy7 dy7b -m mass-peak -O particles=1,2 -O particle_mass_gev=0.1057 \
  -O lower_gev=70 -O upper_gev=110
"$evgen" metrics compare dy7 dy7b -m classifier-auc -O columns=pt1,pt2,eta1,eta2 --seed 1
set +x
"$python" scripts/check-zmumu-peak.py "$csv" --evgen-json "$work/peak.json" --lower 70 --upper 110
