"""Make a test control plane look like OpenShift to the operator: OpenShift's own CRDs, Established.

The CRDs (SecurityContextConstraints, Route, ClusterVersion) come unchanged from the pinned
``github.com/openshift/api`` module, written to ``openshift_crds.yaml`` by ``python -m odh_operator.upstream_crds``.
Their group versions (``security.openshift.io/v1``, ``route.openshift.io/v1``) are what ``spec.platform: Auto``
looks for. Install them only on a control plane of their own: the session cluster must stay plain Kubernetes.
"""

import time
from pathlib import Path
from typing import Any

import yaml

from testbed.control_plane import Cluster

CRD_FILE = Path(__file__).with_name("openshift_crds.yaml")
ESTABLISHED = '{range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}'


def crds() -> list[dict[str, Any]]:
    """The OpenShift CRDs as committed."""
    return [d for d in yaml.safe_load_all(CRD_FILE.read_text()) if d]


def install_crds(cluster: Cluster, timeout: float = 120.0) -> float:
    """Apply the OpenShift CRDs and wait until each is Established; the seconds it took."""
    started = time.monotonic()
    cluster.kubectl("apply", "--server-side", "-f", str(CRD_FILE), timeout=timeout)
    names = [f"crd/{d['metadata']['name']}" for d in crds()]
    deadline = started + timeout
    while True:  # polled: `kubectl wait` fails at once on a CRD that has no status yet
        found = cluster.kubectl("get", *names, "-o", f"jsonpath={ESTABLISHED}", check=False).stdout.split()
        if found == ["True"] * len(names):
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise AssertionError(f"OpenShift CRDs not Established after {timeout:.0f}s: {found}")
        time.sleep(0.5)
