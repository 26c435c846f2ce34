"""Rook and a Ceph cluster with an S3 object store: the data lake.

Rook runs in the OpenDataHub's namespace and watches only that namespace (ROOK_CURRENT_NAMESPACE_ONLY), so
two OpenDataHubs in two namespaces each get their own isolated Rook and Ceph. Other components reach the
object store through ``s3_secret_name`` and ``s3_endpoint``.
"""

from dataclasses import replace
from functools import cache
from typing import Any

from odh_operator import labels, pod_security, static_manifests
from odh_operator.api.spec import CephStorage, OpenDataHubSpec, RookCephSpec
from odh_operator.api.types import Placement
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components import ceph_fit
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.readiness import READY, Readiness, first_not_ready, workloads_readiness

OPERATOR_APP = "rook-ceph-operator"
CLUSTER_NAME = "rook-ceph"
GATEWAY_PORT = 80
HEALTHY = ("HEALTH_OK", "HEALTH_WARN")
CLUSTER_FAILED_PHASES = ("Failure", "Error")
STORE_FAILED_PHASES = ("Failure",)
# Upstream's operator Deployment tolerates an unreachable node for 5s only, so it moves quickly.
UNREACHABLE_TOLERATION = {
    "key": "node.kubernetes.io/unreachable",
    "operator": "Exists",
    "effect": "NoExecute",
    "tolerationSeconds": 5,
}


# The accounts of upstream's OpenShift SCC "rook-ceph" (operator-openshift.yaml), but rook-ceph-nvmeof: the
# operator (UID 2016) and the Ceph daemons it starts (privileged on OpenShift, host paths).
SCC_SERVICE_ACCOUNTS = ["rook-ceph-system", "rook-ceph-default", "rook-ceph-mgr", "rook-ceph-osd", "rook-ceph-rgw"]
CEPH = "ceph.rook.io"
CRD_FILE = "rook-ceph/0050_crds.yaml"  # the upstream CRDs, see odh_operator.upstream_crds


@cache
def ceph_rbac_resources() -> dict[str, list[str]]:
    """The operator's ceph.rook.io resources as upstream's common.yaml grants them, from the installed CRDs:
    every kind (get/list/watch/update), and status and finalizers of the kinds with a status subresource."""
    kinds: list[str] = []
    with_status: list[str] = []
    for crd in static_manifests.documents(CRD_FILE):
        if crd["spec"]["group"] != CEPH:
            continue
        plural = crd["spec"]["names"]["plural"]
        kinds.append(plural)
        if any("status" in (v.get("subresources") or {}) for v in crd["spec"]["versions"]):
            with_status.append(plural)
    return {
        "all": sorted(kinds),
        "status": [f"{p}/status" for p in sorted(with_status)],
        "finalizers": [f"{p}/finalizers" for p in sorted(with_status)],
    }


def s3_secret_name(spec: OpenDataHubSpec) -> str:
    """The Secret Rook creates for the S3 user: keys AccessKey, SecretKey and Endpoint."""
    store = spec.rook_ceph.object_store
    return f"rook-ceph-object-user-{store.name}-{store.user}"


def s3_endpoint(spec: OpenDataHubSpec, namespace: str) -> str:
    """The in-cluster S3 endpoint of the object store's gateway Service."""
    return f"http://rook-ceph-rgw-{spec.rook_ceph.object_store.name}.{namespace}.svc:{GATEWAY_PORT}"


def rook_placement(placement: Placement) -> dict[str, Any]:
    """A Rook placement (node affinity and tolerations) for the spec's node selector and tolerations."""
    result: dict[str, Any] = {}
    if placement.node_selector:
        expressions = [
            {"key": key, "operator": "In", "values": [value]} for key, value in sorted(placement.node_selector.items())
        ]
        result["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": expressions}]}
        }
    if placement.tolerations:
        result["tolerations"] = placement.tolerations
    return result


def pool(replicas: int) -> dict[str, Any]:
    """A replicated pool spread over nodes; Ceph insists on an explicit opt-out for a single copy."""
    return {
        "failureDomain": "host",
        "replicated": {"size": replicas, "requireSafeReplicaSize": replicas > 1},
    }


def osd_storage(storage: CephStorage) -> dict[str, Any]:
    """The CephCluster's ``storage``: OSDs on raw block PVCs, or on the nodes' own devices."""
    if storage.mode == "devices":
        nodes = [{"name": n.name, "devices": [{"name": d} for d in n.devices]} for n in storage.nodes]
        result: dict[str, Any] = {"useAllNodes": not nodes, "useAllDevices": storage.use_all_devices}
        if storage.device_filter is not None:
            result["deviceFilter"] = storage.device_filter
        if nodes:
            result["nodes"] = nodes
        return result
    claim: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "volumeMode": "Block",  # Ceph OSDs need raw block volumes
        "resources": {"requests": {"storage": storage.osd_size}},
    }
    if storage.storage_class_name:
        claim["storageClassName"] = storage.storage_class_name
    device_set = {
        "name": "data",
        "count": storage.osd_count,
        "portable": True,
        "encrypted": False,
        "placement": {
            "topologySpreadConstraints": [{
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app": "rook-ceph-osd"}},
            }],
        },
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": claim}],
    }
    return {"useAllNodes": False, "useAllDevices": False, "storageClassDeviceSets": [device_set]}


