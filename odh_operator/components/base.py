"""The small interface every component implements, and the defaults most of them share."""

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic.alias_generators import to_camel

from odh_operator import images, labels
from odh_operator.api.spec import ComponentSpec, OpenDataHubSpec
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.platform import KUBERNETES, Platform
from odh_operator.readiness import Readiness, workloads_readiness

Context = dict[str, Any]
Object = dict[str, Any]


@dataclass(frozen=True)
class Instance:
    """The OpenDataHub being rendered: where its objects go, for which platform, and how they are labelled."""

    name: str
    namespace: str
    platform: Platform = KUBERNETES

    @property
    def owner(self) -> str:
        """The inventory label value of this instance."""
        return labels.owner_value(self.namespace, self.name)

    def cluster_name(self, suffix: str) -> str:
        """A cluster-wide unique name for a cluster-scoped object of this instance."""
        return f"odh-{self.namespace}-{self.name}-{suffix}"[:253]


class Component:
    """One installable part of the platform: a folder of templates plus the context that fills them."""

    name: ClassVar[str]  # folder under manifests/, and the app.kubernetes.io/component label
    spec_key: ClassVar[str]  # attribute of OpenDataHubSpec holding this component's section
    title: ClassVar[str]  # used in the <Title>Ready condition
    default_images: ClassVar[dict[str, str]] = {}

    @property
    def condition_type(self) -> str:
        """The status condition reporting this component."""
        return f"{self.title}Ready"

    @property
    def spec_field(self) -> str:
        """This component's key in the OpenDataHub's spec, as users write it (``sparkOperator``)."""
        return to_camel(self.spec_key)

    def section(self, spec: OpenDataHubSpec) -> ComponentSpec:
        """This component's part of the spec."""
        section: ComponentSpec = getattr(spec, self.spec_key)
        return section

    def enabled(self, spec: OpenDataHubSpec) -> bool:
        """Whether the spec asks for this component."""
        return self.section(spec).enabled

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        """Per-image overrides from the spec, keyed like ``default_images``."""
        return {}

    def images(self, spec: OpenDataHubSpec) -> dict[str, str]:
        """The images this component runs, after overrides and the mirror registry."""
        overrides = self.image_overrides(spec)
        return {
            key: images.resolve(default, overrides.get(key), spec.image_registry)
            for key, default in self.default_images.items()
        }

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        """Template variables specific to this component (the common ones are added by the renderer)."""
        return {}

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        """Ready when every rendered workload is; components with custom resources add their own rules.

        ``facts`` (nodes, storage classes) lets a component report what the cluster lacks for it.
        """
        return workloads_readiness(observed)
