"""Ownership, retention of data, and which objects pruning picks."""

from typing import Any

from odh_operator import labels
from odh_operator.apply import generated_keys, missing_secret_data, stale
from odh_operator.diff import key_of
from odh_operator.ownership import belongs_to_other, deletion_order, owned

ODH = {"metadata": {"name": "odh", "namespace": "team", "uid": "1234"}}


def obj(kind: str, name: str, namespace: str | None = "team", data: bool = False, api: str = "v1") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": {labels.OWNER: "team.odh"}}
    if namespace:
        meta["namespace"] = namespace
    if data:
        meta["labels"][labels.DATA] = "true"
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def test_same_namespace_objects_get_a_controller_owner_reference() -> None:
    result = owned(obj("ConfigMap", "c"), ODH, cluster_scoped=False, deletion_policy="Retain")
    (ref,) = result["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == ("OpenDataHub", "odh", "1234", True)


def test_cluster_scoped_and_cross_namespace_objects_get_none() -> None:
    role = obj("ClusterRole", "r", namespace=None, api="rbac.authorization.k8s.io/v1")
    assert "ownerReferences" not in owned(role, ODH, cluster_scoped=True, deletion_policy="Retain")["metadata"]
    elsewhere = obj("ServiceAccount", "spark", namespace="jobs")
    assert "ownerReferences" not in owned(elsewhere, ODH, cluster_scoped=False, deletion_policy="Retain")["metadata"]


def test_data_is_unowned_when_retained_and_owned_when_delete() -> None:
    pvc = obj("PersistentVolumeClaim", "hub-db", data=True)
    assert "ownerReferences" not in owned(pvc, ODH, cluster_scoped=False, deletion_policy="Retain")["metadata"]
    assert owned(pvc, ODH, cluster_scoped=False, deletion_policy="Delete")["metadata"]["ownerReferences"]


def test_stale_picks_dropped_objects_but_never_retained_data() -> None:
    keep, drop, pvc = obj("ConfigMap", "keep"), obj("ConfigMap", "drop"), obj("PersistentVolumeClaim", "d", data=True)
    going = obj("ConfigMap", "going")
    going["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    live = [keep, drop, pvc, going]
    assert stale(live, {key_of(keep)}, "Retain") == [drop]
    assert stale(live, {key_of(keep)}, "Delete") == [drop, pvc]


def test_objects_of_another_instance_are_recognised() -> None:
    live = obj("ConfigMap", "c")
    assert belongs_to_other(live, "team.odh") is None
    assert belongs_to_other(live, "other.odh") == "team.odh"
    assert belongs_to_other({"metadata": {}}, "team.odh") is None


def test_custom_resources_are_deleted_before_workloads_and_config() -> None:
    ordered = deletion_order([obj("ConfigMap", "c"), obj("Deployment", "d", api="apps/v1"),
                              obj("CephCluster", "ceph", api="ceph.rook.io/v1")])
    assert [o["kind"] for o in ordered] == ["CephCluster", "Deployment", "ConfigMap"]


def test_generated_secret_keys_are_made_once() -> None:
    secret = obj("Secret", "s")
    secret["metadata"]["annotations"] = {"opendatahub.io/generate-keys": "token, cookie"}
    assert generated_keys(secret) == ["token", "cookie"]
    fresh = missing_secret_data(secret, None)
    assert set(fresh) == {"token", "cookie"} and fresh["token"] != fresh["cookie"]
    assert missing_secret_data(secret, {"data": fresh}) == {}
    assert set(missing_secret_data(secret, {"data": {"token": "x"}})) == {"cookie"}
