"""The operator against a real control plane: converge, report, prune, heal, delete, restart."""

import copy
import signal
import time
from typing import Any

from odh_operator import labels
from odh_operator.diff import key_of
from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.platform import apply_odh
from testbed.harness import AuditLog, Operator, describe_request, wait_for
from testbed.platform import (
    conditions,
    expected,
    find,
    missing,
    odh_ref,
    status_of,
    wait_all_exist,
    wait_all_gone,
    wait_phase,
)

Object = dict[str, Any]


def light(namespace: str, name: str = "odh", **sections: dict[str, Any]) -> Object:
    """An OpenDataHub with the components that need no storage: quick to converge."""
    spec: dict[str, Any] = {"gpuDevicePlugin": {"enabled": True}, "aiLibrary": {"enabled": True},
                            "sparkOperator": {"enabled": True}}
    spec.update(sections)
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def versions(admin: Kube, objects: list[Object]) -> dict[Any, str]:
    """resourceVersion of each live object: unchanged means untouched."""
    return {key_of(o): (find(admin, o) or {}).get("metadata", {}).get("resourceVersion", "") for o in objects}


def test_full_example_converges_and_reports_each_component(
    cluster: Cluster, admin: Kube, operator: Operator, full_odh: Object
) -> None:
    apply_odh(cluster, full_odh)
    objects = expected(full_odh)
    wait_all_exist(admin, objects, timeout=120)
    wait_for("every component but Rook to be ready", lambda: all(
        c["status"] == "True" for t, c in conditions(admin, full_odh).items() if t not in ("RookCephReady", "Ready")
    ) and len(conditions(admin, full_odh)) == 7, timeout=120)
    rook = conditions(admin, full_odh)["RookCephReady"]
    assert (rook["status"], rook["reason"]) == ("False", "CephClusterNotReady"), "never Ready before Ceph is healthy"
    assert status_of(admin, full_odh)["phase"] == "Progressing"

    status = wait_phase(admin, full_odh, "Ready", ceph=True)
    assert status["readyComponents"] == "6/6"
    assert {c["type"] for c in status["conditions"]} == {
        "RookCephReady", "GpuDevicePluginReady", "SparkOperatorReady", "MonitoringReady", "JupyterHubReady",
        "AiLibraryReady", "Ready"}
    assert all(c["status"] == "True" for c in status["conditions"])

    uid = admin.get(odh_ref(full_odh))["metadata"]["uid"]  # type: ignore[index]
    for obj in objects:
        live = admin.get(obj)
        assert live is not None
        refs = live["metadata"].get("ownerReferences", [])
        same_namespace = live["metadata"].get("namespace") == full_odh["metadata"]["namespace"]
        is_data = obj["metadata"]["labels"].get(labels.DATA) == "true"
        if same_namespace and not is_data:
            assert [r["uid"] for r in refs] == [uid], key_of(obj)
        else:
            assert not refs, key_of(obj)

    pods = cluster.kubectl("get", "pods", "-n", full_odh["metadata"]["namespace"], "-l",
                           "app.kubernetes.io/name=nvidia-device-plugin", "-o",
                           "jsonpath={.items[*].spec.nodeName}").stdout.split()
    assert len(pods) == 1 and "gpu" in pods[0], f"device plugin must run on the GPU node only: {pods}"


