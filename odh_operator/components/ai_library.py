"""REST model serving of the AI Library's pre-trained models."""

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Component


class AiLibrary(Component):
    """REST model serving of the AI Library's pre-trained models."""

    name = "ai-library"
    spec_key = "ai_library"
    title = "AiLibrary"
    default_images = {"server": "docker.io/seldonio/mlserver:1.7.1"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        return {"server": spec.ai_library.image}


COMPONENT = AiLibrary()
