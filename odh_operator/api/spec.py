"""The OpenDataHub spec: one section per component, plus cluster-wide settings."""

from typing import Literal

from pydantic import Field

from odh_operator.api.types import (
    ApiModel,
    DnsLabel,
    Image,
    Placement,
    Quantity,
    Resources,
    Storage,
    Toleration,
    resources,
)

ModelName = Literal["sentiment-analysis", "flake-analysis", "duplicate-bug-detection"]
ALL_MODELS: list[ModelName] = ["sentiment-analysis", "flake-analysis", "duplicate-bug-detection"]


class ComponentSpec(ApiModel):
    """Settings every component has."""

    enabled: bool = Field(default=False, description="Install and reconcile this component.")
    placement: Placement = Field(default=Placement(), description="Node selector and tolerations for its pods.")


class CephStorage(ApiModel):
    """The Ceph cluster's object storage daemons, each on a PVC."""

    osd_count: int = Field(default=3, ge=1, le=100, description="Number of OSDs, one PVC each.")
    osd_size: Quantity = Field(default="10Gi", description="Capacity of each OSD's PVC.")
    storage_class_name: str | None = Field(
        default=None, max_length=253, description="StorageClass of the OSD PVCs; the cluster default when unset."
    )


class ObjectStore(ApiModel):
    """The S3 object store of the data lake and its user."""

    name: DnsLabel = Field(default="odh-datalake", description="Name of the CephObjectStore.")
    user: DnsLabel = Field(default="odh", description="Name of the S3 user whose credentials notebooks get.")
    gateway_instances: int = Field(default=1, ge=1, le=10, description="Number of S3 gateway (RGW) pods.")
    replicas: int = Field(
        default=3,
        ge=1,
        le=5,
        description="Copies of every object in the store's pools, each on a different node; 1 only for tests.",
    )


class RookCephSpec(ComponentSpec):
    """Rook operator and a Ceph cluster with an S3 object store: the data lake."""

    operator_image: Image | None = Field(default=None, description="Overrides the Rook operator image.")
    ceph_image: Image | None = Field(default=None, description="Overrides the Ceph image.")
    operator_resources: Resources = Field(default=resources("100m", "128Mi", "512Mi"))
    mon_count: Literal[1, 3, 5] = Field(default=3, description="Number of Ceph monitors.")
    mgr_count: int = Field(default=2, ge=1, le=2, description="Number of Ceph managers (active plus standby).")
    storage: CephStorage = Field(default=CephStorage())
    object_store: ObjectStore = Field(default=ObjectStore())


