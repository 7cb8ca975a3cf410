# start-evgend.sh: sourced by the scripts that drive a local evgend. Defines
# start_evgend EVGEND WORK_DIR [FLAG...]: starts evgend on a free loopback port
# with its data under WORK_DIR/data (and any further evgend flags), stops it
# when the calling script exits, waits until it listens and exports
# EVGEN_SERVER for the CLI.
#
# The figures in docs/results.md were taken with OpenBLAS's AVX2 ("Haswell")
# kernels. OpenBLAS picks kernels by CPU, and on an AVX-512 CPU its SkylakeX
# kernels sum in another order, so trained GANs differ in the last bits and
# the figures with them. Unless the caller chose OPENBLAS_CORETYPE, evgend
# gets the Haswell kernels wherever the CPU runs them (AVX2 and FMA).
start_evgend() {
  local evgend=$1 work=$2
  shift 2
  local coretype=${OPENBLAS_CORETYPE:-}
  if [ -z "$coretype" ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then coretype=Haswell; fi
  # A port file left by an earlier evgend in the same WORK_DIR (cloud-two-stage.sh
  # reuses cloud-results.sh's) would be read before this one writes its own.
  rm -f "$work/evgend.port"
  OPENBLAS_CORETYPE=$coretype "$evgend" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/evgend.port" "$@" &
  evgend_pid=$!
  trap 'kill -TERM $evgend_pid 2>/dev/null; wait $evgend_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do
    [ -s "$work/evgend.port" ] && break
    kill -0 $evgend_pid 2>/dev/null || { echo "evgend failed to start" >&2; exit 1; }
    sleep 0.1
  done
  export EVGEN_SERVER="127.0.0.1:$(cat "$work/evgend.port")"
}
