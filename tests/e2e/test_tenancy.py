"""Hostile OpenDataHubs on the real API server: what a namespace editor's spec can make the operator write.

The operator acts with rights far wider than whoever creates an OpenDataHub, so a spec reaches only its own
namespace and namespaces whose owners accepted it; and an object that is not the operator's is never
overwritten, adopted or deleted, whatever its name.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from odh_operator.install_names import DEFAULT_NAMESPACE
from odh_operator.kube import Kube
from odh_operator.tenancy import consent_label
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.platform import apply_odh, conditions, wait_phase
from tests.e2e.conftest import fresh_namespace
from tests.e2e.test_lifecycle import light

Object = dict[str, Any]
OURS = "app.kubernetes.io/managed-by=odh-operator"


@pytest.fixture
def jobs(cluster: Cluster) -> Iterator[str]:
    """A namespace of someone else's, which a spec names for Spark jobs."""
    yield from fresh_namespace(cluster, "e2e-jobs")


def refused(admin: Kube, document: Object, condition: str, says: str) -> Object | None:
    found = conditions(admin, document).get(condition)
    return found if found and found["reason"] == "NamespaceNotPermitted" and says in found["message"] else None


def ours_in(cluster: Cluster, namespace: str) -> str:
    """Every object of the operator's in a namespace (of the kinds a component writes to job namespaces)."""
    return cluster.kubectl("get", "serviceaccounts,roles,rolebindings,configmaps", "-n", namespace, "-l", OURS,
                           "-o", "name").stdout.strip()


@pytest.mark.parametrize("target, why", [
    ("kube-system", "namespace kube-system is a system namespace: no OpenDataHub writes there"),
    (DEFAULT_NAMESPACE, f"namespace {DEFAULT_NAMESPACE} is the operator's own: no OpenDataHub writes there"),
])
def test_a_spec_naming_a_system_or_the_operators_namespace_writes_nothing_there(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, target: str, why: str,
) -> None:
    """Even labelled as accepting the platform: those namespaces are never accepted."""
    cluster.kubectl("create", "namespace", target, check=False)
    cluster.kubectl("label", "namespace", target, consent_label(namespace, "odh"), "--overwrite")
    try:
        document = light(namespace, sparkOperator={"enabled": True, "jobNamespaces": [namespace, target]},
                         jupyterHub={"enabled": True})
        apply_odh(cluster, document)
        found = wait_for("SparkOperatorReady to refuse the namespace",
                         lambda: refused(admin, document, "SparkOperatorReady", why), timeout=60)
        assert found["message"].startswith("sparkOperator: ")
        assert refused(admin, document, "JupyterHubReady", why)  # the notebooks' Spark Role would go there too
        assert ours_in(cluster, target) == ""
        assert "spark-operator" not in cluster.kubectl("get", "deployments", "-n", namespace, "-o", "name").stdout
        status = wait_phase(admin, document, "Degraded")
        assert "SparkOperatorReady" in {c["type"]: c for c in status["conditions"]}["Ready"]["message"]
    finally:
        cluster.kubectl("label", "namespace", target, "opendatahub.io/accepts-", check=False)


def test_a_namespace_gets_objects_only_once_its_owner_accepts_the_platform_and_only_that_one(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, jobs: str,
) -> None:
    document = light(namespace, sparkOperator={"enabled": True, "jobNamespaces": [jobs]})
    apply_odh(cluster, document)
    wait_for("the missing consent reported", lambda: refused(
        admin, document, "SparkOperatorReady", f"its owner must label it {consent_label(namespace, 'odh')}"), timeout=60)
    cluster.kubectl("label", "namespace", jobs, "opendatahub.io/accepts=someone-else.odh")
    wait_for("another platform's consent named", lambda: refused(
        admin, document, "SparkOperatorReady", f"namespace {jobs} accepts OpenDataHub someone-else.odh"), timeout=60)
    assert ours_in(cluster, jobs) == ""
    cluster.kubectl("label", "namespace", jobs, consent_label(namespace, "odh"), "--overwrite")
    wait_phase(admin, document, "Ready", timeout=120)
    written = ours_in(cluster, jobs)
    assert "serviceaccount/spark" in written and "role.rbac.authorization.k8s.io/spark-driver" in written


def test_objects_that_are_not_ours_are_left_byte_for_byte(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str,
) -> None:
    """A Deployment and a ConfigMap someone made with the names the hub renders: reported as a conflict, never
    overwritten, adopted or deleted (not by the pass, not by deleting the platform)."""
    theirs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "jupyterhub-hub-config", "namespace": namespace},
         "data": {"owner": "a colleague"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "jupyterhub-hub", "namespace": namespace},
         "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "theirs"}},
                  "template": {"metadata": {"labels": {"app": "theirs"}},
                               "spec": {"containers": [{"name": "c", "image": "example.com/theirs:1"}]}}}},
    ]
    cluster.kubectl("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": theirs}))

    def snapshot() -> list[Object]:
        return [json.loads(cluster.kubectl("get", o["kind"].lower(), o["metadata"]["name"], "-n", namespace,
                                           "-o", "json").stdout) for o in theirs]

    before = snapshot()
    document = light(namespace, jupyterHub={"enabled": True})
    apply_odh(cluster, document)

    seen: list[Object] = []

    def conflict() -> Object | None:
        seen.append(conditions(admin, document))
        found = seen[-1].get("JupyterHubReady")
        return found if found and found["reason"] == "ConflictingInstallation" else None

    try:
        found = wait_for("JupyterHubReady to report the conflict", conflict, timeout=90)
    except AssertionError:
        raise AssertionError(f"conditions: {seen[-1:]}") from None
    assert f"ConfigMap/{namespace}/jupyterhub-hub-config exists and was not installed by the odh-operator" \
        in found["message"], found["message"]
    assert snapshot() == before
    cluster.kubectl("delete", "opendatahub", "odh", "-n", namespace)
    wait_for("the platform to be gone", lambda: cluster.kubectl(
        "get", "opendatahub", "odh", "-n", namespace, check=False).returncode != 0, timeout=120)
    assert snapshot() == before
