"""Deleting an OpenDataHub with a data lake finishes: the test plays Rook's part with its finalizers.

Rook puts a finalizer on the CephCluster and the CephObjectStore and clears it only while its operator runs
(after listing every Ceph kind, CephBucketNotification included, to check for dependents). Teardown must
therefore delete the custom resources first and keep the Rook operator until they are gone.
"""

import json
import time
from typing import Any

from odh_operator import labels
from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.platform import CEPH, apply_odh, expected, find, odh_ref, wait_all_exist, wait_all_gone
from testbed.harness import Operator, wait_for

Object = dict[str, Any]
# The finalizers Rook v1.20.6 adds (pkg/operator/ceph/controller/finalizer.go: "<kind lower>.ceph.rook.io").
ROOK_FINALIZERS = {"CephCluster": "cephcluster.ceph.rook.io", "CephObjectStore": "cephobjectstore.ceph.rook.io"}


def data_lake(namespace: str, policy: str) -> Object:
    """A small data lake (1 mon, 1 mgr, 1 OSD, 1 copy) with the given deletionPolicy."""
    return {
        "apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
        "metadata": {"name": "odh", "namespace": namespace},
        "spec": {
            "deletionPolicy": policy,
            "rookCeph": {"enabled": True, "monCount": 1, "mgrCount": 1, "storage": {"osdCount": 1},
                         "objectStore": {"replicas": 1}},
        },
    }


def ceph(namespace: str, kind: str, name: str) -> Object:
    return {"apiVersion": CEPH, "kind": kind, "metadata": {"name": name, "namespace": namespace}}


def rook_resources(namespace: str) -> list[Object]:
    return [ceph(namespace, "CephCluster", "rook-ceph"), ceph(namespace, "CephObjectStore", "odh-datalake")]


def set_finalizers(cluster: Cluster, obj: Object, finalizers: list[str] | None) -> None:
    """Play Rook: add its finalizer, or clear it as Rook does once it has cleaned up."""
    patch = json.dumps({"metadata": {"finalizers": finalizers}})
    resource = f"{obj['kind'].lower()}.ceph.rook.io/{obj['metadata']['name']}"
    cluster.kubectl("patch", resource, "-n", obj["metadata"]["namespace"], "--type=merge", "-p", patch)


def rook_operator(namespace: str) -> Object:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "rook-ceph-operator", "namespace": namespace}}


def terminating(admin: Kube, obj: Object) -> bool:
    live = find(admin, obj)
    return bool(live and live["metadata"].get("deletionTimestamp"))


def rook_used_elsewhere(admin: Kube, namespace: str) -> bool:
    """Another OpenDataHub with Rook, or Ceph resources outside this namespace (retained by an earlier test)."""
    others = admin.list("opendatahub.io/v1alpha1", "OpenDataHub", "")
    if any(o["metadata"]["namespace"] != namespace and (o.get("spec") or {}).get("rookCeph", {}).get("enabled")
           for o in others):
        return True
    return any(o["metadata"]["namespace"] != namespace for kind in ("CephCluster", "CephObjectStore",
               "CephObjectStoreUser") for o in admin.list(CEPH, kind, ""))


# Retain first: the Delete test may delete the Rook CRDs, which the API server can take minutes to finish
# right after they were created ("could not list instances: storage is (re)initializing").
def test_retain_keeps_the_data_lake_and_does_not_wait_for_it(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = data_lake(namespace, "Retain")
    apply_odh(cluster, document)
    objects = expected(document)
    wait_all_exist(admin, objects, timeout=180)
    resources = rook_resources(namespace)
    for obj in resources:
        set_finalizers(cluster, obj, [ROOK_FINALIZERS[obj["kind"]]])
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    already_terminating = {o["metadata"]["name"] for o in crds if terminating(admin, o)}  # an earlier test's
    try:
        cluster.kubectl("delete", "odh", "odh", "-n", namespace, "--timeout=60s")
        data = [o for o in objects if o["metadata"]["labels"].get(labels.DATA) == "true"]
        assert {o["kind"] for o in data} >= {"CephCluster", "CephObjectStore", "CephObjectStoreUser"}
        rest = [o for o in objects if o not in data]
        wait_all_gone(admin, rest, timeout=60)
        assert not {o["metadata"]["name"] for o in crds if terminating(admin, o)} - already_terminating
        for obj in (o for o in data if o["kind"] != "CustomResourceDefinition"):
            live = find(admin, obj)
            assert live is not None and not live["metadata"].get("deletionTimestamp"), f"{obj['kind']} is kept"
            assert not live["metadata"].get("ownerReferences"), "nothing garbage-collects retained data"
        assert find(admin, rook_operator(namespace)) is None
    finally:
        for obj in resources:  # let the namespace go
            set_finalizers(cluster, obj, None)


def test_delete_waits_for_rook_to_finalize_its_resources_then_removes_everything(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = data_lake(namespace, "Delete")
    apply_odh(cluster, document)
    objects = expected(document)
    wait_all_exist(admin, objects, timeout=180)
    for obj in rook_resources(namespace):
        set_finalizers(cluster, obj, [ROOK_FINALIZERS[obj["kind"]]])

    crds_go = not rook_used_elsewhere(admin, namespace)  # CRDs are shared: only their last user deletes them
    cluster.kubectl("delete", "odh", "odh", "-n", namespace, "--wait=false")
    wait_for("the CephCluster and CephObjectStore to be terminating",
             lambda: all(terminating(admin, o) for o in rook_resources(namespace)), timeout=60)
    time.sleep(5)  # several cleanup attempts (every 2s) while Rook has not finished
    operator_deployment = find(admin, rook_operator(namespace))
    assert operator_deployment is not None, "the Rook operator must outlive the resources it finalizes"
    assert not operator_deployment["metadata"].get("deletionTimestamp")
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "rook-ceph-system", "namespace": namespace}}
    assert find(admin, role) is not None, "and so must its rights"
    assert find(admin, odh_ref(document)) is not None, "the OpenDataHub waits for its teardown"

    for obj in rook_resources(namespace):  # Rook has cleaned up: it removes its finalizers
        set_finalizers(cluster, obj, None)
    wait_for("the OpenDataHub to be gone", lambda: find(admin, odh_ref(document)) is None, timeout=120)
    rest = [o for o in objects if o["kind"] != "CustomResourceDefinition"]
    wait_all_gone(admin, rest, timeout=60)
    assert all(find(admin, o) is None for o in rest), "Delete leaves nothing terminating behind"
    if crds_go:
        # Deleted by the operator; the API server then removes their instances and them (a CRD deleted right
        # after its creation may wait a while: "could not list instances: storage is (re)initializing").
        crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
        wait_all_gone(admin, crds, timeout=60)
