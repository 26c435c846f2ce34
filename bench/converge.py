"""Figures for the reconciler on the real control plane: time to converge, to heal, and operator memory.

Run: python -m bench.converge   (builds or reuses the test cluster binaries; prints figures, asserts nothing)
"""

import copy
import tempfile
import time
from pathlib import Path

from odh_operator.kube import Kube
from testbed.build import ensure_built
from testbed.control_plane import Cluster
from testbed.harness import Operator, install_operator_rbac, operator_kubeconfig, wait_for
from testbed.platform import apply_odh, expected, load_example, missing, wait_all_exist, wait_phase


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    """Converge the full example, heal a deleted Deployment, and report the operator's memory."""
    ensure_built()
    work = Path(tempfile.mkdtemp(prefix="odh-bench-"))
    with Cluster(workdir=work / "cluster") as cluster:
        print(f"control plane warm start: {cluster.startup_seconds:.1f}s; memory MiB: {cluster.rss_mib()}")
        install_operator_rbac(cluster)
        operator = Operator(operator_kubeconfig(cluster, work / "kubeconfig"), work / "operator.log")
        operator.start()
        admin = Kube(cluster.api_client())
        try:
            cluster.kubectl("create", "namespace", "bench")
            document = copy.deepcopy(load_example("opendatahub-full.yaml"))
            document["metadata"]["namespace"] = "bench"
            objects = expected(document)
            started = time.monotonic()
            apply_odh(cluster, document)
            wait_all_exist(admin, objects, timeout=300)
            applied = time.monotonic() - started
            wait_phase(admin, document, "Ready", timeout=300, ceph=True)
            ready = time.monotonic() - started
            print(f"full example: {len(objects)} objects applied in {applied:.1f}s, Ready after {ready:.1f}s")

            deployment = next(o for o in objects if o["kind"] == "Deployment")
            started = time.monotonic()
            cluster.kubectl("delete", "deployment", deployment["metadata"]["name"], "-n", "bench", "--wait=false")
            time.sleep(0.2)
            wait_for("the Deployment to return", lambda: not missing(admin, [deployment]), timeout=60, interval=0.05)
            print(f"deleted Deployment restored in {time.monotonic() - started:.2f}s")
            assert operator.process is not None
            print(f"operator resident memory: {rss_mib(operator.process.pid):.0f} MiB")
        finally:
            operator.stop()


if __name__ == "__main__":
    main()
