#!/usr/bin/env bash
# upload-memory.sh: measures the memory an LHE upload costs evgend, for
# docs/formats.md ("the readers stream"). Builds a large LHE file under a
# temp dir from the events of a real MadGraph ttbar file (each <event> block
# repeated until the file reaches the size asked for), starts evgend on
# loopback, uploads the file with `evgen datasets upload ... -O pdg_ids=6,-6`
# and prints evgend's peak resident set (VmHWM) before and after the upload,
# then the peak of evgen-parse-table reading the same file alone (the reader
# evgend runs in-process for LHE, in a child process for HepMC).
#
# Usage: scripts/upload-memory.sh [--megabytes N] [--gzip] [--bin-dir DIR]
#   --megabytes N  size of the LHE text (default 1024)
#   --gzip         upload it gzipped (as MadGraph writes .lhe.gz)
#   --bin-dir DIR  a build's directory (default build/release), e.g. another
#                  worktree's, to measure an older reader
# Needs EVGEN_SHARED_DATA (default ../shared/data) for the source file. Takes
# a few minutes for 1 GB on 2 cores; the temp dir is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

megabytes=1024
gzip_file=0
bin_dir=build/release
usage() { sed -n '11,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --megabytes) megabytes=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --gzip) gzip_file=1; shift ;;
    --bin-dir) bin_dir=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    -h|--help) usage; exit 0 ;;
    *) echo "upload-memory.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if ! [[ "$megabytes" =~ ^[1-9][0-9]*$ ]]; then
  echo "upload-memory.sh: --megabytes must be a positive whole number, got '$megabytes'" >&2
  exit 2
fi
source_file=${EVGEN_SHARED_DATA:-../shared/data}/mg5-ttbar-lhe/pp_ttx_13TeV_unweighted_events.lhe.gz
[ -f "$source_file" ] || { echo "upload-memory.sh: $source_file is missing" >&2; exit 1; }
evgend=$bin_dir/server/evgend
evgen_cli=$bin_dir/client/evgen
parse_table=$bin_dir/server/evgen-parse-table

work=$(mktemp -d "${TMPDIR:-/tmp}/evgen-upload-memory.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# The file: the source's header and <init>, its <event> blocks repeated,
# the closing tag. Every event stays a real MadGraph event.
file=$work/events.lhe
python3 - "$source_file" "$file" "$megabytes" <<'PY'
import gzip, sys
text = gzip.open(sys.argv[1], "rb").read()
first = text.index(b"<event")
last = text.rindex(b"</event>") + len(b"</event>\n")
head, events = text[:first], text[first:last]
target = int(sys.argv[3]) << 20
with open(sys.argv[2], "wb") as out:
    out.write(head)
    written = len(head)
    while written + len(events) < target:
        out.write(events)
        written += len(events)
    out.write(b"</LesHouchesEvents>\n")
PY
if [ "$gzip_file" = 1 ]; then gzip -1 "$file"; file=$file.gz; fi
events=$( { if [ "$gzip_file" = 1 ]; then zcat "$file"; else cat "$file"; fi; } | grep -c '^<event')
echo "file: $file, $(stat -c %s "$file") bytes, $events events"

hwm_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# The upload through evgend (the CLI's own peak is printed too). A sampler
# records evgend's resident set every 0.1 s with the staging file's size,
# to tell the transfer (the file still growing) from the read after it.
source scripts/start-evgend.sh
start_evgend "$evgend" "$work"
sleep 1
echo "evgend peak RSS before the upload: $(hwm_mb "$evgend_pid") MB"
total=$(stat -c %s "$file")
( while kill -0 "$evgend_pid" 2>/dev/null; do
    staged=$(find "$work/data/uploads" -name '.staging-upload-*' -printf '%s\n' 2>/dev/null | head -1)
    echo "$(awk '/^VmRSS/ { print $2 }' "/proc/$evgend_pid/status" 2>/dev/null) ${staged:-0}"
    sleep 0.1
  done > "$work/rss.log" ) &
sampler=$!
start=$(date +%s)
/usr/bin/time -f "evgen CLI peak RSS: %M KB" "$evgen_cli" datasets upload "$file" --name big \
  -O pdg_ids=6,-6 | grep -v '^p[12]_\|^column'
echo "upload took $(( $(date +%s) - start )) s"
echo "evgend peak RSS after the upload:  $(hwm_mb "$evgend_pid") MB"
kill -TERM "$evgend_pid"; wait "$evgend_pid" 2>/dev/null || true
trap cleanup EXIT
wait "$sampler" 2>/dev/null || true
awk -v total="$total" '$2 >= total { staged = 1 }
  $1 > 0 { if (!staged) t = $1 > t ? $1 : t; else r = $1 > r ? $1 : r }
  END { printf "evgend sampled RSS: %.0f MB while receiving, %.0f MB while reading\n", t / 1024, r / 1024 }' \
  "$work/rss.log"

# The reader alone, in evgen-parse-table.
start=$(date +%s)
/usr/bin/time -f "evgen-parse-table peak RSS: %M KB" "$parse_table" --input "$file" --format lhe \
  --output "$work/table.npy" --option pdg_ids=6,-6
echo "parse took $(( $(date +%s) - start )) s; table $(stat -c %s "$work/table.npy") bytes"
