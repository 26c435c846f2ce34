"""Rook and a Ceph cluster with an S3 object store: the data lake.

Rook runs in the OpenDataHub's namespace and watches only that namespace (ROOK_CURRENT_NAMESPACE_ONLY), so
two OpenDataHubs in two namespaces each get their own isolated Rook and Ceph. Other components reach the
object store through ``s3_secret_name`` and ``s3_endpoint``.
"""

from dataclasses import dataclass
from typing import Any

from odh_operator import labels
from odh_operator.api.spec import OpenDataHubSpec, RookCephSpec
from odh_operator.api.types import Placement
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
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


PHASE = ("Phase", "string", ".status.phase")
AGE = ("Age", "date", ".metadata.creationTimestamp")


@dataclass(frozen=True)
class CrdNames:
    """The upstream identity of one CRD Rook needs: group, version, names and printer columns."""

    group: str
    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    version: str = "v1"
    status: bool = True
    columns: tuple[tuple[str, str, str], ...] = (PHASE, AGE)

    @property
    def name(self) -> str:
        """The CRD's object name, ``<plural>.<group>``."""
        return f"{self.plural}.{self.group}"

    @property
    def singular(self) -> str:
        """The singular resource name (the lower-cased kind, as upstream)."""
        return self.kind.lower()


CEPH = "ceph.rook.io"
CSI = "csi.ceph.io"
# Every ceph.rook.io kind Rook v1.20.6 watches at start (pkg/operator/ceph/cr_manager.go): without one of
# them the controller-runtime manager never syncs. CephBucketNotification is left out because its
# controller is off with ROOK_DISABLE_OBJECT_BUCKET_CLAIM. Names from deploy/examples/crds.yaml.
CRDS: tuple[CrdNames, ...] = (
    CrdNames(
        CEPH, "CephCluster", "cephclusters", ("ceph",),
        columns=(
            ("DataDirHostPath", "string", ".spec.dataDirHostPath"),
            ("MonCount", "string", ".spec.mon.count"),
            AGE,
            PHASE,
            ("Message", "string", ".status.message"),
            ("Health", "string", ".status.ceph.health"),
            ("FSID", "string", ".status.ceph.fsid"),
        ),
    ),
    CrdNames(
        CEPH, "CephObjectStore", "cephobjectstores", ("cephos",),
        columns=(PHASE, ("Endpoint", "string", ".status.info.endpoint"), AGE),
    ),
    CrdNames(CEPH, "CephObjectStoreUser", "cephobjectstoreusers", ("rcou", "objectuser", "cephosu")),
    CrdNames(CEPH, "CephBlockPool", "cephblockpools", ("cephbp",)),
    CrdNames(CEPH, "CephBlockPoolRadosNamespace", "cephblockpoolradosnamespaces", ("cephbprns", "cephrns")),
    CrdNames(CEPH, "CephBucketTopic", "cephbuckettopics", ("cephbt",)),
    CrdNames(CEPH, "CephClient", "cephclients", ("cephcl",)),
    CrdNames(CEPH, "CephCOSIDriver", "cephcosidrivers", ("cephcosi",), status=False, columns=()),
    CrdNames(CEPH, "CephFilesystem", "cephfilesystems", ("cephfs",)),
    CrdNames(CEPH, "CephFilesystemMirror", "cephfilesystemmirrors", ("cephfsm",)),
    CrdNames(CEPH, "CephFilesystemSubVolumeGroup", "cephfilesystemsubvolumegroups", ("cephfssvg", "cephsvg")),
    CrdNames(CEPH, "CephNFS", "cephnfses", ("nfs",)),
    CrdNames(CEPH, "CephNVMeOFGateway", "cephnvmeofgateways", ("nvmeof",)),
    CrdNames(CEPH, "CephObjectRealm", "cephobjectrealms", ("cephor",)),
    CrdNames(CEPH, "CephObjectStoreAccount", "cephobjectstoreaccounts"),
    CrdNames(CEPH, "CephObjectZone", "cephobjectzones", ("cephoz",)),
    CrdNames(CEPH, "CephObjectZoneGroup", "cephobjectzonegroups", ("cephozg",)),
    CrdNames(CEPH, "CephRBDMirror", "cephrbdmirrors", ("cephrbdm",)),
    # Rook 1.20 always writes a CephConnection and a default ClientProfile for the ceph-csi-operator once
    # the mons are up (pkg/operator/ceph/cluster/mon/mon.go) and fails the reconcile without these CRDs.
    # No CSI driver is installed: they stay inert. Names from deploy/examples/csi-operator.yaml.
    CrdNames(CSI, "CephConnection", "cephconnections", columns=()),
    CrdNames(CSI, "ClientProfile", "clientprofiles", columns=()),
)
CEPH_RESOURCES = [c.plural for c in CRDS if c.group == CEPH]
# Upstream grants status and finalizer updates for the kinds that have a status.
CEPH_STATUS_RESOURCES = [f"{c.plural}/status" for c in CRDS if c.group == CEPH and c.status]
CEPH_FINALIZER_RESOURCES = [f"{c.plural}/finalizers" for c in CRDS if c.group == CEPH and c.status]


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
    """The Rook operator, a Ceph cluster on PVCs, an S3 object store and its user."""

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
            "crds": CRDS,
            "ceph_resources": CEPH_RESOURCES,
            "ceph_status_resources": CEPH_STATUS_RESOURCES,
            "ceph_finalizer_resources": CEPH_FINALIZER_RESOURCES,
            "ceph_cluster": CLUSTER_NAME,
            "operator_app": OPERATOR_APP,
            # Rook finds the pods of a lost node by their "app" label, its operator's included.
            "operator_pod_labels": {**labels.pod(self.name, OPERATOR_APP, instance.name), "app": OPERATOR_APP},
            "operator_tolerations": [UNREACHABLE_TOLERATION, *section.placement.tolerations],
            "ceph_placement": rook_placement(section.placement),
            "pool": pool(section.object_store.replicas),
            "gateway_port": GATEWAY_PORT,
            "data_label": {labels.DATA: "true"},
        }

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        """The operator Deployment rolled out, the CephCluster healthy and the object store Ready."""
        return first_not_ready(
            workloads_readiness(observed),
            cluster_readiness(_find(observed, "CephCluster")),
            object_store_readiness(_find(observed, "CephObjectStore")),
        )


COMPONENT = RookCeph()
