"""Apply a component's objects with server-side apply, generate its secrets once, and prune what it dropped."""

import base64
import itertools
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from kubernetes.dynamic.exceptions import DynamicApiError

from odh_operator import diff, kinds, labels, ownership
from odh_operator.kube import Kube, UnknownKind, established
from odh_operator.live_state import LiveState

Object = dict[str, Any]
GENERATE_KEYS = "opendatahub.io/generate-keys"
GENERATOR_MANAGER = "odh-operator-secret-generator"
SECRET_BYTES = 24
CONCURRENT_APPLIES = 8  # objects of one stage applied at once


class ApplyError(RuntimeError):
    """An object could not be applied; the message names it and says why."""


class Conflict(ApplyError):
    """An object with the identity of one we render exists and is not ours: it is left as it is."""


@dataclass(frozen=True)
class Applied:
    """What applying one object did: its live state and whether we wrote it, or why it failed (``conflict``:
    because an object that is not ours stands in its place), or None for all when it was held back."""

    live: Object | None
    written: bool = False
    error: str | None = None
    conflict: bool = False


def _reason(error: Exception) -> str:
    if isinstance(error, DynamicApiError):
        return f"{error.status} {error.reason}: {error.summary()}"
    return str(error)


def generated_keys(obj: Object) -> list[str]:
    """Keys a Secret asks the operator to generate, from its annotation."""
    value = obj["metadata"].get("annotations", {}).get(GENERATE_KEYS, "")
    return [k.strip() for k in value.split(",") if k.strip()]


def missing_secret_data(desired: Object, live: Object | None) -> dict[str, str]:
    """Random values for the generated keys the live Secret lacks (base64, as Secret data is)."""
    present = (live or {}).get("data") or {}
    return {
        key: base64.b64encode(secrets.token_urlsafe(SECRET_BYTES).encode()).decode()
        for key in generated_keys(desired)
        if key not in present
    }


def _add_generated(kube: Kube, desired: Object, data: dict[str, str]) -> None:
    """Write generated keys under their own field manager, so our main intent never owns them."""
    meta = desired["metadata"]
    kube.apply(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
         "data": data},
        field_manager=GENERATOR_MANAGER,
    )


def apply_one(kube: Kube, state: LiveState, desired: Object) -> tuple[Object, bool]:
    """Apply one object unless it is already converged; returns the live object and whether it was written."""
    live = state.get(desired)
    if live is None:  # not among what we watch: absent, or someone else's, which only the API server can tell
        live = kube.get(desired)
    if live is not None and (why := ownership.not_ours(live, desired)):
        raise Conflict(f"{diff.describe(diff.key_of(desired))} {why}; left as it is")
    written = False
    if desired["kind"] == "Secret" and (data := missing_secret_data(desired, live)):
        _add_generated(kube, desired, data)
        written = True
    if not diff.converged(desired, live):
        live = kube.apply(desired)
        state.remember(live)
        written = True
    if live is None:
        raise ApplyError(f"{diff.describe(diff.key_of(desired))} vanished right after it was applied")
    return live, written


def _attempt(kube: Kube, state: LiveState, desired: Object) -> Applied:
    """apply_one, with its failure as a message instead of an exception."""
    try:
        live, written = apply_one(kube, state, desired)
    except Conflict as error:
        return Applied(None, error=str(error), conflict=True)
    except (DynamicApiError, UnknownKind, ApplyError) as error:
        return Applied(None, error=f"{diff.describe(diff.key_of(desired))}: {_reason(error)}")
    return Applied(live, written)


def _established(kube: Kube, key: diff.Key, applied: Applied) -> Applied:
    """A just-applied CRD once the API server serves its kind, or the error saying it does not."""
    if applied.live is None or established(applied.live):
        return applied
    crd = kube.wait_established(key[3])
    if crd is None:
        return Applied(None, applied.written, f"CustomResourceDefinition {key[3]} is not Established")
    return Applied(crd, applied.written)


def _await_crds(kube: Kube, pool: ThreadPoolExecutor, results: dict[diff.Key, Applied]) -> None:
    crds = [key for key in results if key[1] == "CustomResourceDefinition"]
    for key, applied in zip(crds, pool.map(lambda k: _established(kube, k, results[k]), crds)):
        results[key] = applied


def apply_all(kube: Kube, state: LiveState, objects: list[Object]) -> dict[diff.Key, Applied]:
    """Apply objects stage by stage: CRDs, then RBAC and config, then workloads, then custom resources.

    Within a stage objects are independent, so several go at once; one that fails is reported and the
    rest still go on. A component that met an object not ours (another manager's CRD, say) goes no further:
    its later stages are held back, so that no workload of it starts beside someone else's installation.
    Only custom resources need their CRDs Established: the API server establishes
    megabytes of upstream schemas while RBAC, config and workloads are applied, and the wait comes just
    before the custom resources (or at the end, so that readiness sees Established CRDs).
    """
    results: dict[diff.Key, Applied] = {}
    conflicted: set[str] = set()  # components that met an object not ours
    with ThreadPoolExecutor(max_workers=CONCURRENT_APPLIES) as pool:
        for stage, grouped in itertools.groupby(sorted(objects, key=kinds.apply_stage), key=kinds.apply_stage):
            if stage == kinds.CUSTOM_RESOURCE_STAGE:
                _await_crds(kube, pool, results)
            staged = list(grouped)
            batch = [d for d in staged if labels.component_of(d) not in conflicted]
            results.update({diff.key_of(d): Applied(None) for d in staged if labels.component_of(d) in conflicted})
            for desired, applied in zip(batch, pool.map(lambda d: _attempt(kube, state, d), batch)):
                results[diff.key_of(desired)] = applied
                if applied.conflict:
                    conflicted.add(labels.component_of(desired))
        _await_crds(kube, pool, results)
    return results


def stale(owned: list[Object], desired: set[diff.Key], deletion_policy: str) -> list[Object]:
    """Owned objects the spec no longer renders, minus retained data and what is already being deleted."""
    return [
        obj
        for obj in owned
        if diff.key_of(obj) not in desired
        and not ownership.is_retained(obj, deletion_policy)
        and not obj["metadata"].get("deletionTimestamp")
    ]


def delete_all(kube: Kube, objects: list[Object]) -> tuple[list[str], list[str]]:
    """Delete objects, custom resources first; returns (deleted, errors)."""
    deleted, errors = [], []
    for obj in ownership.deletion_order(objects):
        name = diff.describe(diff.key_of(obj))
        try:
            if kube.delete(obj):
                deleted.append(name)
        except (DynamicApiError, UnknownKind) as error:
            errors.append(f"{name}: {_reason(error)}")
    return deleted, errors
