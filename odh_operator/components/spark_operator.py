"""The Kubeflow Spark operator, running SparkApplications."""

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Component


class SparkOperator(Component):
    """The Kubeflow Spark operator, running SparkApplications."""

    name = "spark-operator"
    spec_key = "spark_operator"
    title = "SparkOperator"
    default_images = {"controller": "ghcr.io/kubeflow/spark-operator/controller:2.5.2"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        return {"controller": spec.spark_operator.image}


COMPONENT = SparkOperator()
