#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer harnesses (preset `fuzz`: clang, ASan + UBSan)
# and runs each for a while, starting from its checked-in seeds
# (fuzz/corpus/<harness>/) and past findings (fuzz/regressions/<harness>/),
# copied to a working corpus under a temporary directory.
#
# Usage: scripts/fuzz.sh [--seconds N] [--only HARNESS] [--timeout S]
#   --seconds N   fuzz each harness for N seconds (default 20; CI runs 10,
#                 long runs 1800)
#   --timeout S   one input running longer than S seconds of wall-clock time
#                 is a finding (default 10; raise it when harnesses share
#                 the CPU with other work, which stretches wall-clock time)
#   --only NAME   run one harness: csv npy lhe table_chunk hepmc3_upload
#                 hdf5_upload jetnet_upload, or hepmc3 / hdf5 / jetnet (the
#                 libraries in-process, which find their own crashes,
#                 fuzz/unfixed; not run by default)
#
# A crash, a sanitizer report, a timeout (--timeout for one input), an allocation
# over 1 GiB or a process over 2 GiB counts as a finding. The script prints
# each finding's input file, keeps the temporary directory, and exits 1; add
# the input to fuzz/regressions/<harness>/ once fixed. It ends with one line
# per harness: name, seconds, executions, result.
set -euo pipefail
cd "$(dirname "$0")/.."

# hdf5, jetnet and hepmc3 uploads are read as evgend reads them, in a child
# process (core/io/isolated_reader.h); the in-process hdf5 / jetnet / hepmc3
# harnesses keep finding libhdf5's and libHepMC3's own bugs (fuzz/unfixed)
# and run only when named.
harnesses=(csv npy lhe table_chunk hepmc3_upload hdf5_upload jetnet_upload)
known=("${harnesses[@]}" hepmc3 hdf5 jetnet)
seconds=20
only=""
timeout_s=10
usage() { sed -n '7,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --only) only=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --timeout) timeout_s=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --seconds must be a positive whole number, got '$seconds'" >&2
  exit 2
fi
if ! [[ "$timeout_s" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --timeout must be a positive whole number, got '$timeout_s'" >&2
  exit 2
fi
if [ -n "$only" ]; then
  if ! printf '%s\n' "${known[@]}" | grep -qx -- "$only"; then
    echo "fuzz.sh: --only '$only' is not one of: ${known[*]}" >&2
    exit 2
  fi
  harnesses=("$only")
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${harnesses[@]/%/_fuzzer}"

work=$(mktemp -d "${TMPDIR:-/tmp}/evgen-fuzz.XXXXXX")
# An allocation no machine could hold (libhdf5 asks for 2^63 bytes when a
# corrupt header says so) fails in production, where malloc returns NULL and
# libhdf5 reports an error; ASan would abort instead. Allocations over 1 GiB
# still count as findings (-malloc_limit_mb).
# The upload harnesses run the release build's evgen-parse-table when there
# is one (test.sh builds it first), as evgend does; else the sanitized one.
if [ -z "${EVGEN_PARSE_HELPER:-}" ] && [ -x build/release/server/evgen-parse-table ]; then
  export EVGEN_PARSE_HELPER=$PWD/build/release/server/evgen-parse-table
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}
summary=()
failed=0
for h in "${harnesses[@]}"; do
  dir="$work/$h"
  mkdir -p "$dir/corpus" "$dir/findings"
  seeds=${h%_upload}  # an upload harness starts from its format's seeds
  cp fuzz/corpus/"$seeds"/* "$dir/corpus/"
  if [ -d "fuzz/regressions/$seeds" ]; then cp fuzz/regressions/"$seeds"/* "$dir/corpus/"; fi
  if [ "$seeds" != "$h" ] && [ -d "fuzz/unfixed/$seeds" ]; then
    find "fuzz/unfixed/$seeds" -maxdepth 1 -type f -exec cp {} "$dir/corpus/" \;
  fi
  echo "fuzz.sh: $h for ${seconds}s (log: $dir/log)"
  rc=0
  # timeout: a harness that hangs outside libFuzzer's own clock still ends.
  timeout $((seconds + 300 + timeout_s)) "build/fuzz/fuzz/${h}_fuzzer" "$dir/corpus" \
    -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -artifact_prefix="$dir/findings/" -print_final_stats=1 >"$dir/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  # slow-unit-* files are libFuzzer's notes of inputs that took over 10 s of
  # wall-clock time (the machine was busy); it fuzzes on after them. Crashes,
  # leaks, timeouts and out-of-memory inputs are the findings.
  findings=$(find "$dir/findings" -type f ! -name 'slow-unit-*' | sort)
  if [ "$rc" -eq 0 ] && [ -z "$findings" ]; then
    result=ok
  else
    failed=1
    result="FOUND (exit $rc)"
    echo "fuzz.sh: $h found a bug; the end of its log:" >&2
    tail -n 40 "$dir/log" >&2
    for f in $findings; do echo "fuzz.sh: $h crashing input: $f" >&2; done
  fi
  summary+=("$(printf '%-12s %8s %12s  %s' "$h" "$seconds" "${execs:-?}" "$result")")
done

printf 'fuzz.sh: %-12s %8s %12s  %s\n' harness seconds executions result
for line in "${summary[@]}"; do echo "fuzz.sh: $line"; done
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: findings kept under $work" >&2
  exit 1
fi
rm -rf "$work"
