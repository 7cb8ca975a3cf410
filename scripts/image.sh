#!/usr/bin/env bash
# image.sh: builds evgen's container image from the Dockerfile with Debian's
# tools alone (no registry, no container runtime), then runs what it built.
#
#   bash scripts/image.sh [--tag localhost/evgen:dev] [--jobs N]
#
# 1. A Debian bookworm base image from Debian's packages: mmdebstrap
#    --variant=minbase into a tarball, loaded with `podman import` (once; it
#    is kept as localhost/evgen-base:bookworm).
# 2. `buildah bud --isolation chroot` builds the Dockerfile on it (container
#    runtimes cannot start on machines without cgroup delegation; chroot
#    isolation needs none).
# 3. The image is checked as it would run: its filesystem (`buildah mount`)
#    holds no compiler or headers; its config says user 10001, a health
#    check and evgend as the exec-form entrypoint; and evgend from the image,
#    started under chroot as uid 10001, answers `evgen health` (the image's
#    own CLI), generates a dataset, builds templates, streams a sample and
#    serves /metrics, then drains and exits 0 on SIGTERM.
# The last lines (from "image:") are what docs/results.md records.
# Needs root and the packages mmdebstrap, podman, buildah, uidmap (installed
# here when missing), and Debian's python3-numpy (scripts/setup-debian.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
tag=localhost/evgen:dev
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "image.sh: unknown argument $1 (allowed: --tag IMAGE, --jobs N)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "image.sh: run as root (buildah mount, chroot)" >&2; exit 2; }
base=localhost/evgen-base:bookworm
work=$(mktemp -d /tmp/evgen-image.XXXXXX)
container=
mnt=
server_pid=

cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$mnt" ]; then
    umount "$mnt/proc" "$mnt/dev" 2>/dev/null || true
  fi
  [ -n "$container" ] && { buildah umount "$container" >/dev/null 2>&1 || true; buildah rm "$container" >/dev/null 2>&1 || true; }
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "image.sh: FAILED: $*" >&2; exit 1; }

tools=()
for t in mmdebstrap podman buildah newuidmap; do command -v "$t" >/dev/null || tools+=("$t"); done
if [ ${#tools[@]} -gt 0 ]; then
  apt-get update -q && apt-get install -y -q --no-install-recommends mmdebstrap podman buildah uidmap
fi

if ! podman image exists "$base"; then
  echo "image.sh: making $base with mmdebstrap (minbase, Debian's packages)"
  mmdebstrap --variant=minbase bookworm "$work/base.tar"
  podman import "$work/base.tar" "$base" >/dev/null
  rm -f "$work/base.tar"
fi

echo "image.sh: building $tag (buildah bud --isolation chroot, $jobs jobs)"
start=$(date +%s)
buildah bud --isolation chroot --format docker --layers \
  --build-arg BASE="$base" --build-arg JOBS="$jobs" -t "$tag" -f Dockerfile . 2>&1 | tee "$work/build.log" | tail -n 5
[ "${PIPESTATUS[0]}" = 0 ] || fail "buildah bud (log above)"
build_seconds=$(( $(date +%s) - start ))

# The image's configuration.
buildah inspect --type image "$tag" > "$work/inspect.json"
python3 - "$work/inspect.json" <<'EOF' || fail "image configuration"
import json, sys
c = json.load(open(sys.argv[1]))["Docker"]["config"]
problems = []
if c.get("User") != "10001:10001": problems.append(f"User is {c.get('User')!r}, want 10001:10001")
if c.get("Entrypoint") != ["evgend"]: problems.append(f"Entrypoint is {c.get('Entrypoint')!r}, want exec form ['evgend']")
hc = (c.get("Healthcheck") or {}).get("Test") or []
if "health" not in hc: problems.append(f"Healthcheck is {hc!r}, want `evgen ... health`")
for p in problems: print("image.sh:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

container=$(buildah from "$tag")
mnt=$(buildah mount "$container")
# Runtime stage only: no compiler, no headers, no build tree.
for path in usr/bin/g++ usr/bin/c++ usr/bin/cmake usr/include/torch usr/include/grpcpp build src; do
  [ ! -e "$mnt/$path" ] || fail "the runtime image holds /$path"
done

# evgend from the image, under chroot as the image's user.
mount --bind /proc "$mnt/proc"
mount --bind /dev "$mnt/dev"
in_image() { chroot --userspec=10001:10001 "$mnt" env PATH=/opt/evgen/bin:/usr/bin:/bin HOME=/var/lib/evgen "$@"; }
# chroot and env exec, so $! is evgend itself and gets the SIGTERM.
chroot --userspec=10001:10001 "$mnt" env PATH=/opt/evgen/bin:/usr/bin:/bin HOME=/var/lib/evgen \
  evgend --listen 127.0.0.1:0 --port-file /tmp/port --metrics-listen 127.0.0.1:0 \
  --metrics-port-file /tmp/metrics-port --data-dir /var/lib/evgen/data --drain-seconds 10 \
  > "$work/evgend.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do [ -s "$mnt/tmp/port" ] && [ -s "$mnt/tmp/metrics-port" ] && break; sleep 0.2; done
[ -s "$mnt/tmp/port" ] || { cat "$work/evgend.log" >&2; fail "evgend from the image did not start"; }
server="127.0.0.1:$(cat "$mnt/tmp/port")"
cli() { in_image evgen --server "$server" "$@"; }
health=$(cli health) || fail "evgen health: $health"
[ "$health" = SERVING ] || fail "evgen health answered $health"
cli datasets generate qcd-multijet -n 20000 --seed 1 --name qcd >/dev/null || fail "generating a dataset"
cli train template --dataset qcd --name tpl --wait >/dev/null 2>&1 || fail "training templates"
cli sample 100000 --model tpl --conditions-from qcd --region validation --seed 7 -o /tmp/masses.npy >/dev/null \
  || fail "sampling"
rows=$(/usr/bin/python3 -c "import numpy; print(len(numpy.load('$mnt/tmp/masses.npy')))")
[ "$rows" = 100000 ] || fail "the sample has $rows rows, want 100000"
metrics=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$(cat "$mnt/tmp/metrics-port")/metrics').read().decode())")
grep -q '^evgen_events_generated_total{model="tpl"} 100000' <<<"$metrics" || fail "/metrics lacks the sample's events"
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=
[ "$code" = 0 ] || { cat "$work/evgend.log" >&2; fail "evgend exited $code after SIGTERM"; }

size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "image: $tag built in ${build_seconds} s (buildah bud --isolation chroot on $base), $((size / 1000000)) MB"
echo "image: user 10001:10001, exec-form entrypoint evgend, HEALTHCHECK evgen health; no compiler or headers inside"
echo "image: runtime packages: $(tr '\n' ' ' < "$mnt/opt/evgen/share/runtime-packages")"
echo "image: evgend $(in_image evgend --version | awk '{print $2}') under chroot as uid 10001: health SERVING, 20000 events generated, templates trained, 100000 rows sampled, /metrics counted them, SIGTERM -> exit 0"
