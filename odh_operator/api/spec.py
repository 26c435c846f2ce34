"""The OpenDataHub spec: one section per component, plus cluster-wide settings."""

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from odh_operator.api.types import (
    ApiModel,
    DisplayName,
    DnsLabel,
    DnsSubdomain,
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


DEVICE_PATTERN = r"^(/dev/)?[A-Za-z0-9][-A-Za-z0-9_.:/]*$"


class OsdNode(ApiModel):
    """One node whose listed devices become OSDs."""

    name: DnsSubdomain = Field(description="The node's name (its kubernetes.io/hostname label).")
    devices: list[Annotated[str, Field(pattern=DEVICE_PATTERN, max_length=256)]] = Field(
        min_length=1,
        max_length=32,
        description="Whole disks or partitions: a name under /dev (sdb, nvme0n1, loop0) or a full /dev/disk/by-id path.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )


def _devices_modes(storage: "CephStorage") -> list[str]:
    return [
        name
        for name, used in (
            ("useAllDevices", storage.use_all_devices),
            ("deviceFilter", storage.device_filter is not None),
            ("nodes", bool(storage.nodes)),
        )
        if used
    ]


_DEVICE_ONLY_FIELDS = "useAllDevices, deviceFilter, nodes and allowLoopDevices"


class CephStorage(ApiModel):
    """Where the Ceph cluster's object storage daemons (OSDs) keep their data: PVCs or node devices."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "self.mode == 'devices' || ((!has(self.useAllDevices) || !self.useAllDevices) && "
                    "!has(self.deviceFilter) && (!has(self.nodes) || size(self.nodes) == 0) && "
                    "(!has(self.allowLoopDevices) || !self.allowLoopDevices))",
                    "message": f"{_DEVICE_ONLY_FIELDS} apply only to mode: devices",
                },
                {
                    "rule": "self.mode != 'devices' || (has(self.useAllDevices) && self.useAllDevices) || "
                    "has(self.deviceFilter) || (has(self.nodes) && size(self.nodes) > 0)",
                    "message": "mode: devices needs one of useAllDevices: true, deviceFilter or nodes",
                },
                {
                    "rule": "((has(self.useAllDevices) && self.useAllDevices) ? 1 : 0) + (has(self.deviceFilter) ? 1 : 0)"
                    " + ((has(self.nodes) && size(self.nodes) > 0) ? 1 : 0) <= 1",
                    "message": "useAllDevices, deviceFilter and nodes are alternatives: set only one",
                },
                {
                    "rule": "self.mode == 'pvc' || !has(self.storageClassName)",
                    "message": "storageClassName applies only to mode: pvc",
                },
            ]
        }
    )

    mode: Literal["pvc", "devices"] = Field(
        default="pvc",
        description=(
            "pvc: each OSD on a raw block PVC of storageClassName (the class must provision volumeMode Block). "
            "devices: OSDs on the nodes' own disks (useAllDevices, deviceFilter or nodes)."
        ),
    )
    osd_count: int = Field(default=3, ge=1, le=100, description="mode pvc: number of OSDs, one PVC each.")
    osd_size: Quantity = Field(default="10Gi", description="mode pvc: capacity of each OSD's PVC.")
    storage_class_name: str | None = Field(
        default=None,
        max_length=253,
        pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
        description="mode pvc: StorageClass of the OSD PVCs, which must provision raw block volumes; the cluster default when unset.",
    )
    use_all_devices: bool = Field(
        default=False, description="mode devices: every empty disk of every node the data lake's placement allows."
    )
    device_filter: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        pattern=r"^[^\s]+$",
        description="mode devices: a regular expression of device names to use on every allowed node, e.g. ^sd[b-d]$ or ^loop0$.",
    )
    nodes: list[OsdNode] = Field(
        default=[],
        max_length=100,
        description="mode devices: the devices to use, node by node (no other node gets OSDs).",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    allow_loop_devices: bool = Field(
        default=False,
        description="mode devices: let loop devices become OSDs (test clusters only, such as kind; see hack/kind-loop-device.sh).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> "CephStorage":
        """The CRD's rules, for specs that did not pass through the API server."""
        modes = _devices_modes(self)
        if self.mode == "pvc" and (modes or self.allow_loop_devices):
            raise ValueError(f"{_DEVICE_ONLY_FIELDS} apply only to mode: devices")
        if self.mode == "devices" and not modes:
            raise ValueError("mode: devices needs one of useAllDevices: true, deviceFilter or nodes")
        if len(modes) > 1:
            raise ValueError("useAllDevices, deviceFilter and nodes are alternatives: set only one")
        if self.mode == "devices" and self.storage_class_name is not None:
            raise ValueError("storageClassName applies only to mode: pvc")
        names = [n.name for n in self.nodes]
        if len(names) != len(set(names)):
            raise ValueError("nodes: each node may be listed once")
        return self


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

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "!has(self.storage) || !has(self.objectStore) || self.storage.mode != 'pvc' || "
                    "self.objectStore.replicas <= self.storage.osdCount",
                    "message": "objectStore.replicas must not exceed storage.osdCount: every copy needs its own OSD",
                },
            ]
        }
    )

    operator_image: Image | None = Field(default=None, description="Overrides the Rook operator image.")
    ceph_image: Image | None = Field(default=None, description="Overrides the Ceph image.")
    operator_resources: Resources = Field(default=resources("100m", "128Mi", "512Mi"))
    mon_count: Literal[1, 3, 5] = Field(default=3, description="Number of Ceph monitors.")
    mgr_count: int = Field(default=2, ge=1, le=2, description="Number of Ceph managers (active plus standby).")
    storage: CephStorage = Field(default=CephStorage())
    object_store: ObjectStore = Field(default=ObjectStore())

    @model_validator(mode="after")
    def _replicas_fit(self) -> "RookCephSpec":
        """The CRD's rule, for specs that did not pass through the API server."""
        if self.storage.mode == "pvc" and self.object_store.replicas > self.storage.osd_count:
            raise ValueError("objectStore.replicas must not exceed storage.osdCount: every copy needs its own OSD")
        return self


