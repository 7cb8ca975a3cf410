#!/usr/bin/env bash
# stream-rss.sh: streams N events (default 10^8) from a jet-mass GAN through a
# real evgend into a file with the evgen CLI, and prints the peak resident
# memory of both processes and the rate. The figures in docs/results.md
# ("10^8 events through one stream") come from this script.
#
# Usage: scripts/stream-rss.sh [N] [OUTPUT_EXTENSION]   (defaults: 100000000 npy)
#   EVGEN_BUILD_DIR (default build/release), EVGEN_WORK_DIR (default a
#   temporary directory, removed at the end), EVGEN_EVGEND_FLAGS (further
#   evgend flags, e.g. "--intra-op-threads 1": two chunks produced at once),
#   EVGEN_STREAM_MODEL (jetmass, the default: jetmass-gan-small after 200
#   steps, conditions from the QCD reference; or ttbar: the 10 x 512
#   ttbar-mmd-gan generator after one step, as bench/sample_throughput
#   has it, for the paper's "10^6 events in 1.6 minutes on a laptop").
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000000}
ext=${2:-npy}
build=${EVGEN_BUILD_DIR:-build/release}
evgen="$build/client/evgen"
evgend="$build/server/evgend"
[ -x "$evgen" ] && [ -x "$evgend" ] || { echo "build first: $evgen, $evgend" >&2; exit 1; }
work=${EVGEN_WORK_DIR:-$(mktemp -d /tmp/evgen-stream-rss.XXXXXX)}
mkdir -p "$work"
[ -z "${EVGEN_WORK_DIR:-}" ] && trap 'rm -rf "$work"' EXIT

source scripts/start-evgend.sh
# shellcheck disable=SC2086  # the flags are words
start_evgend "$evgend" "$work" ${EVGEN_EVGEND_FLAGS:-}
# start_evgend's trap stops evgend; keep removing the work directory too.
[ -z "${EVGEN_WORK_DIR:-}" ] && trap 'kill -TERM $evgend_pid 2>/dev/null; wait $evgend_pid 2>/dev/null || true; rm -rf "$work"' EXIT

case ${EVGEN_STREAM_MODEL:-jetmass} in
  jetmass)
    "$evgen" datasets generate qcd-multijet -n 20000 --seed 1 --name qcd > /dev/null
    "$evgen" train gan --name qcd-gan --dataset qcd --region control --seed 1 --wait \
      --config '{"preset": "jetmass-gan-small", "steps": 200}' > /dev/null
    model_args=(--model qcd-gan --conditions-from qcd) ;;
  ttbar)
    "$evgen" datasets generate ttbar-allhad -n 4096 --seed 1 --name tt > /dev/null
    "$evgen" train rjs-gan --name tt-gan --dataset tt --seed 1 --wait \
      --config '{"preset": "ttbar-mmd-gan", "steps": 1}' > /dev/null
    model_args=(--model tt-gan) ;;
  *) echo "EVGEN_STREAM_MODEL must be jetmass or ttbar, got '$EVGEN_STREAM_MODEL'" >&2; exit 2 ;;
esac
rss_before=$(awk '/^VmRSS/ {print $2}' /proc/$evgend_pid/status)

start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/client.maxrss" \
  "$evgen" sample "$n" "${model_args[@]}" --seed 7 -o "$work/events.$ext" > /dev/null
seconds=$(echo "$(date +%s.%N) - $start" | bc -l)

server_peak=$(awk '/^VmHWM/ {print $2}' /proc/$evgend_pid/status)
client_peak=$(cat "$work/client.maxrss")
bytes=$(stat -c %s "$work/events.$ext")
awk -v n="$n" -v ext="$ext" -v bytes="$bytes" -v s="$seconds" \
  'BEGIN { printf "stream-rss: %d events (%s, %.2f GB) in %.1f s (%.3g events/s)\n", n, ext, bytes / 1e9, s, n / s }'
printf 'stream-rss: evgend RSS %d MiB before the stream, peak (VmHWM) %d MiB; evgen CLI peak %d MiB\n' \
  $((rss_before / 1024)) $((server_peak / 1024)) $((client_peak / 1024))
