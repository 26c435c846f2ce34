"""The operator process itself: failure isolation with retries, and one active replica among peers."""

import copy
import time
from pathlib import Path
from typing import Any

import pytest

from odh_operator.kube import Kube
from odh_operator.tenancy import consent_label
from testbed.control_plane import Cluster
from testbed.platform import apply_odh, conditions, expected, missing, wait_phase
from testbed.harness import Operator, wait_for
from tests.e2e.test_lifecycle import light


def test_one_failing_component_does_not_stop_the_others_and_recovers(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    jobs = f"{namespace}-jobs"  # a namespace that does not exist yet: Spark's job RBAC cannot go there
    document = light(namespace, sparkOperator={"enabled": True, "jobNamespaces": [jobs]})
    apply_odh(cluster, document)

    def spark_failed(says: str) -> dict[str, Any] | None:
        found = conditions(admin, document).get("SparkOperatorReady")
        return found if found and found["reason"] == "NamespaceNotPermitted" and says in found["message"] else None

    failed = wait_for("SparkOperatorReady to report the failure", lambda: spark_failed("does not exist"), timeout=60)
    assert f"label it {consent_label(namespace, 'odh')}" in failed["message"], failed["message"]
    wait_for("the other components to become ready regardless", lambda: all(
        conditions(admin, document).get(t, {}).get("status") == "True"
        for t in ("GpuDevicePluginReady", "AiLibraryReady")), timeout=60)
    status = wait_phase(admin, document, "Degraded")
    assert "SparkOperatorReady" in {c["type"]: c for c in status["conditions"]}["Ready"]["message"]

    cluster.kubectl("create", "namespace", jobs)
    try:
        wait_for("the namespace's missing consent to be reported", lambda: spark_failed("has not accepted"), timeout=60)
        cluster.kubectl("label", "namespace", jobs, consent_label(namespace, "odh"))
        wait_phase(admin, document, "Ready", timeout=90)  # woken by the label, without any new spec
    finally:
        cluster.kubectl("delete", "namespace", jobs, "--wait=false", check=False)


def test_only_the_highest_priority_replica_works(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    standby = Operator(operator.kubeconfig, tmp_path / "standby.log", priority=operator.priority - 1)
    standby.start()
    try:
        wait_for("the standby to register as a peer", lambda: str(standby.priority) in cluster.kubectl(
            "get", "clusterkopfpeering", "odh-operator", "-o", "jsonpath={.status}").stdout, timeout=30)
        time.sleep(3)
        assert "Resuming operations" not in standby.log.read_text(), "a lower-priority replica must stay paused"
        operator.stop()  # a graceful stop leaves the peering at once; the standby takes over
        wait_for("the standby to resume", lambda: "Resuming operations" in standby.log.read_text(), timeout=30)
        document = light(namespace)
        apply_odh(cluster, document)
        wait_phase(admin, document, "Ready")
        assert not missing(admin, [o for o in expected(document) if o["kind"] != "CustomResourceDefinition"])
    finally:
        standby.stop()
        operator.start()
    again = copy.deepcopy(document)
    again["spec"]["aiLibrary"]["enabled"] = False
    apply_odh(cluster, again)
    wait_phase(admin, again, "Ready")


@pytest.fixture(autouse=True)
def _operator_running(operator: Operator) -> None:
    """Every test here starts with the session's operator up (the peering test stops it for a while)."""
    if operator.process is None:
        operator.start()
