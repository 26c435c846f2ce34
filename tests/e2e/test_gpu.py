"""GPUs on the real control plane: the device plugin lands on a node only Node Feature Discovery labelled,
and the OpenDataHub's status reports what the nodes advertise."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from odh_operator.kube import Kube
from testbed import nodes
from testbed.control_plane import Cluster
from testbed.platform import apply_odh, conditions, status_of
from testbed.harness import Operator, wait_for

Object = dict[str, Any]
NFD_LABEL = "feature.node.kubernetes.io/pci-10de.present"
MANUAL_LABEL = "nvidia.com/gpu.present"
GPUS_ON_NEW_NODE = 2


def gpu_totals(admin: Kube) -> tuple[int, int]:
    """(GPUs allocatable, nodes advertising any) as the nodes report them now."""
    per_node = [int((n.get("status", {}).get("allocatable") or {}).get("nvidia.com/gpu", "0"))
                for n in admin.list("v1", "Node", "")]
    return sum(per_node), sum(1 for count in per_node if count > 0)


@pytest.fixture
def nfd_only_node(cluster: Cluster) -> Iterator[str]:
    """A kwok node with GPUs that only Node Feature Discovery labelled (no nvidia.com/gpu.present)."""
    name = f"kwok-nfd-gpu-{uuid.uuid4().hex[:6]}"
    spec = nodes.NodeSpec(name, labels={NFD_LABEL: "true"}, capacity={"nvidia.com/gpu": str(GPUS_ON_NEW_NODE)})
    nodes.create_nodes(cluster.api_client(), [spec])
    wait_for("the NFD-labelled node to be Ready", lambda: nodes.nodes_ready(cluster.api_client(), [name]))
    yield name
    cluster.kubectl("delete", "node", name, "--wait=false", check=False)


def plugin_nodes(cluster: Cluster, namespace: str) -> set[str]:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-l", "app.kubernetes.io/name=nvidia-device-plugin",
                          "-o", "jsonpath={.items[*].spec.nodeName}").stdout
    return set(out.split())


def test_device_plugin_selects_an_nfd_labelled_node_and_status_counts_gpus(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, nfd_only_node: str
) -> None:
    allocatable, gpu_nodes = gpu_totals(admin)
    assert allocatable >= GPUS_ON_NEW_NODE, "the new node's GPUs are among those advertised"
    document = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
                "metadata": {"name": "odh", "namespace": namespace},
                "spec": {"gpuDevicePlugin": {"enabled": True}}}
    apply_odh(cluster, document)

    def placed() -> set[str] | None:
        found = plugin_nodes(cluster, namespace)
        return found if nfd_only_node in found else None

    found = wait_for("a device plugin pod on the NFD-only node", placed, timeout=90)
    labelled = {n["metadata"]["name"] for n in admin.list("v1", "Node", "")
                if (n["metadata"].get("labels") or {}).get(NFD_LABEL) == "true"
                or (n["metadata"].get("labels") or {}).get(MANUAL_LABEL) == "true"}
    assert found == labelled, f"exactly the GPU nodes (NFD or manual label): {found} vs {labelled}"
    assert "kwok-worker-1" not in found

    def reported() -> Object | None:
        gpus = status_of(admin, document).get("gpus")
        return gpus if gpus == {"allocatable": allocatable, "nodes": gpu_nodes} else None

    wait_for(f"status.gpus to show {allocatable} GPUs on {gpu_nodes} nodes", reported, timeout=90)
    condition = wait_for("GpuDevicePluginReady", lambda: conditions(admin, document).get("GpuDevicePluginReady"))
    assert f"{allocatable} GPUs allocatable on {gpu_nodes} node" in condition["message"]

    # A driver gone bad: the node still runs the plugin but advertises no GPU; the status says so.
    cluster.kubectl("patch", "node", nfd_only_node, "--subresource=status", "--type=merge",
                    "-p", '{"status": {"allocatable": {"nvidia.com/gpu": "0"}}}')
    fewer = {"allocatable": allocatable - GPUS_ON_NEW_NODE, "nodes": gpu_nodes - 1}
    wait_for(f"status.gpus to drop to {fewer}", lambda: status_of(admin, document).get("gpus") == fewer, timeout=120)

    # Disabled: the plugin goes, and so does the count it reported.
    document["spec"]["gpuDevicePlugin"]["enabled"] = False
    apply_odh(cluster, document)
    wait_for("status.gpus to be removed", lambda: "gpus" not in status_of(admin, document)
             and "GpuDevicePluginReady" not in conditions(admin, document), timeout=90)
