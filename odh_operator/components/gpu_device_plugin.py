"""NVIDIA's device plugin (k8s-device-plugin v0.20.0): advertises nvidia.com/gpu on GPU nodes.

The DaemonSet selects GPU nodes the way upstream's Helm chart does, by required node affinity with three
alternatives: Node Feature Discovery's PCI vendor label (10de is NVIDIA), NFD's CPU vendor label on Tegra
systems, or the label an administrator sets by hand. It tolerates the ``nvidia.com/gpu`` taint GPU nodes
usually carry. Readiness reports what the nodes advertise, so a plugin running where no driver works shows
"0 GPUs" instead of an unqualified Ready.
"""

from typing import Any

from odh_operator import pod_security
from odh_operator.api.spec import GpuDevicePluginSpec, OpenDataHubSpec
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.platform import OPENSHIFT, Platform
from odh_operator.readiness import Readiness, first_not_ready, workloads_readiness

GPU_RESOURCE = "nvidia.com/gpu"
APP = "nvidia-device-plugin"
NFD_PCI_LABEL = "feature.node.kubernetes.io/pci-10de.present"
NFD_CPU_VENDOR_LABEL = "feature.node.kubernetes.io/cpu-model.vendor_id"
MANUAL_LABEL = "nvidia.com/gpu.present"
# Each term alone selects a node (nodeSelectorTerms are ORed), as in upstream's chart.
GPU_NODE_TERMS: list[dict[str, Any]] = [
    {"matchExpressions": [{"key": NFD_PCI_LABEL, "operator": "In", "values": ["true"]}]},
    {"matchExpressions": [{"key": NFD_CPU_VENDOR_LABEL, "operator": "In", "values": ["NVIDIA"]}]},
    {"matchExpressions": [{"key": MANUAL_LABEL, "operator": "In", "values": ["true"]}]},
]


def gpu_affinity() -> dict[str, Any]:
    """Required node affinity to GPU nodes, found by NFD or labelled by hand."""
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": GPU_NODE_TERMS}}}


def container_security(platform: Platform) -> dict[str, Any]:
    """The plugin container's securityContext: unprivileged with no capability on Kubernetes; privileged on
    OpenShift, where SELinux refuses an unprivileged container's writes to the kubelet's host path (upstream's
    OpenShift deployment runs it privileged for that reason)."""
    if platform == OPENSHIFT:
        return {"privileged": True, "readOnlyRootFilesystem": True}
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


def gpu_summary(facts: ClusterFacts) -> dict[str, int]:
    """GPUs allocatable across the nodes, and how many nodes advertise any."""
    per_node = facts.allocatable(GPU_RESOURCE)
    return {"allocatable": sum(per_node.values()), "nodes": len(per_node)}


def _gpu_phrase(summary: dict[str, int]) -> str:
    count, nodes = summary["allocatable"], summary["nodes"]
    if count == 0:
        return "0 GPUs advertised by any node (no GPU node, or no working driver on them)"
    return f"{count} GPU{'s' if count != 1 else ''} allocatable on {nodes} node{'s' if nodes != 1 else ''}"


class GpuDevicePlugin(Component):
    """A DaemonSet on the GPU nodes, and the GPU count in status."""

    name = "gpu-device-plugin"
    spec_key = "gpu_device_plugin"
    title = "GpuDevicePlugin"
    default_images = {"plugin": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: GpuDevicePluginSpec = spec.gpu_device_plugin
        return {"plugin": section.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        return {"app": APP, "affinity": gpu_affinity(), "container_security": container_security(instance.platform)}

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        summary = gpu_summary(facts)
        workloads = first_not_ready(pod_security.namespace_readiness(self.name, observed, facts),
                                    workloads_readiness(observed))
        if workloads.ready:
            message = f"device plugin ready; {_gpu_phrase(summary)}"
        else:
            message = f"{workloads.message}; {_gpu_phrase(summary)}"
        return Readiness(workloads.state, workloads.reason, message, details={"gpus": summary})


COMPONENT = GpuDevicePlugin()
