"""Ownership, retention of data, and which objects pruning picks."""

from typing import Any

from odh_operator import labels
from odh_operator.apply import generated_keys, missing_secret_data, stale
from odh_operator.diff import key_of
from odh_operator.ownership import deletion_order, not_ours, owned

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


def test_only_objects_carrying_our_inventory_label_are_ours() -> None:
    ours = obj("ConfigMap", "c")
    assert not_ours(ours, ours) is None
    theirs = obj("ConfigMap", "c")
    theirs["metadata"]["labels"][labels.OWNER] = "other.odh"
    assert not_ours(theirs, ours) == "belongs to OpenDataHub other.odh"
    unlabelled = {"metadata": {"name": "c", "managedFields": [{"manager": "kubectl-create"}, {"manager": "helm"}]}}
    assert not_ours(unlabelled, ours) == "exists and was not installed by the odh-operator (managed by helm, kubectl-create)"


def test_a_shared_crd_is_ours_only_with_our_managed_by_label() -> None:
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "cephclusters.ceph.rook.io", "labels": labels.shared("rook-ceph", "1")}}
    assert not_ours(crd, crd) is None
    odf = {**crd, "metadata": {"name": crd["metadata"]["name"], "labels": {
        "operators.coreos.com/odf-operator.openshift-storage": "", labels.MANAGED_BY_KEY: "olm"}}}
    assert not_ours(odf, crd) == "exists and was not installed by the odh-operator (managed by olm)"


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
