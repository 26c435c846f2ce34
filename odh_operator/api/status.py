"""The OpenDataHub status: a phase and Kubernetes-style conditions."""

from typing import Literal

from pydantic import Field

from odh_operator.api.types import ApiModel

Phase = Literal["Pending", "Progressing", "Ready", "Degraded"]
ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(ApiModel):
    """One observation of the resource's state, following the Kubernetes API conventions."""

    type: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$", max_length=316)
    status: ConditionStatus
    reason: str = Field(pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$", max_length=1024)
    message: str = Field(default="", max_length=32768)
    last_transition_time: str = Field(json_schema_extra={"format": "date-time"})
    observed_generation: int | None = Field(default=None, ge=0)


class GpuStatus(ApiModel):
    """The NVIDIA GPUs the cluster's nodes advertise (nvidia.com/gpu allocatable)."""

    allocatable: int = Field(ge=0, description="GPUs allocatable across all nodes.")
    nodes: int = Field(ge=0, description="Nodes advertising at least one GPU.")


class DataLakeStatus(ApiModel):
    """The data lake's small-cluster settings against what the cluster offers them (reported by Rook-Ceph)."""

    storage_mode: Literal["pvc", "devices"] = Field(description="Where the OSDs keep their data.")
    storage_class_name: str | None = Field(default=None, description="The StorageClass of the OSD claims (mode pvc).")
    mon_count: int = Field(ge=0, description="Ceph monitors asked for, one per node.")
    replicas: int = Field(ge=0, description="Copies of every object, one per node.")
    schedulable_nodes: int = Field(ge=0, description="Nodes the Ceph daemons may run on (placement, taints, Ready).")


class EndpointStatus(ApiModel):
    """One endpoint users reach from outside the cluster, as its Route or Ingress has it."""

    name: str = Field(max_length=63, description="jupyterhub, grafana, prometheus or a model's name.")
    kind: Literal["Route", "Ingress"] = Field(description="What exposes it.")
    url: str | None = Field(
        default=None, max_length=300,
        description="https://host (http:// for an Ingress without TLS); unset until a router admits a Route "
        "that asks for no host.",
    )


class OpenDataHubStatus(ApiModel):
    """What the operator last observed."""

    observed_generation: int | None = Field(default=None, ge=0, description="The spec generation last reconciled.")
    phase: Phase | None = Field(default=None, description="Pending, Progressing, Ready or Degraded.")
    platform: Literal["Kubernetes", "OpenShift"] | None = Field(
        default=None, description="The platform the components were rendered for (spec.platform, or what Auto found)."
    )
    ready_components: str | None = Field(default=None, description="Ready components out of those enabled, e.g. 3/5.")
    gpus: GpuStatus | None = Field(
        default=None, description="GPUs the nodes advertise, reported while the GPU device plugin is enabled."
    )
    data_lake: DataLakeStatus | None = Field(
        default=None, description="The data lake's settings and the nodes it may use, while Rook-Ceph is enabled."
    )
    endpoints: list[EndpointStatus] | None = Field(
        default=None,
        description="The enabled components' endpoints: the host of each Route (as the router admitted it) or Ingress.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    conditions: list[Condition] = Field(
        default=[],
        description="One <Component>Ready condition per enabled component, and Ready.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
