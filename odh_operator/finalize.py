"""Deleting an OpenDataHub: remove everything it installed except the data its spec keeps."""

from dataclasses import dataclass, field
from typing import Any

from kubernetes.dynamic.exceptions import DynamicApiError

from odh_operator import ownership
from odh_operator.api.resource import API_VERSION, KIND, InvalidResource, parse_spec
from odh_operator.apply import delete_all
from odh_operator.components import REGISTRY
from odh_operator.inventory import list_owned
from odh_operator.kube import Kube, UnknownKind
from odh_operator.reconcile import instance_of
from odh_operator.render import render_component

Object = dict[str, Any]


@dataclass
class Cleanup:
    """What one cleanup attempt did and what is still there."""

    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def deletion_policy(odh: Object) -> str:
    """The spec's deletionPolicy; Retain when the spec cannot be read, since data loss cannot be undone."""
    try:
        return parse_spec(odh.get("spec")).deletion_policy
    except InvalidResource:
        return "Retain"


def _components_used_elsewhere(kube: Kube, odh: Object) -> set[str]:
    others = kube.list(API_VERSION, KIND, selector="")
    used: set[str] = set()
    for other in others:
        if other["metadata"].get("uid") == odh["metadata"].get("uid") or other["metadata"].get("deletionTimestamp"):
            continue
        try:
            spec = parse_spec(other.get("spec"))
        except InvalidResource:
            continue
        used |= {c.name for c in REGISTRY if c.enabled(spec)}
    return used


def _left_elsewhere(kube: Kube, objects: list[Object]) -> list[str]:
    """Live custom resources of the kinds a component renders (ours are gone by now): others' retained data."""
    found: list[str] = []
    for api_version, kind in sorted({(o["apiVersion"], o["kind"]) for o in objects if ownership.is_custom_resource(o)}):
        try:
            found += [f"{kind}/{o['metadata'].get('namespace')}/{o['metadata']['name']}"
                      for o in kube.list(api_version, kind, selector="")]
        except UnknownKind:
            continue
        except DynamicApiError as error:  # cannot tell: keep the CRDs rather than risk others' data
            found.append(f"{kind} (not listable: {error.status})")
    return found


def shared_crds_to_delete(kube: Kube, odh: Object) -> tuple[list[Object], list[str]]:
    """CRDs of this instance's components that no other OpenDataHub uses (deletionPolicy Delete only), and the
    CRDs kept because resources of the component's kinds still exist elsewhere: deleting a CRD deletes every
    resource of its kind, such as the Ceph cluster another, deleted, OpenDataHub retained."""
    try:
        spec = parse_spec(odh.get("spec"))
    except InvalidResource:
        return [], []
    instance = instance_of(odh)
    used = _components_used_elsewhere(kube, odh)
    doomed: list[Object] = []
    kept: list[str] = []
    for component in REGISTRY:
        if not component.enabled(spec) or component.name in used:
            continue
        objects = render_component(component, spec, instance)
        crds = [o for o in objects if o["kind"] == "CustomResourceDefinition" and _installed_by_us(kube, o)]
        if crds and (left := _left_elsewhere(kube, objects)):
            kept += [f"{_name(c)} (still used by {', '.join(left[:3])})" for c in crds]
        else:
            doomed += crds
    return doomed, kept


def _installed_by_us(kube: Kube, desired: Object) -> bool:
    """Whether the live object is ours to delete: a CRD another manager installed (ODF's Rook) never is."""
    live = kube.get(desired)
    return live is not None and ownership.not_ours(live, desired) is None


def _name(obj: Object) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _waiting_for(obj: Object) -> str:
    """A terminating object, with what blocks it when its operator says (Rook: ``DeletionIsBlocked``
    conditions, e.g. a CephObjectStore that still holds buckets)."""
    conditions = (obj.get("status") or {}).get("conditions") or []
    blocked = [c.get("message") or c.get("reason") or "" for c in conditions
               if str(c.get("type", "")).endswith("DeletionIsBlocked") and c.get("status") == "True"]
    return f"{_name(obj)} (deletion blocked: {'; '.join(blocked)})" if blocked else _name(obj)


def cleanup(kube: Kube, odh: Object) -> Cleanup:
    """One attempt of a staged teardown; call again until nothing remains.

    Stage by stage (``ownership.deletion_stages``): custom resources first, and nothing else until they
    are gone, since the operators we installed (Rook) must still run to clear their finalizers; then the
    operators, RBAC and the rest; with deletionPolicy Delete, finally the CRDs no other OpenDataHub uses
    (their deletion is not waited for). Retained data is never deleted and never waited for.
    """
    policy = deletion_policy(odh)
    result = Cleanup()
    try:
        owned = list_owned(kube, odh)
    except DynamicApiError as error:  # e.g. a kind whose CRD just went: report it, let the handler retry
        result.errors.append(f"listing what the OpenDataHub installed failed: {error.status} {error.reason}")
        return result
    present = []
    for obj in owned:
        if ownership.is_retained(obj, policy):
            result.kept.append(_name(obj))
        else:
            present.append(obj)
    for stage in ownership.deletion_stages(present):
        terminating = [o for o in stage if o["metadata"].get("deletionTimestamp")]
        doomed = [o for o in stage if not o["metadata"].get("deletionTimestamp")]
        result.deleted, result.errors = delete_all(kube, doomed)
        result.remaining = [_waiting_for(o) for o in terminating] + result.deleted
        if result.remaining or result.errors:
            return result  # the next stage waits until this one is gone
    if policy == "Delete":
        # Not waited for: none of their resources is ours any more, and the API server removes the rest itself.
        doomed, kept = shared_crds_to_delete(kube, odh)
        result.kept += kept
        result.deleted, result.errors = delete_all(kube, doomed)
    return result
