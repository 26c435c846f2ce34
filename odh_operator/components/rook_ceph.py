"""Rook and a Ceph cluster with an S3 object store: the data lake."""

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Component


class RookCeph(Component):
    """Rook and a Ceph cluster with an S3 object store: the data lake."""

    name = "rook-ceph"
    spec_key = "rook_ceph"
    title = "RookCeph"
    default_images = {"operator": "docker.io/rook/ceph:v1.20.6"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        return {"operator": spec.rook_ceph.operator_image}


COMPONENT = RookCeph()
