"""The API server itself rejects invalid OpenDataHub resources through the generated CRD schema."""

from typing import Any

import pytest
import yaml

from testbed.control_plane import Cluster


def odh(namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": "bad", "namespace": namespace}, "spec": spec}


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"sparkOperator": {"replicas": "two"}}, "spec.sparkOperator.replicas"),
        ({"deletionPolicy": "Sometimes"}, "spec.deletionPolicy"),
        ({"rookCeph": {"monCount": 4}}, "spec.rookCeph.monCount"),
        ({"rookCeph": {"storage": {"osdCount": 0}}}, "spec.rookCeph.storage.osdCount"),
        ({"jupyterHub": {"notebook": {"gpus": 99}}}, "spec.jupyterHub.notebook.gpus"),
        ({"aiLibrary": {"models": ["astrology"]}}, "spec.aiLibrary.models[0]"),
        ({"monitoring": {"prometheus": {"storage": {"size": "lots"}}}}, "spec.monitoring.prometheus.storage.size"),
        ({"jupyterHub": {"replicas": 2}}, "jupyterHub.replicas"),
    ],
)
def test_invalid_resources_are_rejected_by_the_api_server(
    cluster: Cluster, namespace: str, spec: dict[str, Any], field: str
) -> None:
    result = cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(odh(namespace, spec)), check=False)
    assert result.returncode != 0, result.stdout
    assert field in result.stderr, result.stderr
    listed = cluster.kubectl("get", "opendatahubs", "-n", namespace, "-o", "name").stdout
    assert listed.strip() == "", "a rejected resource must not be stored"


def test_a_valid_resource_is_stored_with_schema_defaults(cluster: Cluster, namespace: str) -> None:
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(odh(namespace, {"jupyterHub": {"enabled": True}})))
    stored = yaml.safe_load(cluster.kubectl("get", "odh", "bad", "-n", namespace, "-o", "yaml").stdout)
    assert stored["spec"]["deletionPolicy"] == "Retain"
    assert stored["spec"]["jupyterHub"]["culling"]["timeoutSeconds"] == 3600
    assert stored["spec"]["rookCeph"]["enabled"] is False
    assert "operatorImage" not in stored["spec"]["rookCeph"], "image defaults stay with the operator"
    cluster.kubectl("delete", "odh", "bad", "-n", namespace, "--wait=false")
