"""The OpenDataHub models: defaults, validation errors that name the field, and the generated CRD."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from odh_operator.api.crd import crd
from odh_operator.api.resource import InvalidResource, parse, parse_spec
from odh_operator.api.spec import ALL_MODELS, OpenDataHubSpec
from odh_operator.resources import crds_dir

COMMITTED_CRD = Path(__file__).resolve().parents[2] / "crds" / "opendatahub.io_opendatahubs.yaml"


def odh(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub", "metadata": {"name": "x"}, "spec": spec}


def test_defaults_leave_every_component_off_and_retain_data() -> None:
    spec = OpenDataHubSpec()
    sections = [spec.rook_ceph, spec.spark_operator, spec.jupyter_hub, spec.monitoring,
                spec.gpu_device_plugin, spec.ai_library]
    assert [s.enabled for s in sections] == [False] * 6
    assert spec.deletion_policy == "Retain"
    assert spec.ai_library.models == ALL_MODELS
    # GPU nodes are chosen by the device plugin's node affinity (NFD or manual label); placement adds to it.
    assert spec.gpu_device_plugin.placement.node_selector == {}
    assert [t.key for t in spec.gpu_device_plugin.placement.tolerations] == ["nvidia.com/gpu"]


def test_defaults_are_not_shared_between_instances() -> None:
    first, second = OpenDataHubSpec(), OpenDataHubSpec()
    first.jupyter_hub.placement.node_selector["zone"] = "a"
    assert second.jupyter_hub.placement.node_selector == {}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"jupyterHub": {"replicas": 2}}, "spec.jupyterHub.replicas: unknown field"),
        ({"sparkOperator": {"replicas": "two"}}, "spec.sparkOperator.replicas: Input should be a valid integer"),
        ({"rookCeph": {"monCount": 2}}, "spec.rookCeph.monCount: Input should be 1, 3 or 5"),
        ({"aiLibrary": {"models": ["nope"]}}, "spec.aiLibrary.models[0]: Input should be"),
        ({"monitoring": {"prometheus": {"storage": {"size": "lots"}}}}, "spec.monitoring.prometheus.storage.size:"),
        ({"deletionPolicy": "Sometimes"}, "spec.deletionPolicy: Input should be 'Retain' or 'Delete'"),
        ({"rook_ceph": {}}, "spec.rook_ceph: unknown field"),
    ],
)
def test_invalid_input_names_the_field(spec: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        parse(odh(spec))
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidResource) as caught:
        parse(odh({"jupyterHub": {"enabled": "maybe"}, "aiLibrary": {"replicas": -1}}))
    assert len(caught.value.problems) == 2


def test_wrong_kind_and_non_mapping_are_rejected() -> None:
    with pytest.raises(InvalidResource, match="kind"):
        parse({**odh({}), "kind": "Notebook"})
    with pytest.raises(InvalidResource, match="expected a mapping"):
        parse(["not", "an", "object"])


def test_parse_spec_prefixes_paths_with_spec() -> None:
    with pytest.raises(InvalidResource) as caught:
        parse_spec({"monitoring": {"enabled": 3}})
    assert caught.value.problems[0].startswith("spec.monitoring.enabled:")


def test_committed_crd_is_generated_from_the_models() -> None:
    committed = yaml.safe_load(COMMITTED_CRD.read_text())
    assert committed == crd(), "crds/ is stale: run `odh-operator crd > crds/opendatahub.io_opendatahubs.yaml`"
    assert crds_dir() == COMMITTED_CRD.parent


def _walk(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    nodes = [(path, schema)]
    for name, child in schema.get("properties", {}).items():
        nodes += _walk(child, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        nodes += _walk(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        nodes += _walk(schema["additionalProperties"], f"{path}{{}}")
    return nodes


def test_crd_schema_is_structural() -> None:
    version = crd()["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    for path, node in _walk(schema):
        assert "type" in node, f"{path} has no type"
        assert not {"$ref", "anyOf", "oneOf", "allOf", "title", "exclusiveMinimum", "uniqueItems"} & node.keys(), path
        assert not ("properties" in node and "additionalProperties" in node), path
    assert version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == ["Phase", "Ready", "Age"]


def test_crd_carries_enums_bounds_and_defaults() -> None:
    spec = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    rook = spec["properties"]["rookCeph"]["properties"]
    assert rook["monCount"]["enum"] == [1, 3, 5]
    assert rook["monCount"]["default"] == 3
    storage = rook["storage"]["properties"]
    assert (storage["osdCount"]["minimum"], storage["osdCount"]["maximum"]) == (1, 100)
    assert spec["properties"]["deletionPolicy"]["enum"] == ["Retain", "Delete"]
    assert "default" not in rook["operatorImage"], "image defaults belong to the operator, not to stored specs"
    assert spec["properties"]["gpuDevicePlugin"]["default"]["placement"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