def _find(observed: list[Object], kind: str) -> Object | None:
    return next((o for o in observed if o.get("kind") == kind), None)


def cluster_readiness(cluster: Object | None) -> Readiness:
    """Ready when the CephCluster is created and Ceph reports HEALTH_OK or HEALTH_WARN."""
    if cluster is None:
        return Readiness("NotReady", "CephClusterNotReady", "waiting for the CephCluster to be created")
    name = f"CephCluster/{cluster['metadata']['name']}"
    status = cluster.get("status") or {}
    phase = status.get("phase")
    health = (status.get("ceph") or {}).get("health")
    message = status.get("message") or ""
    if phase in CLUSTER_FAILED_PHASES or health == "HEALTH_ERR":
        detail = message or f"phase {phase}, health {health}"
        return Readiness("Error", "CephClusterFailed", f"{name}: {detail}")
    if phase == "Ready" and health in HEALTHY:
        return READY
    if not status:
        return Readiness("NotReady", "CephClusterNotReady", f"{name}: waiting for Rook to report phase Ready")
    waiting = f"phase {phase or 'unknown'}, health {health or 'unknown'}"
    detail = f"{waiting}: {message}" if message else waiting
    return Readiness("NotReady", "CephClusterNotReady", f"{name}: waiting for phase Ready and a healthy Ceph ({detail})")


def object_store_readiness(store: Object | None) -> Readiness:
    """Ready when the CephObjectStore's gateways and pools are up (phase Ready)."""
    if store is None:
        return Readiness("NotReady", "CephObjectStoreNotReady", "waiting for the CephObjectStore to be created")
    name = f"CephObjectStore/{store['metadata']['name']}"
    status = store.get("status") or {}
    phase = status.get("phase")
    if phase in STORE_FAILED_PHASES:
        detail = status.get("message") or f"phase {phase}"
        return Readiness("Error", "CephObjectStoreFailed", f"{name}: {detail}")
    if phase == "Ready":
        return READY
    return Readiness(
        "NotReady", "CephObjectStoreNotReady", f"{name}: waiting for phase Ready (now {phase or 'no status yet'})"
    )


class RookCeph(Component):
    """The Rook operator, a Ceph cluster (OSDs on PVCs or node devices), an S3 object store and its user."""

    name = "rook-ceph"
    spec_key = "rook_ceph"
    title = "RookCeph"
    default_images = {
        "operator": "docker.io/rook/ceph:v1.20.6",
        "ceph": "quay.io/ceph/ceph:v20.2.4",
    }

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: RookCephSpec = spec.rook_ceph
        return {"operator": section.operator_image, "ceph": section.ceph_image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        section: RookCephSpec = spec.rook_ceph
        return {
            "ceph_resources": ceph_rbac_resources()["all"],
            "ceph_status_resources": ceph_rbac_resources()["status"],
            "ceph_finalizer_resources": ceph_rbac_resources()["finalizers"],
            "ceph_cluster": CLUSTER_NAME,
            "operator_app": OPERATOR_APP,
            # Rook finds the pods of a lost node by their "app" label, its operator's included.
            "operator_pod_labels": {**labels.pod(self.name, OPERATOR_APP, instance.name), "app": OPERATOR_APP},
            "operator_tolerations": [UNREACHABLE_TOLERATION, *section.placement.tolerations],
            "ceph_placement": rook_placement(section.placement),
            "pool": pool(section.object_store.replicas),
            "osd_storage": osd_storage(section.storage),
            "allow_loop_devices": "true" if section.storage.mode == "devices" and section.storage.allow_loop_devices
            else "false",
            "gateway_port": GATEWAY_PORT,
            "data_label": {labels.DATA: "true"},
            "scc_service_accounts": SCC_SERVICE_ACCOUNTS,
        }

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        """The cluster fits (nodes, block storage), the operator rolled out, Ceph healthy and the store Ready.

        With cluster facts the status also carries ``dataLake``: the small-cluster settings and the nodes.
        """
        cluster, store = _find(observed, "CephCluster"), _find(observed, "CephObjectStore")
        fit: list[Readiness] = []
        details: dict[str, Any] = {}
        if cluster is not None and facts.nodes:  # no nodes seen: nothing known about the cluster
            fit = [ceph_fit.storage_fit(cluster, facts), ceph_fit.node_fit(cluster, store, facts)]
            details = {"dataLake": ceph_fit.details(cluster, store, facts)}
        result = first_not_ready(
            pod_security.namespace_readiness(self.name, observed, facts), *fit, workloads_readiness(observed),
            cluster_readiness(cluster), object_store_readiness(store)
        )
        return replace(result, details=details) if details else result


COMPONENT = RookCeph()
