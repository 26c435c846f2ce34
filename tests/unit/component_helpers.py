"""Helpers shared by the per-component rendering tests."""

from typing import Any

import yaml

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Instance
from tests.conftest import EXAMPLES

Object = dict[str, Any]
INSTANCE = Instance(name="odh", namespace="opendatahub")


def full_spec() -> OpenDataHubSpec:
    """The spec of examples/opendatahub-full.yaml."""
    document = yaml.safe_load((EXAMPLES / "opendatahub-full.yaml").read_text())
    return OpenDataHubSpec.model_validate(document["spec"], by_alias=True)


def spec_with(key: str, section: dict[str, Any], **top: Any) -> OpenDataHubSpec:
    """A spec with one component section enabled (camelCase ``key``) plus top-level fields."""
    return OpenDataHubSpec.model_validate({key: {"enabled": True, **section}, **top}, by_alias=True)


def find(objects: list[Object], kind: str, name: str) -> Object:
    """The one object of this kind and name."""
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]
