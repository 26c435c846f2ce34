"""SCCs and their `use` RBAC with the platform: on a control plane with OpenShift's CRDs the operator, as its own
ServiceAccount (the API server's escalation check applies), creates Rook's and the device plugin's SCCs, a
ClusterRole allowing `use` of each by name and a RoleBinding to exactly their accounts; it removes them with
their component and with the OpenDataHub, and reports a namespace whose pod security level would refuse them.
On the session's plain Kubernetes none of it is rendered."""

from typing import Any

import pytest

from odh_operator.kube import Kube, UnknownKind
from odh_operator.pod_security import ENFORCE_LABEL, LABEL_MISSING
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.platform import apply_odh, conditions, find, status_of, wait_all_gone

Object = dict[str, Any]
SCC = "security.openshift.io/v1"
RBAC = "rbac.authorization.k8s.io/v1"
ROOK_ACCOUNTS = {"rook-ceph-system", "rook-ceph-default", "rook-ceph-mgr", "rook-ceph-osd", "rook-ceph-rgw"}


def platform(namespace: str, spec: Object) -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": "odh", "namespace": namespace}, "spec": spec}


def ref(api_version: str, kind: str, name: str, namespace: str | None = None) -> Object:
    return {"apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, **({"namespace": namespace} if namespace else {})}}


def security_objects(namespace: str, scc: str, binding: str) -> list[Object]:
    """One component's SCC, its `use` ClusterRole and the RoleBinding of its accounts."""
    return [ref(SCC, "SecurityContextConstraints", f"odh-{namespace}-odh-{scc}"),
            ref(RBAC, "ClusterRole", f"odh-{namespace}-odh-{scc}-scc"),
            ref(RBAC, "RoleBinding", binding, namespace)]


def label(cluster: Cluster, namespace: str, level: str) -> None:
    cluster.kubectl("label", "--overwrite", "namespace", namespace, f"{ENFORCE_LABEL}={level}")


def test_sccs_and_their_use_come_and_go_with_the_platform(
    openshift_cluster: Cluster, openshift_admin: Kube, openshift_operator: Operator, openshift_namespace: str
) -> None:
    admin, namespace = openshift_admin, openshift_namespace
    rook = security_objects(namespace, "rook-ceph", "rook-ceph-scc")
    gpu = security_objects(namespace, "nvidia-device-plugin", "nvidia-device-plugin-scc")
    document = platform(namespace, {"rookCeph": {"enabled": True}, "gpuDevicePlugin": {"enabled": True}})
    label(openshift_cluster, namespace, "restricted")  # refuses Rook's daemons and the device plugin
    apply_odh(openshift_cluster, document)
    try:
        live = wait_for("both SCCs, their roles and bindings",
                        lambda: (found := [find(admin, o) for o in rook + gpu]) and all(found) and found, timeout=120)
        wait_for("the platform in status", lambda: status_of(admin, document).get("platform") == "OpenShift", timeout=60)
        rook_scc, rook_role, rook_binding, gpu_scc, gpu_role, gpu_binding = live
        assert rook_scc["allowPrivilegedContainer"] is True and rook_scc["allowedCapabilities"] == ["MKNOD", "SYS_ADMIN"]
        assert rook_scc["runAsUser"] == {"type": "RunAsAny"} and rook_scc["allowHostNetwork"] is False
        assert gpu_scc["volumes"] == ["hostPath"] and gpu_scc["allowHostIPC"] is False
        for scc, role, binding, accounts in ((rook_scc, rook_role, rook_binding, ROOK_ACCOUNTS),
                                             (gpu_scc, gpu_role, gpu_binding, {"nvidia-device-plugin"})):
            assert scc["users"] == [] and scc["groups"] == []
            assert role["rules"] == [{"apiGroups": ["security.openshift.io"], "resources": ["securitycontextconstraints"],
                                      "resourceNames": [scc["metadata"]["name"]], "verbs": ["use"]}]
            assert binding["roleRef"]["name"] == role["metadata"]["name"]
            assert {(s["kind"], s["namespace"], s["name"]) for s in binding["subjects"]} == {
                ("ServiceAccount", namespace, a) for a in accounts}
        # The accounts may use their SCC, here only (asked as the API server's SCC admission would ask).
        def can_use(account: str, scc: Object, where: str) -> bool:
            result = openshift_cluster.kubectl(
                "auth", "can-i", "use", f"securitycontextconstraints.security.openshift.io/{scc['metadata']['name']}",
                f"--as=system:serviceaccount:{namespace}:{account}", "-n", where, check=False)
            return result.stdout.strip() == "yes"
        assert can_use("rook-ceph-osd", rook_scc, namespace) and can_use("nvidia-device-plugin", gpu_scc, namespace)
        assert not can_use("rook-ceph-osd", gpu_scc, namespace) and not can_use("rook-ceph-osd", rook_scc, "default")
        assert not can_use("jupyterhub-hub", rook_scc, namespace)

        missing = wait_for("the missing label in status", lambda: (c := conditions(admin, document).get(
            "GpuDevicePluginReady")) and c["reason"] == LABEL_MISSING and c, timeout=60)
        assert f"set the label {ENFORCE_LABEL}=privileged on namespace {namespace}" in missing["message"]
        assert conditions(admin, document)["RookCephReady"]["reason"] == LABEL_MISSING

        label(openshift_cluster, namespace, "privileged")
        document["spec"]["gpuDevicePlugin"]["enabled"] = False
        apply_odh(openshift_cluster, document)
        wait_all_gone(admin, gpu, timeout=60)
        assert all(find(admin, o) for o in rook)
        wait_for("the label no longer reported", lambda: (c := conditions(admin, document).get("RookCephReady"))
                 and c["reason"] != LABEL_MISSING, timeout=90)

        openshift_cluster.kubectl("-n", namespace, "delete", "opendatahub", "odh", "--wait=false")
        wait_all_gone(admin, rook[:2], timeout=120)  # cluster-scoped: removed by the finalizer
    except AssertionError as error:
        raise AssertionError(f"{error}\n{openshift_operator.tail(80)}") from None


def test_plain_kubernetes_renders_no_scc(cluster: Cluster, admin: Kube, operator: Operator, namespace: str) -> None:
    with pytest.raises(UnknownKind):
        admin.resource(SCC, "SecurityContextConstraints")
    document = platform(namespace, {"rookCeph": {"enabled": True}, "gpuDevicePlugin": {"enabled": True}})
    apply_odh(cluster, document)
    wait_for("Rook's operator and the device plugin",
             lambda: find(admin, ref("apps/v1", "Deployment", "rook-ceph-operator", namespace))
             and find(admin, ref("apps/v1", "DaemonSet", "nvidia-device-plugin", namespace)), timeout=120)
    wait_for("the platform in status", lambda: status_of(admin, document).get("platform") == "Kubernetes", timeout=60)
    for obj in security_objects(namespace, "rook-ceph", "rook-ceph-scc")[1:] + security_objects(
            namespace, "nvidia-device-plugin", "nvidia-device-plugin-scc")[1:]:
        assert find(admin, obj) is None, obj
