"""A change in the cluster that readiness reads (here a namespace's pod security label) reaches the
OpenDataHub's status as it happens, not at the next resync: a Ready platform's loop sleeps for the resync
interval, and only the Namespace watch can wake it."""

import time

from odh_operator.handlers import RESYNC_SECONDS
from odh_operator.kube import Kube
from odh_operator.pod_security import ENFORCE_LABEL, LABEL_MISSING
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.platform import apply_odh, conditions, wait_phase

SETTLE_SECONDS = 5.0  # the loop is back asleep after the pass that found the platform Ready


def label(cluster: Cluster, namespace: str, level: str) -> None:
    cluster.kubectl("label", "--overwrite", "namespace", namespace, f"{ENFORCE_LABEL}={level}")


def test_a_relabelled_namespace_reaches_status_before_the_resync(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
                "metadata": {"name": "odh", "namespace": namespace},
                "spec": {"gpuDevicePlugin": {"enabled": True}}}
    label(cluster, namespace, "privileged")
    apply_odh(cluster, document)
    wait_phase(admin, document, "Ready", timeout=120)
    assert conditions(admin, document)["GpuDevicePluginReady"]["status"] == "True"
    time.sleep(SETTLE_SECONDS)

    label(cluster, namespace, "baseline")  # the device plugin's pods would now be refused
    changed = time.monotonic()
    reported = wait_for("the missing label in status", lambda: (c := conditions(admin, document)[
        "GpuDevicePluginReady"]) and c["reason"] == LABEL_MISSING and c, timeout=RESYNC_SECONDS)
    seconds = time.monotonic() - changed
    print(f"label change in status after {seconds:.1f} s (resync every {RESYNC_SECONDS:.0f} s)")
    # Woken by the watch: the loop would otherwise sleep until about RESYNC - SETTLE seconds from now.
    assert seconds < RESYNC_SECONDS / 2, (seconds, operator.tail(40))
    assert f"{ENFORCE_LABEL}=privileged on namespace {namespace}" in reported["message"]

    label(cluster, namespace, "privileged")
    wait_phase(admin, document, "Ready", timeout=60)
