"""Pure comparisons between what we want and what the cluster has: identity, convergence, hashing."""

import hashlib
import json
from typing import Any

from kubernetes.utils import parse_quantity

from odh_operator import kinds

Object = dict[str, Any]
Key = tuple[str, str, str, str]  # (group, kind, namespace or "", name)

APPLIED_HASH = "opendatahub.io/applied-hash"
QUANTITY_KEYS = frozenset({"cpu", "memory", "storage", "ephemeral-storage", "nvidia.com/gpu"})


def key_of(obj: Object) -> Key:
    """The identity of an object: group, kind, namespace and name (the version is not identity)."""
    meta = obj["metadata"]
    return (kinds.group_of(obj), obj["kind"], meta.get("namespace") or "", meta["name"])


def describe(key: Key) -> str:
    """A readable form of a key: Kind/namespace/name."""
    group, kind, namespace, name = key
    return "/".join(part for part in (kind, namespace, name) if part)


def intent_hash(obj: Object) -> str:
    """A stable digest of the object we apply, stored on it to notice fields we stop sending."""
    body = {k: v for k, v in obj.items() if k != "status"}
    meta = dict(body.get("metadata", {}))
    meta["annotations"] = {k: v for k, v in meta.get("annotations", {}).items() if k != APPLIED_HASH}
    body["metadata"] = meta
    encoded = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def _same_quantity(want: Any, have: Any) -> bool:
    try:
        return bool(parse_quantity(want) == parse_quantity(have))  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return False


def contains(live: Any, want: Any, field: str = "") -> bool:
    """Whether every field we want is present in ``live`` with the same value (lists element by element).

    Empty wanted values match absent ones, since the API server drops empty lists and maps; resource
    quantities compare by value, since the server may write them in canonical form.
    """
    if want in (None, [], {}) and live in (None, [], {}):
        return True
    if isinstance(want, dict):
        return isinstance(live, dict) and all(contains(live.get(k), v, k) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(live, list) and len(live) == len(want) and all(map(contains, live, want))
    if want == live:
        return True
    return field in QUANTITY_KEYS and _same_quantity(want, have=live)


def converged(desired: Object, live: Object | None) -> bool:
    """True when applying ``desired`` would change nothing: same intent as last applied, and no drift."""
    if live is None:
        return False
    applied = live.get("metadata", {}).get("annotations", {}).get(APPLIED_HASH)
    return applied == intent_hash(desired) and contains(live, desired)


def with_intent_hash(obj: Object) -> Object:
    """The object with its intent hash annotation set (a new dict; the input is not changed).

    Only the maps on the way to the annotation are copied: the rest is shared with ``obj`` (rendered
    objects are never changed after this), which matters for megabyte-sized upstream CRDs.
    """
    meta = obj["metadata"]
    annotations = {**(meta.get("annotations") or {}), APPLIED_HASH: intent_hash(obj)}
    return {**obj, "metadata": {**meta, "annotations": annotations}}
