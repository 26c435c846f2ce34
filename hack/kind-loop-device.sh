#!/usr/bin/env bash
# Give the data lake disks on kind: one file-backed loop device inside each kind worker node, as Rook's own
# CI runs Ceph OSDs on a loop device. kind's default StorageClass (rancher.io/local-path) cannot provision
# the raw block volumes OSDs on PVCs need, so on kind the data lake runs in `rookCeph.storage.mode: devices`.
#
#   hack/kind-loop-device.sh create   attach a loop device in every worker (idempotent) and print the
#                                     rookCeph.storage section that uses them
#   hack/kind-loop-device.sh remove   detach the loop devices and delete their backing files
#
# Settings: KIND_CLUSTER_NAME (kind), OSD_SIZE (10G, sparse), KIND_NODES (the cluster's workers, space
# separated), OSD_IMAGE_FILE (/var/lib/odh-osd.img, inside each node). Needs docker and kind.
# The loop devices use the host kernel's loop driver; the backing file lives in the node container, so
# run `remove` before `kind delete cluster` to free the loop devices on the host.
# With OSDs on 1 or 2 workers, use small-cluster settings: monCount 1, mgrCount 1, objectStore.replicas 1.
set -euo pipefail

CLUSTER="${KIND_CLUSTER_NAME:-kind}"
SIZE="${OSD_SIZE:-10G}"
IMAGE_FILE="${OSD_IMAGE_FILE:-/var/lib/odh-osd.img}"

log() { printf '==> %s\n' "$*" >&2; }

for tool in docker kind; do
  command -v "${tool}" >/dev/null 2>&1 || { log "missing tool: ${tool}"; exit 2; }
done

workers() {
  if [[ -n "${KIND_NODES:-}" ]]; then
    tr ' ' '\n' <<<"${KIND_NODES}"
  else
    kind get nodes --name "${CLUSTER}" | grep -v -- '-control-plane$' || true
  fi
}

# Attach the node's backing file to a loop device (reusing one already attached) and print the device name.
attach() {
  local node="$1"
  # shellcheck disable=SC2016  # expanded inside the node, not here
  docker exec -e IMAGE_FILE="${IMAGE_FILE}" -e SIZE="${SIZE}" "${node}" sh -euc '
    [ -f "$IMAGE_FILE" ] || truncate -s "$SIZE" "$IMAGE_FILE"
    dev=$(losetup -j "$IMAGE_FILE" | cut -d: -f1 | head -n 1)
    if [ -z "$dev" ]; then
      dev=$(losetup -f)
      # The node container has its own /dev: create the device node if the kernel made a new one.
      [ -b "$dev" ] || mknod "$dev" b 7 "${dev#/dev/loop}"
      losetup "$dev" "$IMAGE_FILE"
    fi
    basename "$dev"
  '
}

detach() {
  local node="$1"
  # shellcheck disable=SC2016  # expanded inside the node, not here
  docker exec -e IMAGE_FILE="${IMAGE_FILE}" "${node}" sh -euc '
    for dev in $(losetup -j "$IMAGE_FILE" | cut -d: -f1); do losetup -d "$dev"; done
    rm -f "$IMAGE_FILE"
  '
}

main() {
  local command="${1:-create}"
  local nodes
  mapfile -t nodes < <(workers)
  if [[ ${#nodes[@]} -eq 0 ]]; then
    log "no worker nodes found in kind cluster ${CLUSTER}"
    exit 1
  fi
  case "${command}" in
    create)
      local entries="" node device
      for node in "${nodes[@]}"; do
        device="$(attach "${node}")"
        log "${node}: /dev/${device}, backed by ${IMAGE_FILE}"
        entries+="$(printf '\n      - name: %s\n        devices: [%s]' "${node}" "${device}")"
      done
      printf 'rookCeph:\n  storage:\n    mode: devices\n    allowLoopDevices: true\n    nodes:%s\n' "${entries}"
      ;;
    remove)
      for node in "${nodes[@]}"; do
        detach "${node}"
        log "${node}: loop device detached, ${IMAGE_FILE} removed"
      done
      ;;
    *)
      log "usage: $0 [create|remove]"
      exit 2
      ;;
  esac
}

main "$@"
