"""Every image the operator and its components can run, as the CSV's ``relatedImages``.

Mirroring tools (``oc adm catalog mirror``, ``oc-mirror``) copy exactly these into a disconnected
registry, so the list comes from the components' ``default_images`` rather than by hand.
"""

from odh_operator.components import REGISTRY


def related_images(operator_image: str) -> list[dict[str, str]]:
    """``{name, image}`` for the operator and each component's default images, without duplicates."""
    out = [{"name": "odh-operator", "image": operator_image}]
    seen = {operator_image}
    for component in REGISTRY:
        for key, image in component.default_images.items():
            if image not in seen:
                seen.add(image)
                out.append({"name": f"{component.name}-{key}", "image": image})
    return out
