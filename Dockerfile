# evgen's image: evgend, its parse helper and the evgen CLI on Debian
# bookworm, built from this source tree with Debian's packages.
#
#   podman build -t evgen .        (or docker build; buildah bud)
#   bash scripts/image.sh          builds it offline from an mmdebstrap base
#                                  and runs the result (docs/deploy.md)
#
# Build arguments:
#   BASE         the Debian bookworm image both stages start from.
#   TORCH_IMAGE  where LibTorch comes from. By default (the base image, which
#                has none) it is Debian's CPU LibTorch (libtorch-dev,
#                OpenBLAS). For the GPU image name an image that holds a
#                CUDA LibTorch in /opt/libtorch (e.g. PyTorch's libtorch-cxx11-abi
#                "shared-with-deps" archive for CUDA 12, unpacked there);
#                its libraries, CUDA runtime included, are copied into the
#                runtime stage and the node's driver comes from the NVIDIA
#                container toolkit. docs/deploy.md says how.
#   JOBS         parallel compile jobs (default: all cores).
ARG BASE=docker.io/library/debian:bookworm-slim
ARG TORCH_IMAGE=${BASE}

# All of /opt is copied because it exists in every Debian image, so the
# copy never fails; /opt/torch/libtorch exists only with a CUDA LibTorch.
FROM ${TORCH_IMAGE} AS torch

FROM ${BASE} AS build
ARG JOBS=
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=torch /opt /opt/torch
RUN set -eux; \
    if [ -e /opt/torch/libtorch/lib/libtorch.so ]; then mv /opt/torch/libtorch /opt/libtorch; torch=; \
    else mkdir -p /opt/libtorch/lib; torch="libtorch-dev libopenblas0-pthread"; fi; \
    rm -rf /opt/torch; \
    apt-get update -q; \
    apt-get install -y -q --no-install-recommends \
      build-essential cmake ninja-build ccache pkg-config ca-certificates $torch \
      libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc libabsl-dev \
      libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcpp-httplib-dev \
      zlib1g-dev libhepmc3-dev libhdf5-dev; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The ccache directory is a build cache (not a layer), so a rebuild after a
# small change compiles only what changed.
RUN --mount=type=cache,target=/root/.cache/ccache set -eux; \
    prefix=; [ -e /opt/libtorch/lib/libtorch.so ] && prefix=-DCMAKE_PREFIX_PATH=/opt/libtorch; \
    cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVGEN_BUILD_TESTS=OFF $prefix; \
    cmake --build /build -j "${JOBS:-$(nproc)}" --target evgend evgen evgen-parse-table; \
    install -d /opt/evgen/bin /opt/evgen/share; \
    install -m 0755 -s /build/server/evgend /build/server/evgen-parse-table /build/client/evgen /opt/evgen/bin/
# The runtime packages are read off the binaries: the Debian package of
# every shared library they load (ldd), so the list cannot go stale.
# Libraries no package owns are /opt/libtorch's, copied as they are.
RUN set -eu; \
    for exe in /opt/evgen/bin/*; do ldd "$exe"; done | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u | \
    while read -r lib; do \
      real=$(readlink -f "$lib"); \
      dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null || true; \
    done | cut -d: -f1 | sort -u > /opt/evgen/share/runtime-packages; \
    test -s /opt/evgen/share/runtime-packages; \
    cat /opt/evgen/share/runtime-packages

FROM ${BASE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
COPY --from=build /opt/evgen /opt/evgen
COPY --from=build /opt/libtorch/lib /opt/libtorch/lib
RUN set -eux; \
    apt-get update -q; \
    apt-get install -y -q --no-install-recommends $(cat /opt/evgen/share/runtime-packages); \
    rm -rf /var/lib/apt/lists/*; \
    echo /opt/libtorch/lib > /etc/ld.so.conf.d/libtorch.conf; ldconfig; \
    groupadd --gid 10001 evgen; \
    useradd --uid 10001 --gid 10001 --home-dir /var/lib/evgen --no-create-home --shell /usr/sbin/nologin evgen; \
    install -d -o 10001 -g 10001 /var/lib/evgen; \
    /opt/evgen/bin/evgend --version
ENV PATH=/opt/evgen/bin:$PATH
USER 10001:10001
WORKDIR /var/lib/evgen
VOLUME /var/lib/evgen
# gRPC and GET /metrics.
EXPOSE 50051 9464
# Kubernetes probes the gRPC health service itself (deploy/); this is for
# docker and podman. It asks the plaintext port the default CMD opens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["evgen", "--server", "127.0.0.1:50051", "--timeout", "4", "health"]
# Exec form: evgend is PID 1 and gets SIGTERM, so it drains.
ENTRYPOINT ["evgend"]
CMD ["--listen=0.0.0.0:50051", "--data-dir=/var/lib/evgen", "--metrics-listen=0.0.0.0:9464"]
