#!/usr/bin/env bash
# check_manifests.sh: renders deploy/overlays/{cpu,gpu} with `kubectl
# kustomize`, lints the sources and the rendered manifests with yamllint
# (deploy/.yamllint, --strict) and runs check_manifests.py's structural checks
# on them. Exits 77 (CTest's skip) when kubectl, yamllint or Python's yaml
# module is missing; scripts/setup-debian.sh installs them.
#
# Usage: check_manifests.sh [DEPLOY_DIR]   (default: the repository's deploy/)
# KUBECTL=/path/to/kubectl picks another kubectl.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy="$(cd "${1:-$here/../../deploy}" && pwd)"
kubectl="${KUBECTL:-kubectl}"

skip() { echo "check_manifests: SKIP: $*" >&2; exit 77; }
command -v "$kubectl" >/dev/null || skip "no $kubectl (Debian: kubernetes-client)"
command -v yamllint >/dev/null || skip "no yamllint (Debian: yamllint)"
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import yaml' 2>/dev/null; then python="$p"; break; fi
done
[ -n "$python" ] || skip "no python3 with the yaml module (Debian: python3-yaml)"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

yamllint --strict -c "$deploy/.yamllint" "$deploy"
args=()
for variant in cpu gpu; do
  # kustomize v5 warns on stderr about fields deprecated since v2; keep the
  # warnings out of the log, but show them with any error.
  if ! "$kubectl" kustomize "$deploy/overlays/$variant" >"$out/$variant.yaml" 2>"$out/$variant.err"; then
    cat "$out/$variant.err" >&2
    echo "check_manifests: FAIL: kubectl kustomize $deploy/overlays/$variant" >&2
    exit 1
  fi
  yamllint --strict -c "$deploy/.yamllint" "$out/$variant.yaml"
  args+=("$variant=$out/$variant.yaml")
done
"$python" "$here/check_manifests.py" "${args[@]}"
echo "check_manifests: OK"
