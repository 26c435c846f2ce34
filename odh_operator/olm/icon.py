"""The icon OperatorHub shows for the operator: a small SVG kept beside this module."""

import base64
from importlib.resources import files

MEDIA_TYPE = "image/svg+xml"


def icon() -> dict[str, str]:
    """The CSV's ``spec.icon`` entry: the SVG, base64-encoded."""
    svg = files("odh_operator.olm").joinpath("icon.svg").read_bytes()
    return {"base64data": base64.b64encode(svg).decode(), "mediatype": MEDIA_TYPE}
