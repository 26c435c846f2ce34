"""NVIDIA's device plugin: advertises nvidia.com/gpu on GPU nodes so pods can request GPUs."""

from odh_operator.api.spec import GpuDevicePluginSpec, OpenDataHubSpec
from odh_operator.components.base import Component


class GpuDevicePlugin(Component):
    """A DaemonSet on the nodes labelled as GPU nodes (nvidia.com/gpu.present=true by default)."""

    name = "gpu-device-plugin"
    spec_key = "gpu_device_plugin"
    title = "GpuDevicePlugin"
    default_images = {"plugin": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: GpuDevicePluginSpec = spec.gpu_device_plugin
        return {"plugin": section.image}


COMPONENT = GpuDevicePlugin()
