"""Prometheus and Grafana."""

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Component


class Monitoring(Component):
    """Prometheus and Grafana."""

    name = "monitoring"
    spec_key = "monitoring"
    title = "Monitoring"
    default_images = {"prometheus": "quay.io/prometheus/prometheus:v3.12.0"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        return {"prometheus": spec.monitoring.prometheus.image}


COMPONENT = Monitoring()
