#!/usr/bin/env bash
# check_install.sh BUILD_DIR: what an analysis outside the tree sees.
# `cmake --install` puts the build into a fresh prefix; examples/mass_histogram
# is configured out of tree with find_package(evgen CONFIG) against it and
# built; the installed evgend (with its installed parse helper) serves a
# briefly trained ttbar GAN, and the example streams 10^6 events from it into
# a histogram of the top mass.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/evgen-install.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "check_install: FAILED: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for exe in evgend evgen evgen-parse-table; do
  [ -x "$tmp/prefix/bin/$exe" ] || fail "bin/$exe not installed"
done
[ -f "$tmp/prefix/lib/cmake/evgen/evgenConfig.cmake" ] || fail "no evgenConfig.cmake"
[ -f "$tmp/prefix/include/evgen/client/evgen_client.h" ] || fail "no client header"

cmake -S "$src/examples/mass_histogram" -B "$tmp/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configure"; }
cmake --build "$tmp/example" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }

"$tmp/prefix/bin/evgend" --listen 127.0.0.1:0 --port-file "$tmp/port" --metrics-listen "" \
  --data-dir "$tmp/data" >"$tmp/evgend.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { cat "$tmp/evgend.log"; fail "the installed evgend did not start"; }
evgen() { "$tmp/prefix/bin/evgen" --server "127.0.0.1:$(cat "$tmp/port")" "$@"; }
evgen datasets generate ttbar-allhad -n 5000 --seed 1 --name tt >/dev/null
evgen train wgan-gp --preset ttbar-mmd-gan-small --dataset tt --name tt --config '{"steps": 10}' --seed 1 \
  --wait >"$tmp/train.log" 2>&1 || { cat "$tmp/train.log"; fail "training"; }

"$tmp/example/mass_histogram" "127.0.0.1:$(cat "$tmp/port")" tt 1000000 4,5,6 0 400 40 >"$tmp/histogram.txt" \
  || fail "mass_histogram"
tail -n 1 "$tmp/histogram.txt"
grep -q "^events 1000000 " "$tmp/histogram.txt" || fail "the example did not see 10^6 events"
echo "check_install: OK"
