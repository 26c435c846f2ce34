"""Whether the Ceph cluster we applied can form on this cluster: enough nodes, and storage it can use.

Read from the applied CephCluster and CephObjectStore (what we asked Rook for) and the cluster facts, so
the status says at once why the data lake can never become healthy instead of waiting for it forever.
"""

from typing import Any

from odh_operator.cluster_facts import ClusterFacts
from odh_operator.readiness import READY, Readiness

Object = dict[str, Any]
# Provisioners that only make directories, so a volumeMode Block claim never binds (rancher.io/local-path:
# rancher/local-path-provisioner#463; kind's default class). Ceph OSDs on PVCs need raw block volumes.
FILESYSTEM_ONLY_PROVISIONERS = frozenset(
    {"rancher.io/local-path", "k8s.io/minikube-hostpath", "docker.io/hostpath", "microk8s.io/hostpath"}
)
INSUFFICIENT_NODES = "InsufficientNodes"


def _tolerated(taint: Object, tolerations: list[Object]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration["key"] == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def fits(node: Object, selector: dict[str, str], tolerations: list[Object]) -> bool:
    """Whether a pod with this node selector and these tolerations can be scheduled on the node."""
    spec = node.get("spec") or {}
    if spec.get("unschedulable"):
        return False
    conditions = (node.get("status") or {}).get("conditions") or []
    if not any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
        return False
    node_labels = node["metadata"].get("labels") or {}
    if any(node_labels.get(key) != value for key, value in selector.items()):
        return False
    blocking = [t for t in spec.get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")]
    return all(_tolerated(t, tolerations) for t in blocking)


def placement_of(cluster: Object) -> tuple[dict[str, str], list[Object]]:
    """The node selector (from our required node affinity) and tolerations of every Ceph daemon."""
    placement = ((cluster.get("spec") or {}).get("placement") or {}).get("all") or {}
    terms = (
        ((placement.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {})
        .get("nodeSelectorTerms") or [{}]
    )
    selector = {
        e["key"]: e["values"][0]
        for e in terms[0].get("matchExpressions") or []
        if e.get("operator") == "In" and len(e.get("values") or []) == 1
    }
    return selector, list(placement.get("tolerations") or [])


def eligible_nodes(cluster: Object, facts: ClusterFacts) -> list[str]:
    """Names of the nodes the Ceph daemons may run on, sorted."""
    selector, tolerations = placement_of(cluster)
    return sorted(n["metadata"]["name"] for n in facts.nodes if fits(n, selector, tolerations))


def osd_hosts(cluster: Object, eligible: list[str]) -> int:
    """How many different nodes can hold OSDs: listed device nodes, PVC sets spread over nodes, or all."""
    storage = (cluster.get("spec") or {}).get("storage") or {}
    device_sets = storage.get("storageClassDeviceSets") or []
    if device_sets:
        return min(len(eligible), sum(int(s.get("count", 0)) for s in device_sets))
    if not storage.get("useAllNodes"):
        return len({n.get("name") for n in storage.get("nodes") or []} & set(eligible))
    return len(eligible)


def _replicas(store: Object | None) -> int:
    pool = ((store or {}).get("spec") or {}).get("dataPool") or {}
    return int((pool.get("replicated") or {}).get("size", 1))


def node_fit(cluster: Object, store: Object | None, facts: ClusterFacts) -> Readiness:
    """Error InsufficientNodes when mons, mgrs or the store's copies need more nodes than the data lake may use."""
    spec = cluster.get("spec") or {}
    eligible = eligible_nodes(cluster, facts)
    found = f"{len(eligible)} schedulable for the data lake" + (f" ({', '.join(eligible)})" if eligible else "")
    problems = []
    mons = int((spec.get("mon") or {}).get("count", 1))
    if mons > len(eligible):
        problems.append(f"monCount {mons} needs {mons} schedulable nodes (one monitor per node); {found}")
    mgrs = int((spec.get("mgr") or {}).get("count", 1))
    if mgrs > len(eligible):
        problems.append(f"mgrCount {mgrs} needs {mgrs} schedulable nodes (one manager per node); {found}")
    replicas, hosts = _replicas(store), osd_hosts(cluster, eligible)
    if replicas > hosts:
        problems.append(
            f"objectStore.replicas {replicas} needs OSDs on {replicas} nodes (one copy per node); "
            f"OSDs can be on {hosts} ({found})"
        )
    if problems:
        advice = "; lower them (1 mon, 1 mgr, 1 replica for a test cluster) or add nodes"
        return Readiness("Error", INSUFFICIENT_NODES, "; ".join(problems) + advice)
    return READY


def claim_class(cluster: Object) -> tuple[bool, str | None]:
    """(whether OSDs live on PVCs, the StorageClass their claims name or None for the default)."""
    device_sets = (((cluster.get("spec") or {}).get("storage") or {}).get("storageClassDeviceSets")) or []
    for device_set in device_sets:
        for template in device_set.get("volumeClaimTemplates") or []:
            return True, (template.get("spec") or {}).get("storageClassName")
    return False, None


def storage_fit(cluster: Object, facts: ClusterFacts) -> Readiness:
    """Error when the OSD claims' StorageClass is missing or cannot provision raw block volumes."""
    on_pvcs, name = claim_class(cluster)
    if not on_pvcs:
        return READY
    found = facts.storage_class(name)
    if found is None and name is not None:
        return Readiness(
            "Error", "StorageClassNotFound", f"rookCeph.storage.storageClassName {name}: no such StorageClass"
        )
    if found is None:
        return Readiness(
            "Error",
            "NoDefaultStorageClass",
            "rookCeph.storage.storageClassName is unset and the cluster has no default StorageClass: name a "
            "block-capable class, or use rookCeph.storage.mode devices",
        )
    provisioner = found.get("provisioner", "")
    if provisioner in FILESYSTEM_ONLY_PROVISIONERS:
        which = "the default StorageClass" if name is None else "StorageClass"
        return Readiness(
            "Error",
            "StorageClassNotBlockCapable",
            f"{which} {found['metadata']['name']} (provisioner {provisioner}) cannot provision the raw block "
            "volumes (volumeMode Block) Ceph OSDs need: set rookCeph.storage.storageClassName to a block-capable "
            "class, or use rookCeph.storage.mode devices (on kind: hack/kind-loop-device.sh)",
        )
    return READY


def details(cluster: Object, store: Object | None, facts: ClusterFacts) -> dict[str, Any]:
    """The status.dataLake summary: the small-cluster settings and what the cluster offers them."""
    spec = cluster.get("spec") or {}
    on_pvcs, name = claim_class(cluster)
    summary: dict[str, Any] = {
        "storageMode": "pvc" if on_pvcs else "devices",
        "monCount": int((spec.get("mon") or {}).get("count", 1)),
        "replicas": _replicas(store),
        "schedulableNodes": len(eligible_nodes(cluster, facts)),
    }
    if on_pvcs:
        found = facts.storage_class(name)
        if found is not None:
            summary["storageClassName"] = found["metadata"]["name"]
    return summary