class SparkWebhook(ApiModel):
    """The Spark operator's admission webhook: defaults and validates SparkApplications, patches their pods."""

    enabled: bool = Field(
        default=True,
        description=(
            "Run the webhook (upstream's default). Without it a SparkApplication without spec.mode is submitted "
            "with an empty deploy mode, and pod fields such as sparkConfigMap, volumes, env and tolerations of "
            "driver and executors are ignored."
        ),
    )
    replicas: int = Field(default=1, ge=1, le=5, description="Webhook replicas (leader-elected when more than one).")
    failure_policy: Literal["Fail", "Ignore"] = Field(
        default="Fail",
        description="What the API server does when the webhook cannot be reached: Fail refuses the request.",
    )
    timeout_seconds: int = Field(default=10, ge=1, le=30, description="How long the API server waits for it.")
    resources: Resources = Field(default=resources("50m", "64Mi", "256Mi"))


class SparkOperatorSpec(ComponentSpec):
    """The Kubeflow Spark operator, running SparkApplications."""

    image: Image | None = Field(default=None, description="Overrides the Spark operator controller image.")
    replicas: int = Field(default=1, ge=1, le=5, description="Controller replicas (leader-elected).")
    resources: Resources = Field(default=resources("100m", "128Mi", "512Mi"))
    job_namespaces: list[DnsLabel] = Field(
        default=[],
        max_length=50,
        description="Namespaces whose SparkApplications it runs; the OpenDataHub's namespace when empty.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    webhook: SparkWebhook = Field(default=SparkWebhook())


BUILTIN_NOTEBOOK_IMAGES = ("minimal", "datascience", "pyspark", "gpu")


def _one_default(items: list[Any], what: str) -> None:
    if sum(1 for item in items if item.default) > 1:
        raise ValueError(f"at most one {what} may be the default")


def _unique_names(items: list[Any], what: str) -> None:
    names = [item.name for item in items]
    if len(names) != len(set(names)):
        raise ValueError(f"{what} names must be unique")


class NotebookImage(ApiModel):
    """One image users can choose when they start a server (a KubeSpawner profile)."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [{
                "rule": "self.name in ['minimal', 'datascience', 'pyspark', 'gpu'] || has(self.image)",
                "message": "image is required unless name is one of minimal, datascience, pyspark, gpu",
            }],
        }
    )

    name: DnsLabel = Field(description="Identifier (the profile's slug); minimal, datascience, pyspark and gpu have default images.")
    display_name: DisplayName | None = Field(default=None, description="Shown to users; derived from the name when unset.")
    description: DisplayName | None = Field(default=None, description="Shown under the name.")
    image: Image | None = Field(default=None, description="The image; the pinned upstream one for the built-in names.")
    gpus: int = Field(default=0, ge=0, le=8, description="NVIDIA GPUs each server of this image gets.")
    default: bool = Field(default=False, description="Preselected; the first image when none is.")

    @model_validator(mode="after")
    def _image_known(self) -> "NotebookImage":
        if self.image is None and self.name not in BUILTIN_NOTEBOOK_IMAGES:
            raise ValueError(f"image is required unless name is one of {', '.join(BUILTIN_NOTEBOOK_IMAGES)}")
        return self


class NotebookSize(ApiModel):
    """A container size users can choose: CPU and memory requests and limits."""

    name: DnsLabel = Field(description="Identifier of the size.")
    display_name: DisplayName | None = Field(default=None, description="Shown to users; derived from the name when unset.")
    resources: Resources = Field(description="Requests and limits of the notebook container.")
    default: bool = Field(default=False, description="Preselected; the first size when none is.")


# The sizes the Open Data Hub offered (jupyterhub-singleuser-profiles' sizes).
ODH_SIZES = [
    NotebookSize(name="small", display_name="Small", resources=resources("1", "1Gi", "2Gi", "2")),
    NotebookSize(name="medium", display_name="Medium", resources=resources("2", "2Gi", "4Gi", "4")),
    NotebookSize(name="large", display_name="Large", resources=resources("4", "4Gi", "8Gi", "8")),
]
DEFAULT_NOTEBOOK_IMAGES = [
    NotebookImage(name="pyspark", display_name="PySpark", default=True,
                  description="Python, the SciPy stack and Spark (pyspark), with the data lake and Spark settings"),
    NotebookImage(name="datascience", display_name="Data Science", description="Python, R and Julia with the SciPy stack"),
    NotebookImage(name="minimal", display_name="Minimal", description="Python and JupyterLab only"),
    NotebookImage(name="gpu", display_name="GPU (PyTorch, CUDA)", gpus=1,
                  description="PyTorch with CUDA on one NVIDIA GPU; offered when the GPU device plugin is enabled"),
]


class Notebook(ApiModel):
    """The single-user notebook servers JupyterHub spawns."""

    image: Image | None = Field(
        default=None, description="Overrides the base notebook image (used when no images are listed)."
    )
    resources: Resources = Field(
        default=resources("500m", "1Gi", "2Gi"), description="Base resources (used when no sizes are listed)."
    )
    gpus: int = Field(default=0, ge=0, le=8, description="NVIDIA GPUs given to each notebook (base setting).")
    images: list[NotebookImage] = Field(
        default=DEFAULT_NOTEBOOK_IMAGES,
        max_length=20,
        description=(
            "Images users choose from (KubeSpawner profiles). The gpu image is offered only when the GPU device "
            "plugin is enabled. An empty list offers no choice: every server runs the base image."
        ),
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "x-kubernetes-validations": [
                {"rule": "self.filter(i, i.default).size() <= 1", "message": "at most one image may be the default"}
            ],
        },
    )
    sizes: list[NotebookSize] = Field(
        default=ODH_SIZES,
        max_length=20,
        description="Sizes users choose from with each image; an empty list uses the base resources.",
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "x-kubernetes-validations": [
                {"rule": "self.filter(s, s.default).size() <= 1", "message": "at most one size may be the default"}
            ],
        },
    )
    storage: Storage = Field(default=Storage(size="10Gi"), description="Each user's home volume.")
    placement: Placement = Field(
        default=Placement(),
        description="Node selector and tolerations of notebook pods (GPU notebooks also tolerate nvidia.com/gpu).",
    )

    @model_validator(mode="after")
    def _choices_consistent(self) -> "Notebook":
        _unique_names(self.images, "image")
        _unique_names(self.sizes, "size")
        _one_default(self.images, "image")
        _one_default(self.sizes, "size")
        return self


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
    scrape_operator: bool = Field(
        default=False,
        description=(
            "Scrape the odh-operator through the odh-operator-metrics Service its install file creates in "
            "operatorNamespace (no right to read pods there is needed), and add its dashboard and alerts. Off by "
            "default: the operator's metrics name every OpenDataHub it runs, not only this one."
        ),
    )
    operator_namespace: DnsLabel = Field(
        default="odh-operator-system",
        description="The namespace the odh-operator runs in, where its metrics Service is (nothing is written there).",
    )


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
    tolerations=[Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")],
)


class GpuDevicePluginSpec(ComponentSpec):
    """NVIDIA's device plugin, making GPUs schedulable on GPU nodes."""

    placement: Placement = Field(
        default=GPU_PLACEMENT,
        description=(
            "Extra node selector and tolerations. The plugin always runs only on GPU nodes: those Node Feature "
            "Discovery labels feature.node.kubernetes.io/pci-10de.present=true (or, on Tegra, "
            "cpu-model.vendor_id=NVIDIA), or labelled nvidia.com/gpu.present=true by hand."
        ),
    )
    image: Image | None = Field(default=None, description="Overrides the device plugin image.")
    resources: Resources = Field(default=resources("10m", "32Mi", "128Mi"))
    mig_strategy: Literal["none", "single", "mixed"] = Field(default="none", description="How MIG devices are exposed.")
    runtime_class_name: DnsSubdomain | None = Field(
        default=None,
        description="RuntimeClass of the plugin's pods (e.g. nvidia, when the NVIDIA runtime is not the default).",
    )


class AiLibraryModelFiles(ApiModel):
    """Where the model servers read the trained model files and known corpora: the image's, a volume's or S3's."""

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {"rule": "self.source != 'Volume' || has(self.claimName)",
                 "message": "claimName is required when source is Volume"},
                {"rule": "self.source != 'S3' || has(self.bucket)", "message": "bucket is required when source is S3"},
            ]
        }
    )

    source: Literal["Image", "Volume", "S3"] = Field(
        default="Image",
        description=(
            "Image: the files baked into the image. Volume: the PersistentVolumeClaim claimName, one folder per "
            "model (<model>/). S3: s3://<bucket>/<prefix>/<model>/ in the data lake's object store."
        ),
    )
    claim_name: DnsSubdomain | None = Field(
        default=None, description="Volume: the PersistentVolumeClaim holding the files, mounted read-only."
    )
    bucket: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="S3: the data lake bucket."
    )
    prefix: str = Field(
        default="ai-library",
        pattern=r"^([A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*)?$",
        max_length=512,
        description="S3: the key prefix under which each model has its folder.",
    )

    @model_validator(mode="after")
    def _source_settings(self) -> "AiLibraryModelFiles":
        """The CRD's rules, for specs that did not pass through the API server."""
        if self.source == "Volume" and not self.claim_name:
            raise ValueError("claimName is required when source is Volume")
        if self.source == "S3" and not self.bucket:
            raise ValueError("bucket is required when source is S3")
        return self


