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


def _managers(live: Object) -> str:
    """Who manages a live object, as far as it says: its managed-by label, else its field managers."""
    meta = live.get("metadata", {})
    if label := (meta.get("labels") or {}).get(labels.MANAGED_BY_KEY):
        return str(label)
    managers = sorted({f.get("manager") for f in meta.get("managedFields") or [] if f.get("manager")})
    return ", ".join(managers) or "unknown"


def not_ours(live: Object, desired: Object) -> str | None:
    """Why a live object with the identity of one we render is not ours to write, or None when it is.

    Ours is what carries the OpenDataHub's inventory label (objects shared by all instances, the CRDs, carry
    the operator's managed-by label instead). Anything else existed before us or belongs to someone else:
    it is never overwritten, adopted or deleted.
    """
    found = live.get("metadata", {}).get("labels") or {}
    wanted = desired["metadata"].get("labels", {}).get(labels.OWNER)
    if wanted is None and found.get(labels.MANAGED_BY_KEY) == labels.MANAGED_BY:
        return None
    if wanted is not None and found.get(labels.OWNER) == wanted:
        return None
    if found.get(labels.OWNER):
        return f"belongs to OpenDataHub {found[labels.OWNER]}"
    return f"exists and was not installed by the odh-operator (managed by {_managers(live)})"


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
