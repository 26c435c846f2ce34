"""The data lake's fit to the cluster: nodes for mons, mgrs and copies, and block-capable storage, in status."""

from typing import Any

import pytest

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components.base import Instance
from odh_operator.components.rook_ceph import COMPONENT
from odh_operator.render import render_component

Object = dict[str, Any]
INSTANCE = Instance(name="odh", namespace="lake")


def node(name: str, ready: bool = True, labels: dict[str, str] | None = None, taints: list[Object] | None = None,
         unschedulable: bool = False) -> Object:
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": {"taints": taints or [], "unschedulable": unschedulable},
        "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


def storage_class(name: str, provisioner: str, default: bool = False) -> Object:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"metadata": {"name": name, "annotations": annotations}, "provisioner": provisioner}


BLOCK = storage_class("ceph-block", "ebs.csi.aws.com", default=True)
LOCAL_PATH = storage_class("standard", "rancher.io/local-path", default=True)
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def kind_like(workers: int = 2, classes: tuple[Object, ...] = (BLOCK,)) -> ClusterFacts:
    """A kind cluster: a tainted control-plane node and ``workers`` workers."""
    nodes = [node("kind-control-plane", taints=[CONTROL_PLANE_TAINT])]
    nodes += [node(f"kind-worker{i or ''}") for i in range(workers)]
    return ClusterFacts(nodes=tuple(nodes), storage_classes=classes)


def applied(**rook: Any) -> list[Object]:
    """The rendered objects as they would be observed right after applying (Ceph not reporting yet)."""
    spec = OpenDataHubSpec.model_validate({"rookCeph": {"enabled": True, **rook}}, by_alias=True)
    return render_component(COMPONENT, spec, INSTANCE)


SMALL = {"monCount": 1, "mgrCount": 1, "objectStore": {"replicas": 1}}


def test_three_mons_on_two_schedulable_nodes_is_an_error_naming_both_numbers() -> None:
    result = COMPONENT.readiness(applied(), kind_like(workers=2))
    assert (result.state, result.reason) == ("Error", "InsufficientNodes")
    assert "monCount 3 needs 3 schedulable nodes" in result.message
    assert "2 schedulable for the data lake (kind-worker, kind-worker1)" in result.message
    assert "objectStore.replicas 3" in result.message and "mgrCount" not in result.message
    assert result.details["dataLake"] == {
        "storageMode": "pvc", "storageClassName": "ceph-block", "monCount": 3, "replicas": 3, "schedulableNodes": 2,
    }


def test_small_cluster_settings_fit_two_nodes_and_then_wait_for_ceph() -> None:
    result = COMPONENT.readiness(applied(**SMALL), kind_like(workers=2))
    assert result.state == "NotReady" and result.reason == "WorkloadsNotReady"
    assert result.details["dataLake"]["monCount"] == 1 and result.details["dataLake"]["replicas"] == 1


def test_enough_nodes_for_the_defaults() -> None:
    result = COMPONENT.readiness(applied(), kind_like(workers=3))
    assert result.state == "NotReady", result.message


@pytest.mark.parametrize(
    "unfit",
    [node("n", ready=False), node("n", unschedulable=True), node("n", taints=[{"key": "x", "effect": "NoExecute"}]),
     node("n", labels={"storage": "other"})],
)
def test_nodes_the_daemons_cannot_use_do_not_count(unfit: Object) -> None:
    facts = ClusterFacts(nodes=(node("a", labels={"storage": "ceph"}), unfit), storage_classes=(BLOCK,))
    result = COMPONENT.readiness(applied(monCount=3, placement={"nodeSelector": {"storage": "ceph"}}), facts)
    assert result.reason == "InsufficientNodes" and "1 schedulable for the data lake (a)" in result.message


def test_tolerated_taints_and_matching_labels_count() -> None:
    taint = {"key": "storage", "value": "ceph", "effect": "NoSchedule"}
    facts = ClusterFacts(
        nodes=tuple(node(f"s{i}", labels={"storage": "ceph"}, taints=[taint]) for i in range(3)),
        storage_classes=(BLOCK,),
    )
    placement = {"nodeSelector": {"storage": "ceph"},
                 "tolerations": [{"key": "storage", "operator": "Equal", "value": "ceph", "effect": "NoSchedule"}]}
    assert COMPONENT.readiness(applied(placement=placement), facts).reason != "InsufficientNodes"
    assert COMPONENT.readiness(applied(), facts).reason == "InsufficientNodes", "untolerated taint"


def test_more_copies_than_osds_on_distinct_nodes() -> None:
    nodes = {"mode": "devices", "nodes": [{"name": "kind-worker", "devices": ["loop0"]}], "allowLoopDevices": True}
    result = COMPONENT.readiness(applied(monCount=1, mgrCount=1, storage=nodes, objectStore={"replicas": 2}),
                                 kind_like(workers=2))
    assert result.reason == "InsufficientNodes"
    assert "objectStore.replicas 2 needs OSDs on 2 nodes" in result.message and "OSDs can be on 1" in result.message


def test_local_path_default_class_cannot_hold_osds() -> None:
    result = COMPONENT.readiness(applied(**SMALL), kind_like(classes=(LOCAL_PATH,)))
    assert (result.state, result.reason) == ("Error", "StorageClassNotBlockCapable")
    assert "default StorageClass standard (provisioner rancher.io/local-path)" in result.message
    assert "mode devices" in result.message


def test_named_class_that_cannot_provision_block() -> None:
    classes = (BLOCK, storage_class("local", "rancher.io/local-path"))
    result = COMPONENT.readiness(applied(**SMALL, storage={"storageClassName": "local"}), kind_like(classes=classes))
    assert result.reason == "StorageClassNotBlockCapable" and "StorageClass local " in result.message


def test_missing_named_class_and_missing_default() -> None:
    named = COMPONENT.readiness(applied(**SMALL, storage={"storageClassName": "fast"}), kind_like())
    assert (named.state, named.reason) == ("Error", "StorageClassNotFound") and "fast" in named.message
    no_default = (storage_class("slow", "ebs.csi.aws.com"),)
    unset = COMPONENT.readiness(applied(**SMALL), kind_like(classes=no_default))
    assert unset.reason == "NoDefaultStorageClass"


def test_devices_mode_needs_no_storage_class() -> None:
    devices = {"mode": "devices", "deviceFilter": "^loop0$", "allowLoopDevices": True}
    result = COMPONENT.readiness(applied(**SMALL, storage=devices), kind_like(classes=(LOCAL_PATH,)))
    assert result.state == "NotReady", result.message
    assert result.details["dataLake"] == {"storageMode": "devices", "monCount": 1, "replicas": 1, "schedulableNodes": 2}


def test_without_cluster_facts_nothing_is_judged() -> None:
    result = COMPONENT.readiness(applied(), NO_FACTS)
    assert result.state == "NotReady" and result.details == {}


def test_a_healthy_ceph_on_a_fitting_cluster_is_ready() -> None:
    observed = applied(**SMALL)
    for obj in observed:
        if obj["kind"] == "CephCluster":
            obj["status"] = {"phase": "Ready", "ceph": {"health": "HEALTH_OK"}}
        elif obj["kind"] == "CephObjectStore":
            obj["status"] = {"phase": "Ready"}
        elif obj["kind"] == "Deployment":
            obj["status"] = {"availableReplicas": 1, "updatedReplicas": 1}
    result = COMPONENT.readiness(observed, kind_like(workers=1))
    assert result.ready, result.message
    assert result.details["dataLake"]["schedulableNodes"] == 1
