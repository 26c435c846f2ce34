"""What a reconcile pass knows about the cluster beyond its own objects: nodes, storage classes, API groups.

Components read these facts to say, in status, why a platform cannot form here (too few schedulable
nodes for the monitors, no block-capable StorageClass, no GPU advertised) instead of waiting forever.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

Object = dict[str, Any]
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
OPERATOR_NAMESPACE_ENV = "POD_NAMESPACE"  # set from the pod's own namespace by the install file's Deployment
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def operator_namespace() -> str | None:
    """The namespace the operator runs in: its pod's (downward API, else the mounted token's), None outside one."""
    if found := os.environ.get(OPERATOR_NAMESPACE_ENV, "").strip():
        return found
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text().strip() or None
    except OSError:
        return None


def _quantity_count(value: Any) -> int:
    """An integer extended-resource quantity such as ``nvidia.com/gpu: "4"``; 0 when absent or not whole."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def is_schedulable(node: Object) -> bool:
    """Not cordoned, Ready, and without a NoSchedule or NoExecute taint."""
    spec = node.get("spec") or {}
    if spec.get("unschedulable"):
        return False
    if any(t.get("effect") in ("NoSchedule", "NoExecute") for t in spec.get("taints") or []):
        return False
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


@dataclass(frozen=True)
class ClusterFacts:
    """Nodes and StorageClasses as the operator last saw them (from its watches, or a list), and the API
    group versions the server serves (which tell OpenShift from plain Kubernetes)."""

    nodes: tuple[Object, ...] = ()
    storage_classes: tuple[Object, ...] = ()
    group_versions: frozenset[str] = frozenset()
    namespaces: tuple[Object, ...] = ()  # name and labels only (pod security levels, opt-in labels)
    operator_namespace: str | None = None  # where the operator itself runs: never written by a platform

    def namespace(self, name: str) -> Object | None:
        """The named Namespace as seen, or None (not seen, or no namespaces known)."""
        return next((n for n in self.namespaces if n["metadata"]["name"] == name), None)

    def schedulable_nodes(self) -> list[Object]:
        """Nodes an untolerating pod could land on."""
        return [n for n in self.nodes if is_schedulable(n)]

    def allocatable(self, resource: str) -> dict[str, int]:
        """Node name -> how many of an extended resource (e.g. ``nvidia.com/gpu``) it advertises, where > 0."""
        found = {
            n["metadata"]["name"]: _quantity_count(((n.get("status") or {}).get("allocatable") or {}).get(resource))
            for n in self.nodes
        }
        return {name: count for name, count in found.items() if count > 0}

    def storage_class(self, name: str | None) -> Object | None:
        """The named StorageClass, or the cluster default when ``name`` is None."""
        for sc in self.storage_classes:
            meta = sc["metadata"]
            if name is not None and meta["name"] == name:
                return sc
            annotations = meta.get("annotations") or {}
            if name is None and any(annotations.get(a) == "true" for a in DEFAULT_CLASS_ANNOTATIONS):
                return sc
        return None


class Lister(Protocol):
    """The calls ``observe`` needs (``odh_operator.kube.Kube`` has them)."""

    def list(self, api_version: str, kind: str, selector: str, namespace: str | None = None) -> list[Object]: ...

    def served_group_versions(self) -> frozenset[str]: ...


def observe(kube: Lister) -> ClusterFacts:
    """The facts as the API server has them now."""
    return ClusterFacts(
        nodes=tuple(kube.list("v1", "Node", "")),
        storage_classes=tuple(kube.list("storage.k8s.io/v1", "StorageClass", "")),
        group_versions=kube.served_group_versions(),
        namespaces=tuple(kube.list("v1", "Namespace", "")),
        operator_namespace=operator_namespace(),
    )


NO_FACTS = ClusterFacts()  # nothing known: components then report only what their own objects show
