#!/usr/bin/env bash
# setup-debian.sh: installs every Debian bookworm package that evgen's build,
# tests and main job need. Idempotent; run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libtorch-dev libopenblas0-pthread chromium
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libabsl-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcpp-httplib-dev
  zlib1g-dev libhepmc3-dev libhdf5-dev python3 python3-numpy python3-scipy
  clang-14 libclang-rt-14-dev
  yamllint prometheus
)
# tests/deploy needs a kubectl with `kubectl kustomize`. Debian's is
# kubernetes-client, whose /usr/bin/kubectl clashes with other kubectl
# packages (dpkg refuses to overwrite, e.g., Google Cloud SDK's), so it is
# installed only where no kubectl is on PATH.
command -v kubectl >/dev/null || packages+=(kubernetes-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "setup-debian: all ${#packages[@]} packages present"
