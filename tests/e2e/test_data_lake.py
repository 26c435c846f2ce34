"""The data lake's storage modes and small-cluster checks on the real API server (three schedulable nodes)."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.platform import CEPH, apply_odh, conditions, find, status_of
from testbed.harness import Operator, wait_for

Object = dict[str, Any]
SMALL = {"monCount": 1, "mgrCount": 1, "objectStore": {"replicas": 1}}


def data_lake(namespace: str, **rook: Any) -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": "odh", "namespace": namespace},
            "spec": {"deletionPolicy": "Retain", "rookCeph": {"enabled": True, **rook}}}


@pytest.fixture(autouse=True)
def delete_platform_afterwards(cluster: Cluster, namespace: str) -> Iterator[None]:
    """Tear the platform down before the next test, so no teardown runs on in the background of later tests."""
    yield
    cluster.kubectl("delete", "odh", "--all", "-n", namespace, "--timeout=120s", check=False, timeout=150)


def rook_condition(admin: Kube, document: Object, reason: str) -> Object:
    def reported() -> Object | None:
        found = conditions(admin, document).get("RookCephReady")
        return found if found and found["reason"] == reason else None

    return wait_for(f"RookCephReady with reason {reason}", reported, timeout=120)


@pytest.fixture
def local_path_class(cluster: Cluster) -> Iterator[str]:
    """A StorageClass like kind's default: rancher.io/local-path, which cannot provision block volumes."""
    name = f"local-path-{uuid.uuid4().hex[:6]}"
    body = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
            "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(body))
    yield name
    cluster.kubectl("delete", "storageclass", name, "--wait=false", check=False)


def test_pvc_mode_on_a_class_that_cannot_provision_block_volumes_says_so(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, local_path_class: str
) -> None:
    document = data_lake(namespace, **SMALL, storage={"storageClassName": local_path_class})
    apply_odh(cluster, document)
    condition = rook_condition(admin, document, "StorageClassNotBlockCapable")
    assert condition["status"] == "False"
    assert f"StorageClass {local_path_class} (provisioner rancher.io/local-path)" in condition["message"]
    assert "mode devices" in condition["message"]
    status = status_of(admin, document)
    assert status["phase"] == "Degraded"
    assert status["dataLake"]["storageMode"] == "pvc"
    assert status["dataLake"]["storageClassName"] == local_path_class


def test_devices_mode_renders_a_cluster_on_node_devices(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    storage = {"mode": "devices", "deviceFilter": "^loop0$", "allowLoopDevices": True}
    document = data_lake(namespace, **SMALL, storage=storage)
    apply_odh(cluster, document)
    ref = {"apiVersion": CEPH, "kind": "CephCluster", "metadata": {"name": "rook-ceph", "namespace": namespace}}
    stored = wait_for("the CephCluster", lambda: find(admin, ref), timeout=120)
    assert stored["spec"]["storage"]["deviceFilter"] == "^loop0$", "kept by Rook's real schema, not pruned"
    assert stored["spec"]["storage"]["useAllNodes"] is True
    assert "storageClassDeviceSets" not in stored["spec"]["storage"]
    config = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "rook-ceph-operator-config", "namespace": namespace}}
    assert (find(admin, config) or {}).get("data", {}).get("ROOK_CEPH_ALLOW_LOOP_DEVICES") == "true"
    condition = rook_condition(admin, document, "CephClusterNotReady")  # no storage complaint: waits for Ceph
    assert condition["status"] == "False"
    lake = status_of(admin, document)["dataLake"]
    assert lake == {"storageMode": "devices", "monCount": 1, "replicas": 1, "schedulableNodes": 3}


def test_more_monitors_than_schedulable_nodes_is_reported_not_waited_for(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = data_lake(namespace, monCount=5, mgrCount=1)
    apply_odh(cluster, document)
    condition = rook_condition(admin, document, "InsufficientNodes")
    assert "monCount 5 needs 5 schedulable nodes" in condition["message"]
    assert "3 schedulable for the data lake" in condition["message"]
    assert status_of(admin, document)["dataLake"]["schedulableNodes"] == 3


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ({"useAllDevices": True}, "apply only to mode: devices"),
        ({"mode": "devices"}, "needs one of useAllDevices"),
        ({"mode": "devices", "useAllDevices": True, "deviceFilter": "^sd"}, "alternatives"),
        ({"mode": "devices", "useAllDevices": True, "storageClassName": "fast"}, "storageClassName applies only"),
    ],
)
def test_contradictory_storage_settings_are_refused_by_the_api_server(
    cluster: Cluster, namespace: str, storage: Object, message: str
) -> None:
    document = data_lake(namespace, storage=storage)
    result = cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(document), check=False)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "spec.rookCeph.storage" in result.stderr


def test_more_copies_than_osds_is_refused_by_the_api_server(cluster: Cluster, namespace: str) -> None:
    document = data_lake(namespace, storage={"osdCount": 1})
    result = cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(document), check=False)
    assert result.returncode != 0 and "objectStore.replicas must not exceed storage.osdCount" in result.stderr
