"""Every custom resource we render validates against the real upstream CRD schema, unknown fields included.

The API server prunes unknown fields of a custom resource silently (server-side apply warns at most), so a
misspelt Rook field would simply vanish; here each one fails. The end-to-end suite applies the same objects
to a real API server, which checks the rest (CEL rules, formats).
"""

from typing import Any

import jsonschema
import pytest

from odh_operator import static_manifests
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Instance
from odh_operator.components import spark_s3
from odh_operator.components.rook_ceph import COMPONENT, CRD_FILE
from odh_operator.render import render_component

Object = dict[str, Any]
INSTANCE = Instance(name="odh", namespace="lake")
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}


CRD_FILES = (CRD_FILE, "spark-operator/0050_crds.yaml")


def schema_of(api_version: str, kind: str) -> Object:
    group, version = api_version.split("/")
    for crd in (c for name in CRD_FILES for c in static_manifests.documents(name)):
        if crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind:
            for served in crd["spec"]["versions"]:
                if served["name"] == version:
                    schema: Object = served["schema"]["openAPIV3Schema"]
                    return schema
    raise AssertionError(f"no CRD serves {kind} in {api_version}")


def unknown_fields(value: Any, schema: Object, path: str = "") -> list[str]:
    """Fields the API server would prune, and values of the wrong type, as structural schemas define them."""
    if schema.get("x-kubernetes-int-or-string"):
        return [] if isinstance(value, (int, str)) else [f"{path}: not an int or string"]
    expected = TYPES.get(schema.get("type", ""))
    if expected and (not isinstance(value, expected) or (schema["type"] == "integer" and isinstance(value, bool))):
        return [f"{path}: {type(value).__name__}, schema says {schema['type']}"]
    found: list[str] = []
    if isinstance(value, dict) and not schema.get("x-kubernetes-preserve-unknown-fields"):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, child in value.items():
            if properties is not None and key in properties:
                found += unknown_fields(child, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                found += unknown_fields(child, extra, f"{path}.{key}")
            elif properties is not None or extra is False:
                found.append(f"{path}.{key}: unknown field")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, child in enumerate(value):
            found += unknown_fields(child, schema["items"], f"{path}[{index}]")
    return found


def check(obj: Object) -> None:
    schema = schema_of(obj["apiVersion"], obj["kind"])
    body = {k: v for k, v in obj.items() if k != "metadata"}
    problems = unknown_fields(body, {**schema, "properties": {**schema["properties"], "metadata": {}}})
    assert not problems, f"{obj['kind']}/{obj['metadata']['name']}: {problems}"
    jsonschema.Draft4Validator(schema).validate(obj)


VARIANTS = {
    "defaults": {},
    "full": {
        "monCount": 5, "mgrCount": 1,
        "placement": {"nodeSelector": {"storage": "ceph"},
                      "tolerations": [{"key": "storage", "operator": "Exists", "effect": "NoSchedule"}]},
        "storage": {"osdCount": 6, "osdSize": "100Gi", "storageClassName": "fast"},
        "objectStore": {"name": "lake", "user": "alice", "gatewayInstances": 2, "replicas": 1},
    },
    "all-devices": {"storage": {"mode": "devices", "useAllDevices": True}},
    "loop-device": {"monCount": 1, "storage": {"mode": "devices", "deviceFilter": "^loop0$", "allowLoopDevices": True},
                    "objectStore": {"replicas": 1}},
    "node-devices": {"storage": {"mode": "devices", "nodes": [{"name": "w1", "devices": ["sdb", "/dev/disk/by-id/x"]}]}},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rendered_ceph_resources_validate_against_rook_schemas(variant: str) -> None:
    spec = OpenDataHubSpec.model_validate({"rookCeph": {"enabled": True, **VARIANTS[variant]}}, by_alias=True)
    custom = [o for o in render_component(COMPONENT, spec, INSTANCE) if o["apiVersion"].endswith("ceph.rook.io/v1")]
    assert {o["kind"] for o in custom} == {"CephCluster", "CephObjectStore", "CephObjectStoreUser"}
    for obj in custom:
        check(obj)


def test_the_check_catches_a_misspelt_field() -> None:
    spec = OpenDataHubSpec.model_validate({"rookCeph": {"enabled": True}}, by_alias=True)
    cluster = next(o for o in render_component(COMPONENT, spec, INSTANCE) if o["kind"] == "CephCluster")
    cluster["spec"]["storage"]["useAllDevice"] = True
    cluster["spec"]["mon"]["count"] = "3"
    with pytest.raises(AssertionError) as caught:
        check(cluster)
    assert ".spec.storage.useAllDevice: unknown field" in str(caught.value)
    assert ".spec.mon.count: str, schema says integer" in str(caught.value)


def test_a_spark_application_with_the_data_lake_settings_validates_against_the_chart_schema() -> None:
    """The shape notebooks submit (tests/e2e/test_notebooks.py) with the sparkConf the platform gives them."""
    spec = OpenDataHubSpec.model_validate(
        {"rookCeph": {"enabled": True}, "sparkOperator": {"enabled": True}, "jupyterHub": {"enabled": True}},
        by_alias=True,
    )
    application = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
        "metadata": {"name": "pi", "namespace": "lake"},
        "spec": {
            "type": "Python", "mode": "cluster", "sparkVersion": "4.0.1", "image": "docker.io/library/spark:4.0.1",
            "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
            "sparkConf": spark_s3.application_conf(spec, "lake", "lake"),
            "driver": {"cores": 1, "memory": "512m", "serviceAccount": "spark"},
            "executor": {"instances": 1, "cores": 1, "memory": "512m"},
        },
    }
    assert application["spec"]["sparkConf"]
    check(application)
    application["spec"]["driver"]["serviceAcount"] = "typo"
    with pytest.raises(AssertionError, match="serviceAcount: unknown field"):
        check(application)
