#!/usr/bin/env bash
# Smoke test of the operator image and deploy/install.yaml on a throwaway kind cluster:
# create the cluster, build and load the image, install, apply a small example, wait for Ready,
# print `kubectl get odh -o wide`, delete everything. On any failure it prints the operator's log and
# the OpenDataHub's conditions, and exits non-zero.
#
# Needs docker, kind, kubectl and the odh-operator CLI (for the image name: `pip install -e .`).
# Settings: KIND_CLUSTER_NAME (odh-smoke), ODH_NAMESPACE (odh), ODH_EXAMPLE (examples/opendatahub-minimal.yaml:
# JupyterHub only, which one kind node can run), ODH_TIMEOUT (900s), KEEP_CLUSTER=1 keeps the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${KIND_CLUSTER_NAME:-odh-smoke}"
NAMESPACE="${ODH_NAMESPACE:-odh}"
EXAMPLE="${ODH_EXAMPLE:-examples/opendatahub-minimal.yaml}"
TIMEOUT="${ODH_TIMEOUT:-900s}"
ODH_OPERATOR="${ODH_OPERATOR:-odh-operator}"
OPERATOR_NAMESPACE="odh-operator-system"

log() { printf '==> %s\n' "$*" >&2; }
k() { kubectl --context "kind-${CLUSTER}" "$@"; }

for tool in docker kind kubectl "${ODH_OPERATOR}"; do
  command -v "${tool}" >/dev/null 2>&1 || { log "missing tool: ${tool}"; exit 2; }
done

IMAGE="$("${ODH_OPERATOR}" image operator)"
VERSION="${IMAGE##*:v}"
REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
CREATED=""

diagnose() {
  log "operator log"
  k -n "${OPERATOR_NAMESPACE}" logs deployment/odh-operator --tail=300 || true
  log "OpenDataHub conditions"
  k -n "${NAMESPACE}" get opendatahubs -o \
    jsonpath='{range .items[*]}{.metadata.name}: phase={.status.phase}{"\n"}{range .status.conditions[*]}  {.type}={.status} {.reason}: {.message}{"\n"}{end}{end}' || true
  log "pods"
  k get pods -A -o wide || true
  log "recent events in ${NAMESPACE}"
  k -n "${NAMESPACE}" get events --sort-by=.lastTimestamp || true
}

finish() {
  local status=$?
  trap - EXIT
  if [[ ${status} -ne 0 ]]; then
    log "FAILED (exit ${status})"
    [[ -n "${CREATED}" ]] && diagnose
  fi
  if [[ -n "${CREATED}" && -z "${KEEP_CLUSTER:-}" ]]; then
    log "deleting kind cluster ${CLUSTER}"
    kind delete cluster --name "${CLUSTER}" || true
  fi
  exit "${status}"
}
trap finish EXIT

log "creating kind cluster ${CLUSTER}"
kind create cluster --name "${CLUSTER}" --wait 180s
CREATED=1

log "building ${IMAGE}"
docker build --tag "${IMAGE}" --build-arg "VERSION=${VERSION}" --build-arg "REVISION=${REVISION}" .
kind load docker-image "${IMAGE}" --name "${CLUSTER}"

log "installing the operator: deploy/install.yaml"
k apply --server-side -f deploy/install.yaml
k wait --for=condition=Established crd/opendatahubs.opendatahub.io --timeout=60s
k -n "${OPERATOR_NAMESPACE}" rollout status deployment/odh-operator --timeout=300s

log "creating ${NAMESPACE} (pod security: privileged, as Rook and the GPU device plugin need) and ${EXAMPLE}"
k create namespace "${NAMESPACE}"
k label namespace "${NAMESPACE}" pod-security.kubernetes.io/enforce=privileged
k -n "${NAMESPACE}" apply -f "${EXAMPLE}"
k -n "${NAMESPACE}" wait --for=condition=Ready opendatahubs --all --timeout="${TIMEOUT}"
k -n "${NAMESPACE}" get odh -o wide

log "deleting everything: the OpenDataHub (its finalizer removes what it installed), then the operator"
k -n "${NAMESPACE}" delete opendatahubs --all --timeout=300s
k delete namespace "${NAMESPACE}" --timeout=300s
k delete -f deploy/install.yaml --timeout=300s
log "smoke test passed"
