"""The README's install, as written: `kubectl apply --server-side -f deploy/install.yaml`, then an example."""

from pathlib import Path
from typing import Any

import yaml

from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.platform import EXAMPLES, conditions
from tests.conftest import ROOT
from tests.e2e.pod_process import PodProcess, service_account_kubeconfig

INSTALL = ROOT / "deploy" / "install.yaml"
Object = dict[str, Any]


def install_objects() -> list[Object]:
    return [o for o in yaml.safe_load_all(INSTALL.read_text()) if o]


def test_readme_install_runs_the_operator_as_its_service_account_and_reaches_ready(
    cluster: Cluster, admin: Kube, alone: None, namespace: str, tmp_path: Path
) -> None:
    applied = cluster.kubectl("apply", "--server-side", "-f", str(INSTALL), check=False, timeout=120)
    assert applied.returncode == 0, applied.stderr
    (deployment,) = [o for o in install_objects() if o["kind"] == "Deployment"]
    operator_ns = deployment["metadata"]["namespace"]
    cluster.kubectl("-n", operator_ns, "rollout", "status", f"deployment/{deployment['metadata']['name']}",
                    "--timeout=90s", timeout=100)  # kwok marks its pod running; the process below does the work

    process = PodProcess(deployment, tmp_path / "kubeconfig", tmp_path / "operator.log", pod_annotations={})
    service_account_kubeconfig(cluster, operator_ns, process.service_account, process.kubeconfig)
    process.start()
    try:
        cluster.kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=privileged")
        example = EXAMPLES / "opendatahub-minimal.yaml"
        cluster.kubectl("-n", namespace, "apply", "-f", str(example))
        waited = cluster.kubectl("-n", namespace, "wait", "--for=condition=Ready", "opendatahubs", "--all",
                                 "--timeout=150s", check=False, timeout=160)
        name = yaml.safe_load(example.read_text())["metadata"]["name"]
        document = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
                    "metadata": {"name": name, "namespace": namespace}}
        assert waited.returncode == 0, f"{waited.stderr}\n{conditions(admin, document)}\n{process.tail(80)}"
        wide = cluster.kubectl("-n", namespace, "get", "odh", "-o", "wide").stdout
        assert "Ready" in wide, wide

        cluster.kubectl("-n", namespace, "delete", "odh", name, "--timeout=120s", timeout=130)
        assert process.process is not None and process.process.poll() is None, process.tail()
    finally:
        process.stop()
        cluster.kubectl("-n", operator_ns, "delete", "deployment", deployment["metadata"]["name"], check=False)


def test_install_file_applies_again_without_changes(cluster: Cluster) -> None:
    """Re-applying the same file changes nothing on the server: what an upgrade without changes does."""
    cluster.kubectl("apply", "--server-side", "-f", str(INSTALL), timeout=120)
    try:
        diff = cluster.kubectl("diff", "--server-side", "-f", str(INSTALL), check=False, timeout=120)
        assert diff.returncode == 0, diff.stdout[-3000:] + diff.stderr
    finally:
        (deployment,) = [o for o in install_objects() if o["kind"] == "Deployment"]
        cluster.kubectl("-n", deployment["metadata"]["namespace"], "delete", "deployment",
                        deployment["metadata"]["name"], check=False)
