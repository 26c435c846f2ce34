"""Who owns what: ownerReferences where Kubernetes allows them, labels and a finalizer elsewhere."""

from typing import Any

from odh_operator import kinds, labels
from odh_operator.api.resource import API_VERSION, KIND

Object = dict[str, Any]


def owner_reference(odh: Object) -> Object:
    """A controller ownerReference to the OpenDataHub."""
    meta = odh["metadata"]
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def is_data(obj: Object) -> bool:
    """Whether the object holds user data (PVCs, the Ceph cluster), as its template marks it."""
    return bool(obj.get("metadata", {}).get("labels", {}).get(labels.DATA) == "true")


def is_retained(obj: Object, deletion_policy: str) -> bool:
    """Data survives disabling and deletion unless the spec's deletionPolicy is Delete."""
    return is_data(obj) and deletion_policy == "Retain"


def garbage_collectable(obj: Object, odh_namespace: str, cluster_scoped: bool) -> bool:
    """Whether an ownerReference can cover the object: namespaced, in the OpenDataHub's own namespace."""
    return not cluster_scoped and obj["metadata"].get("namespace") == odh_namespace


def owned(obj: Object, odh: Object, cluster_scoped: bool, deletion_policy: str) -> Object:
    """The object with an ownerReference to the OpenDataHub when Kubernetes can garbage-collect it.

    Retained data gets none, so deleting the OpenDataHub never takes it; everything else the
    ownerReference cannot cover is found by its inventory label and removed by the finalizer.
    """
    if obj["kind"] == "CustomResourceDefinition" or is_retained(obj, deletion_policy):
        return obj
    if not garbage_collectable(obj, odh["metadata"]["namespace"], cluster_scoped):
        return obj
    return {**obj, "metadata": {**obj["metadata"], "ownerReferences": [owner_reference(odh)]}}


def owner_selector(namespace: str, name: str) -> str:
    """The label selector matching every object one OpenDataHub installed."""
    return f"{labels.OWNER}={labels.owner_value(namespace, name)}"


def belongs_to_other(live: Object, owner: str) -> str | None:
    """The owner label of a live object installed by another OpenDataHub, or None if it is ours or unlabelled."""
    found = live.get("metadata", {}).get("labels", {}).get(labels.OWNER)
    return found if found and found != owner else None


def is_custom_resource(obj: Object) -> bool:
    """Whether the object is served by a CRD, so an operator we installed may hold a finalizer on it."""
    return not kinds.is_builtin(obj)


def deletion_order(objects: list[Object]) -> list[Object]:
    """Custom resources first (their operators must still run to finalize them), then workloads, then the rest."""
    return sorted(objects, key=lambda o: -kinds.apply_stage(o))


def deletion_stages(objects: list[Object]) -> list[list[Object]]:
    """Objects in the stages teardown deletes them, each stage gone before the next starts: custom resources
    (the operators that clear their finalizers still run), then everything else in deletion order."""
    custom = [o for o in objects if is_custom_resource(o)]
    rest = [o for o in objects if not is_custom_resource(o)]
    return [stage for stage in (deletion_order(custom), deletion_order(rest)) if stage]
