"""JupyterHub, wired to the data lake, Spark and GPUs."""

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Component


class JupyterHub(Component):
    """JupyterHub, wired to the data lake, Spark and GPUs."""

    name = "jupyterhub"
    spec_key = "jupyter_hub"
    title = "JupyterHub"
    default_images = {"hub": "quay.io/jupyterhub/k8s-hub:4.4.0"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        return {"hub": spec.jupyter_hub.hub_image}


COMPONENT = JupyterHub()
