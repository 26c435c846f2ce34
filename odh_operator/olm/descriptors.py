"""OperatorHub UI descriptors for the OpenDataHub's spec and status, derived from its CRD schema.

Every field of the spec gets a descriptor (its path, a display name, the schema's description and the
widget the console should use), so a field added to the API models shows up here without another edit.
"""

import re
from typing import Any

Schema = dict[str, Any]
Descriptor = dict[str, Any]

UI = "urn:alm:descriptor:com.tectonic.ui"
_ACRONYMS = {"osd": "OSD", "gpu": "GPU", "gpus": "GPUs", "mig": "MIG", "ai": "AI", "s3": "S3", "ceph": "Ceph",
             "rook": "Rook", "jupyter": "Jupyter", "hub": "Hub", "osds": "OSDs", "tls": "TLS"}
_STATUS = {
    "phase": ("Phase", "urn:alm:descriptor:io.kubernetes.phase"),
    "readyComponents": ("Ready components", "urn:alm:descriptor:text"),
    "observedGeneration": ("Observed generation", "urn:alm:descriptor:text"),
    "conditions": ("Conditions", "urn:alm:descriptor:io.kubernetes.conditions"),
}


def display_name(field: str) -> str:
    """``osdCount`` -> ``OSD count``; ``jupyterHub`` -> ``Jupyter Hub``."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", field).split()
    named = [_ACRONYMS.get(w.lower(), w.lower()) for w in words]
    return " ".join([named[0][:1].upper() + named[0][1:], *named[1:]])


def _is_resources(node: Schema) -> bool:
    return set(node.get("properties", {})) == {"requests", "limits"}


def _widgets(name: str, node: Schema) -> list[str] | None:
    """The x-descriptors of one field, or None when it is an object to descend into."""
    if _is_resources(node):
        return [f"{UI}:resourceRequirements"]
    if name == "placement":
        return [f"{UI}:advanced"]
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        return None
    if kind == "boolean":
        return [f"{UI}:booleanSwitch"]
    if kind == "integer":
        return [f"{UI}:number"]
    if "enum" in node:
        return [f"{UI}:select:{value}" for value in node["enum"]]
    if kind == "string":
        advanced = name.lower().endswith("image")
        return [f"{UI}:text", *([f"{UI}:advanced"] if advanced else [])]
    return [f"{UI}:advanced"]  # lists and maps: edited in YAML


def spec_descriptors(spec_schema: Schema) -> list[Descriptor]:
    """One descriptor per field of the spec, depth first, grouped by component section."""
    out: list[Descriptor] = []

    def walk(node: Schema, path: list[str], group: str | None) -> None:
        for name, child in node.get("properties", {}).items():
            here = [*path, name]
            widgets = _widgets(name, child)
            section = group or (name if child.get("type") == "object" else None)
            if widgets is None:
                walk(child, here, section)
                continue
            grouped = [f"{UI}:fieldGroup:{group}"] if group else []
            descriptor: Descriptor = {"path": ".".join(here), "displayName": display_name(name)}
            if child.get("description"):
                descriptor["description"] = child["description"]
            descriptor["x-descriptors"] = [*grouped, *widgets]
            out.append(descriptor)

    walk(spec_schema, [], None)
    return out


def status_descriptors(status_schema: Schema) -> list[Descriptor]:
    """Descriptors of the status fields the console shows: phase, ready components, conditions."""
    out: list[Descriptor] = []
    for name, child in status_schema.get("properties", {}).items():
        display, widget = _STATUS.get(name, (display_name(name), "urn:alm:descriptor:text"))
        descriptor: Descriptor = {"path": name, "displayName": display}
        if child.get("description"):
            descriptor["description"] = child["description"]
        descriptor["x-descriptors"] = [widget]
        out.append(descriptor)
    return out
