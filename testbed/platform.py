"""Platforms on the test cluster: the objects an OpenDataHub should install, live lookups, readiness waits."""

from pathlib import Path
from typing import Any

import yaml

from odh_operator.api.resource import parse
from odh_operator.components.rook_ceph import CLUSTER_NAME
from odh_operator.diff import Key, key_of
from odh_operator.kube import Kube, UnknownKind
from odh_operator.render import render
from testbed.control_plane import Cluster
from testbed.harness import wait_for

Object = dict[str, Any]
CEPH = "ceph.rook.io/v1"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str) -> Object:
    """One of the examples/ files as a dict."""
    document: Object = yaml.safe_load((EXAMPLES / name).read_text())
    return document


def apply_odh(cluster: Cluster, document: Object) -> None:
    """kubectl apply an OpenDataHub as a user would."""
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(document))


def expected(document: Object, component: str | None = None) -> list[Object]:
    """What the operator should install for this OpenDataHub (optionally one component)."""
    return render(parse(document), [component] if component else None)


def odh_ref(document: Object) -> Object:
    """A reference to the OpenDataHub object itself."""
    meta = document["metadata"]
    return {"apiVersion": document["apiVersion"], "kind": document["kind"],
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]}}


def find(admin: Kube, obj: Object) -> Object | None:
    """The live object, or None when it or its kind does not exist (yet)."""
    try:
        return admin.get(obj)
    except UnknownKind:
        return None


def missing(admin: Kube, objects: list[Object]) -> list[Key]:
    """Keys of the objects that do not exist."""
    return [key_of(o) for o in objects if find(admin, o) is None]


def wait_all_exist(admin: Kube, objects: list[Object], timeout: float = 90) -> None:
    """Wait until every object exists."""
    wait_for("every rendered object to exist", lambda: not missing(admin, objects) or None, timeout=timeout)


def wait_all_gone(admin: Kube, objects: list[Object], timeout: float = 90) -> None:
    """Wait until none of the objects exists (or each is only terminating)."""
    def gone() -> bool:
        return all((live := find(admin, o)) is None or live["metadata"].get("deletionTimestamp") for o in objects)

    wait_for("the objects to be deleted", gone, timeout=timeout)


def simulate_ceph(admin: Kube, namespace: str, store: str = "odh-datalake") -> bool:
    """Play Rook: mark the CephCluster and CephObjectStore healthy once they exist."""
    cluster = {"apiVersion": CEPH, "kind": "CephCluster", "metadata": {"name": CLUSTER_NAME, "namespace": namespace}}
    objectstore = {"apiVersion": CEPH, "kind": "CephObjectStore", "metadata": {"name": store, "namespace": namespace}}
    if find(admin, cluster) is None or find(admin, objectstore) is None:
        return False
    admin.patch_status(cluster, {"phase": "Ready", "ceph": {"health": "HEALTH_OK"}, "message": "simulated"})
    admin.patch_status(objectstore, {"phase": "Ready"})
    return True


def status_of(admin: Kube, document: Object) -> Object:
    """The OpenDataHub's current status."""
    live = admin.get(odh_ref(document))
    return (live or {}).get("status") or {}


def conditions(admin: Kube, document: Object) -> dict[str, Object]:
    """The OpenDataHub's conditions by type."""
    return {c["type"]: c for c in status_of(admin, document).get("conditions", [])}


def wait_phase(admin: Kube, document: Object, phase: str, timeout: float = 120, ceph: bool = False) -> Object:
    """Wait until the OpenDataHub reports ``phase`` for its current generation; returns the status."""
    def reached() -> Object | None:
        if ceph:
            simulate_ceph(admin, document["metadata"]["namespace"])
        live = admin.get(odh_ref(document)) or {}
        status = live.get("status") or {}
        current = status.get("observedGeneration") == live.get("metadata", {}).get("generation")
        return status if current and status.get("phase") == phase else None

    return wait_for(f"phase {phase}", reached, timeout=timeout)