def test_disabling_prunes_exactly_that_component_and_reenabling_restores_it(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = light(namespace, monitoring={"enabled": True})
    apply_odh(cluster, document)
    wait_phase(admin, document, "Ready")
    ai_objects = expected(document, "ai-library")
    disabled = copy.deepcopy(document)
    disabled["spec"]["aiLibrary"]["enabled"] = False
    # Everything the change leaves as it was (monitoring's scrape jobs and dashboards follow the models).
    unchanged = [o for o in expected(disabled) if o in expected(document)]
    assert any(o["metadata"]["labels"][labels.COMPONENT] == "spark-operator" for o in unchanged)
    others = [o for o in unchanged if o["metadata"]["labels"][labels.COMPONENT] != "ai-library"]
    before = versions(admin, others)

    apply_odh(cluster, disabled)
    wait_all_gone(admin, ai_objects)
    status = wait_phase(admin, disabled, "Ready")
    assert "AiLibraryReady" not in {c["type"] for c in status["conditions"]}
    assert versions(admin, others) == before, "pruning must touch nothing but the disabled component"

    no_monitoring = copy.deepcopy(disabled)
    no_monitoring["spec"]["monitoring"]["enabled"] = False
    apply_odh(cluster, no_monitoring)
    monitoring = expected(document, "monitoring")
    data = [o for o in monitoring if o["metadata"]["labels"].get(labels.DATA) == "true"]
    assert data, "monitoring keeps its metrics on a PVC"
    wait_all_gone(admin, [o for o in monitoring if o not in data])
    assert not missing(admin, data), "deletionPolicy Retain keeps the PVCs of a disabled component"

    apply_odh(cluster, document)
    wait_all_exist(admin, ai_objects + monitoring)
    wait_phase(admin, document, "Ready")


def test_deleted_or_edited_objects_are_restored(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = light(namespace)
    apply_odh(cluster, document)
    wait_phase(admin, document, "Ready")
    deployment = next(o for o in expected(document, "ai-library") if o["kind"] == "Deployment")
    name = deployment["metadata"]["name"]

    started = time.monotonic()
    cluster.kubectl("delete", "deployment", name, "-n", namespace, "--wait=false")
    wait_for("the deleted Deployment to come back", lambda: not missing(admin, [deployment]), timeout=30)
    healed_delete = time.monotonic() - started

    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]["name"]
    started = time.monotonic()
    cluster.kubectl("set", "image", f"deployment/{name}", f"{container}=evil.example.com/x:1", "-n", namespace)

    def image_restored() -> bool:
        live = admin.get(deployment) or {}
        return bool(live and live["spec"]["template"]["spec"]["containers"][0]["image"] == image)

    wait_for("the edited image to be restored", image_restored, timeout=30)
    healed_edit = time.monotonic() - started
    print(f"\nheal times: deleted Deployment {healed_delete:.1f}s, edited image {healed_edit:.1f}s")


def test_a_converged_resource_causes_no_writes_on_re_reconcile(
    cluster: Cluster, admin: Kube, operator: Operator, audit: AuditLog, namespace: str
) -> None:
    document = light(namespace, jupyterHub={"enabled": True}, monitoring={"enabled": True})
    apply_odh(cluster, document)
    wait_phase(admin, document, "Ready")
    time.sleep(3)  # let the last status and event writes land before counting

    mark = audit.mark()
    operator.restart()  # on start-up the operator reconciles every OpenDataHub it finds
    name = document["metadata"]["name"]

    def reconciled() -> bool:
        return operator.metric("odh_operator_reconcile_total", namespace=namespace, name=name, result="ok") >= 1

    wait_for("a full re-reconcile after the restart", reconciled, timeout=60)
    time.sleep(5)
    # This platform's writes: in its namespace, or cluster-scoped objects named after it (other tests'
    # platforms may still be tearing down meanwhile).
    writes = [describe_request(e) for e in audit.operator_requests(mark, writes_only=True)
              if e.get("objectRef", {}).get("namespace") == namespace
              or namespace in e.get("objectRef", {}).get("name", "")]
    assert writes == [], f"writes on an unchanged, converged resource: {writes}"
    # Its objects are read from the watches the operator holds anyway: no GET or namespaced LIST at all.
    reads = [describe_request(e) for e in audit.operator_requests(mark, writes_only=False)
             if e.get("objectRef", {}).get("namespace") == namespace and e.get("verb") in ("get", "list")]
    assert reads == [], f"a converged pass read from the API server: {reads}"


def test_deleting_the_resource_removes_everything_but_the_data_it_keeps(
    cluster: Cluster, admin: Kube, operator: Operator, full_odh: Object
) -> None:
    apply_odh(cluster, full_odh)
    objects = expected(full_odh)
    wait_all_exist(admin, objects, timeout=120)
    cluster.kubectl("delete", "odh", full_odh["metadata"]["name"], "-n", full_odh["metadata"]["namespace"],
                    "--timeout=120s")
    data = [o for o in objects if o["metadata"]["labels"].get(labels.DATA) == "true"]
    rest = [o for o in objects if o not in data and o["kind"] != "CustomResourceDefinition"]
    assert any(o["kind"] == "ClusterRole" for o in rest), "the example installs cluster-scoped objects"
    wait_all_gone(admin, rest)
    assert data and not missing(admin, data), "deletionPolicy Retain keeps PVCs and the Ceph cluster"


def test_deletion_policy_delete_removes_the_data_too(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = light(namespace, monitoring={"enabled": True}, deletionPolicy="Delete")
    apply_odh(cluster, document)
    objects = [o for o in expected(document) if o["kind"] != "CustomResourceDefinition"]
    wait_all_exist(admin, objects)
    cluster.kubectl("delete", "odh", "odh", "-n", namespace, "--timeout=120s")
    wait_all_gone(admin, objects)


def test_killed_in_the_middle_of_a_reconcile_the_operator_converges_after_restart(
    cluster: Cluster, admin: Kube, operator: Operator, full_odh: Object
) -> None:
    objects = expected(full_odh)
    first = objects[0]  # the first object a pass applies (a CRD): custom resources come seconds later
    apply_odh(cluster, full_odh)
    try:
        wait_for("the reconcile to be under way", lambda: find(admin, first), timeout=60, interval=0.02)
        operator.stop(signal.SIGKILL)
        assert missing(admin, objects), "the kill must land before the reconcile finished"
    finally:
        operator.start()  # whatever happened, the next tests need their operator
    wait_all_exist(admin, objects, timeout=120)
    wait_phase(admin, full_odh, "Ready", ceph=True)


def test_two_instances_never_touch_each_others_objects(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    other_namespace = f"{namespace}-b"
    cluster.kubectl("create", "namespace", other_namespace)
    try:
        first, second = light(namespace), light(other_namespace)
        apply_odh(cluster, first)
        apply_odh(cluster, second)
        wait_phase(admin, first, "Ready")
        wait_phase(admin, second, "Ready")
        theirs = [o for o in expected(second) if o["kind"] != "CustomResourceDefinition"]
        before = versions(admin, theirs)

        changed = copy.deepcopy(first)
        changed["spec"]["aiLibrary"]["enabled"] = False
        changed["spec"]["sparkOperator"]["enabled"] = False
        apply_odh(cluster, changed)
        dropped = expected(first, "ai-library") + expected(first, "spark-operator")
        wait_all_gone(admin, [o for o in dropped if o["kind"] != "CustomResourceDefinition"])
        cluster.kubectl("delete", "odh", "odh", "-n", namespace, "--timeout=120s")
        assert versions(admin, theirs) == before, "the other instance's objects must be untouched"
        assert status_of(admin, second)["phase"] == "Ready"
    finally:
        cluster.kubectl("delete", "namespace", other_namespace, "--wait=false", check=False)
