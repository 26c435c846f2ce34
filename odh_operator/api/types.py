"""Building blocks shared by every section of the OpenDataHub spec."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$"
IMAGE_PATTERN = r"^[a-z0-9]+([._:/@-][a-zA-Z0-9_]+)*$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

Quantity = Annotated[
    str,
    Field(pattern=QUANTITY_PATTERN, max_length=32, description="A Kubernetes quantity, such as 500m, 2Gi or 10Gi."),
]
Image = Annotated[
    str,
    Field(
        pattern=IMAGE_PATTERN,
        max_length=512,
        description="A full image reference (registry/repository:tag or @digest), used exactly as given.",
    ),
]
DnsLabel = Annotated[str, Field(pattern=DNS_LABEL_PATTERN, min_length=1, max_length=40)]
DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DnsSubdomain = Annotated[str, Field(pattern=DNS_SUBDOMAIN_PATTERN, min_length=1, max_length=253)]
# Text shown to people (profile names, descriptions): printable, one line, no markup characters.
DisplayName = Annotated[str, Field(pattern=r"^[^<>&\"\x00-\x1f\x7f]+$", min_length=1, max_length=100)]


# Label keys and values as Kubernetes validates them (nodeSelectors, tolerations end up on pods).
# The name part at most 63 characters and each label of the prefix too (with max_length 317 the prefix stays
# within 253).
LABEL_KEY_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
LABEL_VALUE_PATTERN = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
LabelKey = Annotated[str, Field(pattern=LABEL_KEY_PATTERN, min_length=1, max_length=317)]
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE_PATTERN, max_length=63)]


class ApiModel(BaseModel):
    """Base of every API model: camelCase on the wire, unknown fields rejected."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )


class ResourceList(ApiModel):
    """CPU and memory amounts."""

    cpu: Quantity | None = None
    memory: Quantity | None = None


class Resources(ApiModel):
    """Compute resources of a container: requests and limits."""

    requests: ResourceList = Field(default_factory=ResourceList, description="Minimum resources reserved.")
    limits: ResourceList = Field(default_factory=ResourceList, description="Maximum resources allowed.")


def resources(request_cpu: str, request_memory: str, limit_memory: str, limit_cpu: str | None = None) -> Resources:
    """A ``Resources`` default: requests for scheduling, a memory limit against runaway use."""
    return Resources(
        requests=ResourceList(cpu=request_cpu, memory=request_memory),
        limits=ResourceList(cpu=limit_cpu, memory=limit_memory),
    )


class Toleration(ApiModel):
    """A Kubernetes toleration."""

    key: LabelKey | None = None
    operator: Literal["Exists", "Equal"] = "Equal"
    value: LabelValue | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    toleration_seconds: int | None = Field(default=None, ge=0)


class Placement(ApiModel):
    """Where a component's pods may run."""

    node_selector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, max_length=64, description="Labels a node must carry."
    )
    tolerations: list[Toleration] = Field(default_factory=list, description="Taints the pods tolerate.")


class Storage(ApiModel):
    """A persistent volume claim's size and class."""

    size: Quantity = Field(default="10Gi", description="Requested capacity.")
    storage_class_name: str | None = Field(
        default=None, max_length=253, description="StorageClass to use; the cluster default when unset."
    )
