"""The OLM bundle on the real control plane: the CSV's permissions, created as OLM creates them, are enough
for the operator (run with the CSV's Deployment args and env) to bring every alm-examples entry to Ready."""

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.harness import OPERATOR_USER, WRITE_VERBS, AuditLog, wait_for
from testbed.platform import apply_odh, odh_ref, wait_phase
from tests.conftest import ROOT
from tests.e2e.conftest import fresh_namespace
from tests.e2e.pod_process import PodProcess, service_account_kubeconfig

BUNDLE = ROOT / "bundle"
Object = dict[str, Any]
RBAC = "rbac.authorization.k8s.io/v1"


def load_csv() -> Object:
    (path,) = (BUNDLE / "manifests").glob("*.clusterserviceversion.yaml")
    document: Object = yaml.safe_load(path.read_text())
    return document


def olm_rbac(csv: Object, namespace: str) -> list[Object]:
    """What OLM creates from the CSV's install strategy: ServiceAccounts, ClusterRoles and bindings, Roles."""
    strategy = csv["spec"]["install"]["spec"]
    out: list[Object] = []
    accounts = {p["serviceAccountName"] for p in strategy.get("clusterPermissions", []) + strategy.get("permissions", [])}
    out += [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": a, "namespace": namespace}}
            for a in sorted(accounts)]
    for scope, kind, binding in (("clusterPermissions", "ClusterRole", "ClusterRoleBinding"),
                                 ("permissions", "Role", "RoleBinding")):
        for permission in strategy.get(scope, []):
            digest = hashlib.sha256(json.dumps(permission["rules"]).encode() + namespace.encode()).hexdigest()[:10]
            name = f"{csv['metadata']['name']}-{digest}"  # OLM generates names like this one
            meta = {"name": name, **({"namespace": namespace} if kind == "Role" else {})}
            out.append({"apiVersion": RBAC, "kind": kind, "metadata": meta, "rules": permission["rules"]})
            out.append({"apiVersion": RBAC, "kind": binding, "metadata": meta,
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name},
                        "subjects": [{"kind": "ServiceAccount", "name": permission["serviceAccountName"],
                                      "namespace": namespace}]})
    return out


@pytest.fixture
def olm_namespace(cluster: Cluster) -> Iterator[str]:
    """The namespace OLM installs the operator into, with the CSV's RBAC; removed afterwards."""
    yield from fresh_namespace(cluster, "olm")


@pytest.fixture
def olm_rbac_applied(cluster: Cluster, olm_namespace: str) -> Iterator[list[Object]]:
    """The bundle's CRDs and the CSV's RBAC, applied as OLM applies them; the cluster-scoped part removed after."""
    crds = [p for p in sorted((BUNDLE / "manifests").glob("*.yaml")) if "clusterserviceversion" not in p.name]
    for path in crds:
        cluster.kubectl("apply", "--server-side", "-f", str(path))
    rbac = olm_rbac(load_csv(), olm_namespace)
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(rbac))
    yield rbac
    cluster.kubectl("delete", "-f", "-", "--wait=false", check=False,
                    input=yaml.safe_dump_all([o for o in rbac if o["kind"].startswith("Cluster")]))


def olm_operator(cluster: Cluster, olm_namespace: str, tmp_path: Path, target_namespaces: str) -> PodProcess:
    """The CSV's Deployment as a process, as OLM's pod would run with this olm.targetNamespaces annotation."""
    (spec,) = load_csv()["spec"]["install"]["spec"]["deployments"]
    process = PodProcess({"metadata": {"namespace": olm_namespace}, "spec": spec["spec"]}, tmp_path / "kubeconfig", tmp_path / "operator.log",
                         pod_annotations={"olm.targetNamespaces": target_namespaces})
    service_account_kubeconfig(cluster, olm_namespace, process.service_account, process.kubeconfig)
    process.start()
    return process


def test_all_namespaces_csv_permissions_suffice_for_every_alm_example(
    cluster: Cluster, admin: Kube, audit: AuditLog, alone: None, olm_namespace: str, olm_rbac_applied: list[Object],
    tmp_path: Path
) -> None:
    csv = load_csv()
    mark = audit.mark()
    process = olm_operator(cluster, olm_namespace, tmp_path, target_namespaces="")  # AllNamespaces: ""

    examples: list[Object] = json.loads(csv["metadata"]["annotations"]["alm-examples"])
    assert examples, "the CSV carries examples"
    namespaces = []
    try:
        for example in examples:
            namespace = f"e2e-{uuid.uuid4().hex[:8]}"
            namespaces.append(namespace)
            cluster.kubectl("create", "namespace", namespace)
            cluster.kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=privileged")
            example["metadata"]["namespace"] = namespace
            apply_odh(cluster, example)
        for example in examples:
            rook = example.get("spec", {}).get("rookCeph", {}).get("enabled", False)
            try:  # Rook's part (CephCluster health) is played as test_lifecycle plays it: no Ceph daemons here
                status = wait_phase(admin, example, "Ready", timeout=420, ceph=rook)
            except AssertionError as error:
                raise AssertionError(f"{error}\n{process.tail(80)}") from None
            assert all(c["status"] == "True" for c in status["conditions"]), status
        writers = {e["user"]["username"] for e in audit.events(mark)
                   if e.get("verb") in WRITE_VERBS and e.get("objectRef", {}).get("namespace") in namespaces
                   and e.get("objectRef", {}).get("resource") != "opendatahubs"}
        olm_user = f"system:serviceaccount:{olm_namespace}:{process.service_account}"
        assert olm_user in writers and OPERATOR_USER not in writers, writers
        for example in examples:
            name, namespace = example["metadata"]["name"], example["metadata"]["namespace"]
            cluster.kubectl("-n", namespace, "delete", "odh", name, "--timeout=150s", timeout=160)
            ref = odh_ref(example)
            wait_for("the OpenDataHub to be gone", lambda: admin.get(ref) is None, timeout=30)  # noqa: B023
        assert process.process is not None and process.process.poll() is None, process.tail()
    finally:
        process.stop()
        for namespace in namespaces:
            cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def test_own_namespace_mode_reconciles_its_namespace_only(
    cluster: Cluster, admin: Kube, alone: None, olm_namespace: str, olm_rbac_applied: list[Object],
    namespace: str, tmp_path: Path
) -> None:
    examples: list[Object] = json.loads(load_csv()["metadata"]["annotations"]["alm-examples"])
    smallest = min(examples, key=lambda e: len(json.dumps(e)))
    inside = {**smallest, "metadata": {**smallest["metadata"], "namespace": olm_namespace}}
    outside = {**smallest, "metadata": {**smallest["metadata"], "namespace": namespace}}
    process = olm_operator(cluster, olm_namespace, tmp_path, target_namespaces=olm_namespace)  # OwnNamespace
    try:
        apply_odh(cluster, inside)
        apply_odh(cluster, outside)
        wait_phase(admin, inside, "Ready", timeout=180)
        live = admin.get(odh_ref(outside)) or {}
        assert not live.get("status"), "an OpenDataHub outside the target namespaces is left alone"
        cluster.kubectl("-n", olm_namespace, "delete", "odh", inside["metadata"]["name"], "--timeout=120s",
                        timeout=130)
    finally:
        process.stop()

