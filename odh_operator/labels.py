"""The labels every rendered object carries, and the inventory label pruning relies on."""

import hashlib
import re
from typing import Any

PART_OF = "opendatahub"
MANAGED_BY = "odh-operator"
NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
PART_OF_KEY = "app.kubernetes.io/part-of"
MANAGED_BY_KEY = "app.kubernetes.io/managed-by"
VERSION = "app.kubernetes.io/version"
OWNER = "opendatahub.io/owner"
DATA = "opendatahub.io/data"

_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def owner_value(namespace: str, name: str) -> str:
    """The inventory label value naming one OpenDataHub: ``<namespace>.<name>``, hashed past 63 characters."""
    value = f"{namespace}.{name}"
    if len(value) <= 63:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:12]
    return f"{value[:50].rstrip('.-_')}-{digest}"


def component_of(obj: dict[str, Any]) -> str:
    """The component that rendered an object (its ``app.kubernetes.io/component`` label), or ''."""
    return str((obj.get("metadata", {}).get("labels") or {}).get(COMPONENT, ""))


def is_valid_value(value: str) -> bool:
    """Whether a string is a valid label value."""
    return len(value) <= 63 and (value == "" or bool(_LABEL_VALUE.match(value)))


def selector(app: str, instance: str) -> dict[str, str]:
    """Immutable selector labels of a workload: never include anything that changes on upgrade."""
    return {NAME: app, INSTANCE: instance}


def pod(component: str, app: str, instance: str) -> dict[str, str]:
    """Labels of a workload's pods: the selector plus component and ownership, but no version."""
    return {**selector(app, instance), COMPONENT: component, PART_OF_KEY: PART_OF, MANAGED_BY_KEY: MANAGED_BY}


def common(component: str, instance: str, owner: str, version: str) -> dict[str, str]:
    """Labels on every namespaced or per-instance object a component renders."""
    return {
        INSTANCE: instance,
        COMPONENT: component,
        PART_OF_KEY: PART_OF,
        MANAGED_BY_KEY: MANAGED_BY,
        VERSION: version,
        OWNER: owner,
    }


def shared(component: str, version: str) -> dict[str, str]:
    """Labels on objects shared by all instances (CRDs): no instance, so instances never fight over them."""
    return {COMPONENT: component, PART_OF_KEY: PART_OF, MANAGED_BY_KEY: MANAGED_BY, VERSION: version}