class SparkOperatorSpec(ComponentSpec):
    """The Kubeflow Spark operator, running SparkApplications."""

    image: Image | None = Field(default=None, description="Overrides the Spark operator controller image.")
    replicas: int = Field(default=1, ge=1, le=5, description="Controller replicas (leader-elected).")
    resources: Resources = Field(default=resources("100m", "128Mi", "512Mi"))
    job_namespaces: list[DnsLabel] = Field(
        default=[],
        description="Namespaces whose SparkApplications it runs; the OpenDataHub's namespace when empty.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )


class Notebook(ApiModel):
    """The single-user notebook servers JupyterHub spawns."""

    image: Image | None = Field(default=None, description="Overrides the default notebook image.")
    resources: Resources = Field(default=resources("500m", "1Gi", "2Gi"))
    gpus: int = Field(default=0, ge=0, le=8, description="NVIDIA GPUs given to each notebook.")
    storage: Storage = Field(default=Storage(size="10Gi"), description="Each user's home volume.")
    placement: Placement = Field(
        default=Placement(),
        description="Node selector and tolerations of notebook pods (GPU notebooks also tolerate nvidia.com/gpu).",
    )


class Culling(ApiModel):
    """Stopping idle notebook servers."""

    enabled: bool = True
    timeout_seconds: int = Field(default=3600, ge=300, le=604800, description="Idle time before a server stops.")


class JupyterHubSpec(ComponentSpec):
    """JupyterHub for data scientists, wired to the data lake, Spark and GPUs."""

    hub_image: Image | None = Field(default=None, description="Overrides the hub image.")
    proxy_image: Image | None = Field(default=None, description="Overrides the proxy image.")
    hub_resources: Resources = Field(default=resources("100m", "256Mi", "1Gi"))
    proxy_resources: Resources = Field(default=resources("50m", "64Mi", "256Mi"))
    hub_storage: Storage = Field(default=Storage(size="1Gi"), description="The hub's database volume.")
    notebook: Notebook = Field(default=Notebook())
    culling: Culling = Field(default=Culling())
    proxy_service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(
        default="ClusterIP", description="Type of the proxy-public Service users reach JupyterHub through."
    )


class Prometheus(ApiModel):
    """The Prometheus server."""

    image: Image | None = Field(default=None, description="Overrides the Prometheus image.")
    retention: str = Field(default="15d", pattern=r"^[0-9]+(ms|s|m|h|d|w|y)$", description="How long to keep data.")
    scrape_interval: str = Field(
        default="30s", pattern=r"^[1-9][0-9]*(s|m)$", max_length=8, description="How often targets are scraped."
    )
    resources: Resources = Field(default=resources("200m", "512Mi", "2Gi"))
    storage: Storage = Field(default=Storage(size="20Gi"))


class Grafana(ApiModel):
    """The Grafana server and its dashboards."""

    image: Image | None = Field(default=None, description="Overrides the Grafana image.")
    resources: Resources = Field(default=resources("100m", "128Mi", "512Mi"))
    storage: Storage = Field(default=Storage(size="1Gi"))


class MonitoringSpec(ComponentSpec):
    """Prometheus and Grafana, monitoring every component and the served models."""

    prometheus: Prometheus = Field(default=Prometheus())
    grafana: Grafana = Field(default=Grafana())


GPU_PLACEMENT = Placement(
    node_selector={"nvidia.com/gpu.present": "true"},
    tolerations=[Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")],
)


class GpuDevicePluginSpec(ComponentSpec):
    """NVIDIA's device plugin, making GPUs schedulable on GPU nodes."""

    placement: Placement = Field(default=GPU_PLACEMENT, description="GPU nodes by default.")
    image: Image | None = Field(default=None, description="Overrides the device plugin image.")
    resources: Resources = Field(default=resources("10m", "32Mi", "128Mi"))
    mig_strategy: Literal["none", "single", "mixed"] = Field(default="none", description="How MIG devices are exposed.")


class AiLibrarySpec(ComponentSpec):
    """REST model serving of the pre-trained AI Library models."""

    image: Image | None = Field(default=None, description="Overrides the model server image.")
    replicas: int = Field(default=1, ge=0, le=20, description="Server replicas per model.")
    resources: Resources = Field(default=resources("100m", "256Mi", "1Gi"))
    models: list[ModelName] = Field(
        default=list(ALL_MODELS),
        description="Models to serve.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )


class OpenDataHubSpec(ApiModel):
    """The desired Open Data Hub platform."""

    image_registry: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*$",
        max_length=253,
        description="Pull every default image from this registry (host[:port][/path]) instead, for air-gapped clusters.",
    )
    image_pull_secrets: list[DnsLabel] = Field(
        default=[], description="Secrets in the namespace used to pull images.", json_schema_extra={"x-kubernetes-list-type": "set"}
    )
    deletion_policy: Literal["Retain", "Delete"] = Field(
        default="Retain",
        description=(
            "What happens to data (PVCs, the Ceph cluster, CRDs and their resources) when a component is "
            "disabled or the OpenDataHub is deleted: Retain keeps it, Delete removes it."
        ),
    )
    rook_ceph: RookCephSpec = Field(default=RookCephSpec())
    spark_operator: SparkOperatorSpec = Field(default=SparkOperatorSpec())
    jupyter_hub: JupyterHubSpec = Field(default=JupyterHubSpec())
    monitoring: MonitoringSpec = Field(default=MonitoringSpec())
    gpu_device_plugin: GpuDevicePluginSpec = Field(default=GpuDevicePluginSpec())
    ai_library: AiLibrarySpec = Field(default=AiLibrarySpec())
