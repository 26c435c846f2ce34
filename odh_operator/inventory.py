"""The inventory: every kind the operator may have installed, and listing what one instance owns."""

from functools import cache
from typing import Any

from odh_operator import kinds, ownership
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components import REGISTRY
from odh_operator.components.base import Instance
from odh_operator.kube import Kube, UnknownKind
from odh_operator.platform import KUBERNETES, OPENSHIFT
from odh_operator.render import order, render_all

Object = dict[str, Any]
GroupKind = tuple[str, str]  # (apiVersion, kind)


def everything_enabled() -> OpenDataHubSpec:
    """A spec with every component on and Ingresses asked for, defaults otherwise: the widest render."""
    spec = OpenDataHubSpec.model_validate({"endpoints": {"domain": "inventory.example", "ingress": {"enabled": True}}})
    for component in REGISTRY:
        component.section(spec).enabled = True
    return spec


def widest_render() -> list[Object]:
    """Every object any component renders, on either platform (OpenShift adds SCCs, their `use` roles and
    Routes), each platform's in apply order."""
    return [o for platform in (KUBERNETES, OPENSHIFT)
            for o in order(render_all(everything_enabled(), Instance("inventory", "inventory", platform)))]


@cache
def owned_kinds() -> tuple[GroupKind, ...]:
    """(apiVersion, kind) of every labelled object any component renders on either platform; CRDs are shared,
    so not listed."""
    found = {(o["apiVersion"], o["kind"]) for o in widest_render() if o["kind"] != "CustomResourceDefinition"}
    return tuple(sorted(found, key=lambda gk: (kinds.apply_stage({"apiVersion": gk[0], "kind": gk[1]}), gk)))


def list_owned(kube: Kube, odh: Object) -> list[Object]:
    """Every live object the OpenDataHub installed, by its owner label; kinds not served hold none."""
    selector = ownership.owner_selector(odh["metadata"]["namespace"], odh["metadata"]["name"])
    found: list[Object] = []
    for api_version, kind in owned_kinds():
        try:
            found += kube.list(api_version, kind, selector)
        except UnknownKind:
            continue
    return found
