"""Generate the OpenDataHub CRD from the pydantic models: one source of truth for the API."""

from typing import Any

from odh_operator.api import resource
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.api.status import OpenDataHubStatus

Schema = dict[str, Any]

_DROPPED_KEYS = {"title", "additionalProperties", "$defs", "patternProperties", "propertyNames"}
_FORBIDDEN_KEYS = {"exclusiveMinimum", "exclusiveMaximum", "uniqueItems", "oneOf", "not"}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _map_with_checked_keys(node: Schema, out: Schema, defs: dict[str, Schema]) -> None:
    """A map whose keys have a pattern (``dict[LabelKey, V]``): structural schemas know neither
    ``propertyNames`` nor ``patternProperties``, so the values become ``additionalProperties`` and the
    keys are checked by a CEL rule."""
    patterns = node.get("patternProperties") or {}
    if len(patterns) != 1:
        return
    ((pattern, values),) = patterns.items()
    out["additionalProperties"] = _structural(values, defs)
    longest = (node.get("propertyNames") or {}).get("maxLength")
    size = f"size(k) <= {longest} && " if longest else ""
    out.setdefault("x-kubernetes-validations", []).append(
        {"rule": f"self.all(k, {size}k.matches({pattern!r}))", "message": f"every key must match {pattern}"}
    )


def _structural(node: Schema, defs: dict[str, Schema]) -> Schema:
    """Turn one pydantic JSON-schema node into a Kubernetes structural schema node."""
    node = dict(node)
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
        node = {**target, **node}
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        if len(options) != 1:
            raise ValueError(f"unsupported union in schema: {options}")
        node = {**_structural(options[0], defs), **node}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    bad = _FORBIDDEN_KEYS & node.keys()
    if bad:
        raise ValueError(f"not expressible in a structural schema: {sorted(bad)}")
    out: Schema = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS:
            continue
        if key == "properties":
            out[key] = {name: _structural(child, defs) for name, child in value.items()}
        elif key == "items":
            out[key] = _structural(value, defs)
        elif key == "default":
            if value is not None:
                out[key] = _without_nulls(value)
        else:
            out[key] = value
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out["additionalProperties"] = _structural(extra, defs)
    _map_with_checked_keys(node, out, defs)
    if "enum" in out and "type" not in out:
        out["type"] = "string" if all(isinstance(v, str) for v in out["enum"]) else "integer"
    if "properties" in out or "additionalProperties" in out:
        out["type"] = "object"
    return out


def schema_of(model: type[OpenDataHubSpec] | type[OpenDataHubStatus]) -> Schema:
    """The structural schema of one pydantic model, with defaults and bounds."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    return _structural(raw, raw.get("$defs", {}))


def crd() -> dict[str, Any]:
    """The OpenDataHub CustomResourceDefinition."""
    spec_schema = schema_of(OpenDataHubSpec)
    spec_schema["default"] = {}
    root = {
        "type": "object",
        "description": "OpenDataHub installs and runs the Open Data Hub AI platform.",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema,
            "status": schema_of(OpenDataHubStatus),
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{resource.PLURAL}.{resource.GROUP}",
            "labels": {"app.kubernetes.io/part-of": "opendatahub", "app.kubernetes.io/name": "odh-operator"},
        },
        "spec": {
            "group": resource.GROUP,
            "names": {
                "kind": resource.KIND,
                "listKind": f"{resource.KIND}List",
                "plural": resource.PLURAL,
                "singular": resource.SINGULAR,
                "shortNames": resource.SHORT_NAMES,
                "categories": ["opendatahub"],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": resource.VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                        {"name": "Ready", "type": "string", "jsonPath": ".status.readyComponents",
                         "description": "Ready components out of those enabled"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    ],
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }
