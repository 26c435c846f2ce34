"""Staged teardown: custom resources go first and are waited for while the operators that finalize them run."""

from typing import Any

from odh_operator import ownership
from odh_operator.cluster_facts import NO_FACTS
from odh_operator.finalize import cleanup
from odh_operator.live_state import ApiState
from odh_operator.reconcile import ClusterAccess, reconcile
from tests.unit.fake_kube import FakeKube

Object = dict[str, Any]
ROOK_FINALIZER = "cephcluster.ceph.rook.io"
CEPH_KINDS = ("CephCluster", "CephObjectStore", "CephObjectStoreUser")


def installed(policy: str, kube: FakeKube | None = None, namespace: str = "lake") -> tuple[FakeKube, Object]:
    """The data lake applied to an in-memory API, with Rook's finalizers on its custom resources."""
    kube = kube or FakeKube()
    odh = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
           "metadata": {"name": "odh", "namespace": namespace, "uid": f"uid-{namespace}", "generation": 1},
           "spec": {"rookCeph": {"enabled": True}, "deletionPolicy": policy}}
    kube.objects[("opendatahub.io", "OpenDataHub", namespace, "odh")] = odh
    reconcile(ClusterAccess(kube=kube, state=ApiState(kube), facts=NO_FACTS), odh)  # type: ignore[arg-type]
    for obj in kube.objects.values():
        if obj["kind"] in CEPH_KINDS:
            obj["metadata"]["finalizers"] = [ROOK_FINALIZER]
    return kube, odh


def live(kube: FakeKube, kind: str) -> list[Object]:
    return [o for o in kube.objects.values() if o["kind"] == kind]


def test_delete_waits_for_the_custom_resources_before_removing_their_operator() -> None:
    kube, odh = installed("Delete")
    first = cleanup(kube, odh)  # type: ignore[arg-type]
    assert not first.errors
    assert sorted(n.split("/")[0] for n in first.remaining) == sorted(CEPH_KINDS)
    assert all(o["metadata"].get("deletionTimestamp") for k in CEPH_KINDS for o in live(kube, k))
    assert live(kube, "Deployment") and live(kube, "Role"), "Rook and its rights stay while CRs terminate"

    again = cleanup(kube, odh)  # type: ignore[arg-type]
    assert again.deleted == [] and len(again.remaining) == 3, "nothing more is deleted while they terminate"
    assert live(kube, "Deployment")

    for kind in CEPH_KINDS:  # Rook clears its finalizers
        kube.finish_deletion(kind)
    rest = cleanup(kube, odh)  # type: ignore[arg-type]
    assert rest.deleted and not live(kube, "Deployment") and not live(kube, "Role")
    assert rest.remaining, "the operators are waited for before the CRDs go"
    crds = cleanup(kube, odh)  # type: ignore[arg-type]
    assert any(n.startswith("CustomResourceDefinition/cephclusters") for n in crds.deleted)
    assert crds.remaining == [] and not crds.errors, "the CRDs' deletion is the last step and not waited for"
    assert not live(kube, "CustomResourceDefinition")


def test_retain_keeps_the_ceph_resources_and_does_not_wait_for_them() -> None:
    kube, odh = installed("Retain")
    result = cleanup(kube, odh)  # type: ignore[arg-type]
    assert sorted(n.split("/")[0] for n in result.kept) == sorted(CEPH_KINDS)
    assert not live(kube, "Deployment") or all(o["metadata"].get("deletionTimestamp") for o in live(kube, "Deployment"))
    for kind in CEPH_KINDS:
        (obj,) = live(kube, kind)
        assert not obj["metadata"].get("deletionTimestamp"), f"{kind} is data: Retain never deletes it"
    assert live(kube, "CustomResourceDefinition"), "Retain keeps the CRDs"


def test_deletion_stages_put_custom_resources_alone_first() -> None:
    objects: list[Object] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "b"}},
        {"apiVersion": "ceph.rook.io/v1", "kind": "CephCluster", "metadata": {"name": "c"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "d"}},
    ]
    stages = ownership.deletion_stages(objects)
    assert [[o["kind"] for o in stage] for stage in stages] == [
        ["CephCluster"], ["Deployment", "ServiceAccount", "Role"]
    ]
    assert ownership.deletion_stages(objects[:2]) == [[objects[1], objects[0]]]


def test_a_failed_listing_is_reported_as_an_error_for_the_handler_to_retry() -> None:
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import NotFoundError

    kube, odh = installed("Delete")

    def gone(*_: Any, **__: Any) -> list[Object]:
        raise NotFoundError(ApiException(status=404, reason="Not Found"))

    kube.list = gone  # type: ignore[method-assign]
    result = cleanup(kube, odh)  # type: ignore[arg-type]
    assert result.errors == ["listing what the OpenDataHub installed failed: 404 Not Found"]
    assert live(kube, "Deployment"), "nothing is deleted blind"


def test_what_blocks_a_terminating_resource_is_named() -> None:
    kube, odh = installed("Delete")
    cleanup(kube, odh)  # type: ignore[arg-type]
    (store,) = live(kube, "CephObjectStore")
    store["status"] = {"conditions": [{"type": "DeletionIsBlocked", "status": "True", "reason": "ObjectHasDependents",
                                       "message": "object store has dependents: buckets [raw-data]"}]}
    result = cleanup(kube, odh)  # type: ignore[arg-type]
    assert "CephObjectStore/odh-datalake (deletion blocked: object store has dependents: buckets [raw-data])" \
        in result.remaining
    assert "CephCluster/rook-ceph" in result.remaining


def test_crds_stay_while_another_platform_s_retained_data_lake_exists() -> None:
    kube, kept_platform = installed("Retain", namespace="team-a")
    while cleanup(kube, kept_platform).remaining:  # type: ignore[arg-type]
        pass
    del kube.objects[("opendatahub.io", "OpenDataHub", "team-a", "odh")]
    assert [o["metadata"]["namespace"] for o in live(kube, "CephCluster")] == ["team-a"], "retained"

    kube, odh = installed("Delete", kube=kube, namespace="team-b")
    for _ in range(5):
        result = cleanup(kube, odh)  # type: ignore[arg-type]
        if not result.remaining:
            break
        for kind in CEPH_KINDS:  # Rook finalizes team-b's resources (only terminating ones go)
            kube.finish_deletion(kind)
    assert not result.remaining and not result.errors
    assert live(kube, "CustomResourceDefinition"), "deleting them would delete team-a's Ceph cluster"
    assert any("still used by CephCluster/team-a/rook-ceph" in k for k in result.kept)
    assert [o["metadata"]["namespace"] for o in live(kube, "CephCluster")] == ["team-a"]