class AiLibrarySpec(ComponentSpec):
    """REST model serving of the pre-trained AI Library models."""

    image: Image | None = Field(default=None, description="Overrides the model server image.")
    model_files: AiLibraryModelFiles = Field(
        default=AiLibraryModelFiles(), description="Where the servers load model files from (default: the image)."
    )
    replicas: int = Field(default=1, ge=0, le=20, description="Server replicas per model.")
    resources: Resources = Field(default=resources("100m", "256Mi", "1Gi"))
    models: list[ModelName] = Field(
        default=list(ALL_MODELS),
        description="Models to serve.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )


EndpointName = Literal["jupyterhub", "grafana", "prometheus", "sentiment-analysis", "flake-analysis",
                       "duplicate-bug-detection"]


class EndpointHost(ApiModel):
    """The host of one endpoint, instead of the one built from the domain."""

    name: EndpointName = Field(description="The endpoint: jupyterhub, grafana, prometheus or a model's name.")
    host: DnsSubdomain = Field(description="Its DNS name (a DNS subdomain, no scheme, port or path).")


class IngressSettings(ApiModel):
    """Ingress objects for the endpoints on plain Kubernetes (OpenShift gets Routes instead)."""

    enabled: bool = Field(default=False, description="Create an Ingress per endpoint (Kubernetes only).")
    class_name: DnsSubdomain | None = Field(
        default=None, description="The IngressClass to use; the cluster's default class when unset."
    )
    tls_secret_name: DnsSubdomain | None = Field(
        default=None,
        description="A TLS Secret in the namespace (e.g. a wildcard certificate for the domain) every Ingress "
        "terminates TLS with; plain HTTP when unset.",
    )


class EndpointsSpec(ApiModel):
    """How users reach JupyterHub, Grafana, Prometheus and each model's REST endpoint from outside the cluster.

    On OpenShift each gets a Route (edge TLS, HTTP redirected to HTTPS); on Kubernetes an Ingress when
    ingress.enabled. Hosts are <endpoint>-<OpenDataHub name>-<namespace>.<domain> unless listed in hosts; on
    OpenShift without either the router assigns one. The hosts in use are reported in status.endpoints.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "x-kubernetes-validations": [
                {
                    "rule": "!has(self.ingress) || !has(self.ingress.enabled) || !self.ingress.enabled || "
                    "has(self.domain)",
                    "message": "ingress.enabled needs a domain (hosts not listed under hosts are built from it)",
                },
            ]
        }
    )

    domain: DnsSubdomain | None = Field(
        default=None, description="The DNS domain endpoint hosts are built in, e.g. apps.example.com."
    )
    hosts: list[EndpointHost] = Field(
        default=[],
        max_length=6,
        description="Per-endpoint hosts instead of the built ones.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    ingress: IngressSettings = Field(default=IngressSettings())

    @model_validator(mode="after")
    def _ingress_needs_domain(self) -> "EndpointsSpec":
        if self.ingress.enabled and self.domain is None:
            raise ValueError("ingress.enabled needs a domain (hosts not listed under hosts are built from it)")
        if len({h.name for h in self.hosts}) != len(self.hosts):
            raise ValueError("hosts lists an endpoint twice")
        return self


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
    platform: Literal["Auto", "Kubernetes", "OpenShift"] = Field(
        default="Auto",
        description=(
            "The platform to render for: OpenShift (no fixed UIDs, SCCs, Routes) or Kubernetes (Ingress). "
            "Auto picks OpenShift when the API server serves security.openshift.io/v1 and route.openshift.io/v1."
        ),
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
    endpoints: EndpointsSpec = Field(
        default=EndpointsSpec(),
        description="Routes (OpenShift) or Ingresses (Kubernetes) for JupyterHub, Grafana, Prometheus and the models.",
    )
