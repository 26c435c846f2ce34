"""The component registry, in dependency order: the data lake first, the consumers of it after."""

from odh_operator.components import (
    ai_library,
    gpu_device_plugin,
    jupyterhub,
    monitoring,
    rook_ceph,
    spark_operator,
)
from odh_operator.components.base import Component

REGISTRY: list[Component] = [
    rook_ceph.COMPONENT,
    gpu_device_plugin.COMPONENT,
    spark_operator.COMPONENT,
    monitoring.COMPONENT,
    jupyterhub.COMPONENT,
    ai_library.COMPONENT,
]
NAMES = [c.name for c in REGISTRY]


def by_name(name: str) -> Component:
    """The registered component with this folder name."""
    for component in REGISTRY:
        if component.name == name:
            return component
    raise KeyError(f"unknown component {name!r}; known: {', '.join(NAMES)}")
