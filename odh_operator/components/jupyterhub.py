"""JupyterHub (zero-to-jupyterhub 4.4.0 images): notebooks wired to the data lake, Spark and GPUs.

The hub runs KubeSpawner with a configuration of our own: a static ``jupyterhub_config.py`` that loads the
traitlets sections this module computes (``settings.json``, both in one ConfigMap) and takes its secrets
from the environment. Every URL is explicit, so nothing depends on the ``*_SERVICE_PORT`` variables
Kubernetes injects for Services (service links are off). Users log in with the shared password from the
generated Secret (JupyterHub's SharedPasswordAuthenticator); the idle culler runs as a hub-managed service.

Notebooks work with or without the data lake: the S3 credentials are optional secretKeyRefs, so a server
starts before the Rook user Secret exists (a kubelet would otherwise hold it in CreateContainerConfigError)
and gets them at its next start. Each notebook runs as the ``jupyterhub-notebook`` ServiceAccount, whose
token is mounted only when Spark is enabled; its Role in each Spark job namespace lets it submit, read and
delete SparkApplications and read their pods and logs, nothing more. Users choose an image and a size
(KubeSpawner profiles) from the spec. ``/hub/metrics`` is open (no token) for Prometheus inside the cluster.
"""

import hashlib
import json
import re
from decimal import ROUND_CEILING, Decimal
from typing import Any

from odh_operator.api.spec import JupyterHubSpec, NotebookImage, NotebookSize, OpenDataHubSpec
from odh_operator.api.types import Resources
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components import spark_s3
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.components.rook_ceph import s3_endpoint, s3_secret_name
from odh_operator.components.spark_operator import SPARK_SERVICE_ACCOUNT, default_job_namespace, job_namespaces
from odh_operator.platform import KUBERNETES, OPENSHIFT, Platform
from odh_operator.readiness import Readiness, first_not_ready, workloads_readiness
from odh_operator.resources import manifests_dir

Json = dict[str, Any]

HUB = "jupyterhub-hub"
PROXY = "jupyterhub-proxy"
PROXY_API_SERVICE = "jupyterhub-proxy-api"
PROXY_PUBLIC_SERVICE = "jupyterhub-proxy-public"
SECRET = "jupyterhub"
NOTEBOOK_SERVICE_ACCOUNT = "jupyterhub-notebook"
SPARK_CONF_CONFIG_MAP = "jupyterhub-spark-conf"
HUB_DB_CLAIM = "jupyterhub-hub-db"
HUB_PORT = 8081
PROXY_HTTP_PORT = 8000
PROXY_API_PORT = 8001
CONFIG_DIR = "/usr/local/etc/jupyterhub"
DATA_DIR = "/srv/jupyterhub"
CONFIG_TEMPLATE = "0300_config.yaml.j2"
# Keys of the generated Secret, and the hub environment variables carrying them.
SECRET_KEYS = {
    "proxy-auth-token": "CONFIGPROXY_AUTH_TOKEN",
    "cookie-secret": "JUPYTERHUB_COOKIE_SECRET_SEED",
    "user-password": "JUPYTERHUB_USER_PASSWORD",
}
# The notebook image's user (jovyan) and the group owning its home, as z2jh's singleuser defaults.
NOTEBOOK_UID = 1000
NOTEBOOK_FS_GID = 100
HOME = "/home/jovyan"
GPU_RESOURCE = "nvidia.com/gpu"
GPU_TOLERATION: Json = {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
ORDERED_CHOICES = "choices_in_order"  # see the config template
CULLER = "jupyterhub-idle-culler"
# Scopes the culler needs (jupyterhub-idle-culler README, z2jh jupyterhub_config.py).
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
CULL_EVERY_MAX_SECONDS = 600
CULL_CONCURRENCY = 10

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$")
_MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1), "m": Decimal("0.001"),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}


def quantity(value: str) -> Decimal:
    """A Kubernetes quantity (500m, 2Gi, 1.5) as a number."""
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    return Decimal(match.group(1)) * _MULTIPLIERS[match.group(2) or ""]


def memory_bytes(value: str | None) -> int | None:
    """A memory quantity in whole bytes (KubeSpawner's mem_* traits), rounded up."""
    return None if value is None else int(quantity(value).to_integral_value(ROUND_CEILING))


def cpu_cores(value: str | None) -> float | None:
    """A CPU quantity in cores (KubeSpawner's cpu_* traits)."""
    return None if value is None else float(quantity(value))


def hub_url(namespace: str) -> str:
    """Where the proxy and the notebooks reach the hub."""
    return f"http://{HUB}.{namespace}.svc:{HUB_PORT}"


def proxy_api_url(namespace: str) -> str:
    """Where the hub reaches the proxy's REST API."""
    return f"http://{PROXY_API_SERVICE}.{namespace}.svc:{PROXY_API_PORT}"


def notebook_environment(spec: OpenDataHubSpec, namespace: str) -> Json:
    """Environment of every notebook: the data lake's S3 settings and where Spark jobs run, when enabled.

    The credentials are optional references: until Rook has created the user Secret the variables are
    simply absent, and a server started (or restarted) after that gets them.
    """
    env: Json = {}
    if spec.rook_ceph.enabled:
        secret = s3_secret_name(spec)
        endpoint = s3_endpoint(spec, namespace)
        for name, key in spark_s3.CREDENTIALS.items():
            env[name] = {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key, "optional": True}}}
        env["S3_ENDPOINT_URL"] = endpoint
        env["AWS_ENDPOINT_URL_S3"] = endpoint  # read by boto3 and the AWS CLI without extra configuration
        env["SPARK_CONF_DIR"] = spark_s3.SPARK_CONF_DIR  # pyspark and spark-submit read the s3a settings there
    if spec.spark_operator.enabled:
        job_namespace = default_job_namespace(spec, namespace)
        env["SPARK_NAMESPACE"] = job_namespace
        env["SPARK_SERVICE_ACCOUNT"] = SPARK_SERVICE_ACCOUNT
        if spec.rook_ceph.enabled:
            # sparkConf for a SparkApplication in SPARK_NAMESPACE: mounts the job namespace's s3a settings and
            # exposes the credentials to driver and executors (native Spark settings, read at submission).
            conf = spark_s3.application_conf(spec, namespace, job_namespace)
            env["SPARK_S3_CONF"] = json.dumps(conf, sort_keys=True)
    return {name: literal(value) if isinstance(value, str) else value for name, value in env.items()}


def literal(value: str) -> str:
    """A value KubeSpawner's template expansion ({username}, ...) leaves exactly as it is."""
    return value.replace("{", "{{").replace("}", "}}")


def notebook_spark_conf(spec: OpenDataHubSpec, namespace: str) -> dict[str, str] | None:
    """The notebooks' spark-defaults.conf (s3a settings, credential refs), when the data lake is enabled."""
    if not spec.rook_ceph.enabled:
        return None
    return {"spark-defaults.conf": spark_s3.spark_defaults_conf(spec, namespace, with_credentials=True)}


def resource_traits(resources: Resources) -> Json:
    """KubeSpawner's cpu_*/mem_* traits for a container's requests and limits (None where unset)."""
    return {
        "cpu_guarantee": cpu_cores(resources.requests.cpu),
        "cpu_limit": cpu_cores(resources.limits.cpu),
        "mem_guarantee": memory_bytes(resources.requests.memory),
        "mem_limit": memory_bytes(resources.limits.memory),
    }


def notebook_resources(section: JupyterHubSpec) -> Json:
    """KubeSpawner's base resource traits; the GPU limit only when GPUs are asked for."""
    notebook = section.notebook
    traits = resource_traits(notebook.resources)
    if notebook.gpus > 0:
        traits["extra_resource_limits"] = {GPU_RESOURCE: str(notebook.gpus)}
    return {key: value for key, value in traits.items() if value is not None}


def notebook_tolerations(section: JupyterHubSpec, gpus: int | None = None) -> list[Json]:
    """The notebook placement's tolerations, plus the GPU taint's when notebooks get GPUs."""
    tolerations: list[Json] = [
        t.model_dump(by_alias=True, exclude_none=True) for t in section.notebook.placement.tolerations
    ]
    if (section.notebook.gpus if gpus is None else gpus) > 0 and GPU_TOLERATION not in tolerations:
        tolerations.append(dict(GPU_TOLERATION))
    return tolerations


def _title(name: str) -> str:
    return name.replace("-", " ").title()


def size_choice(size: NotebookSize, default: bool) -> Json:
    """One size in the profile form: its display name and every resource trait (unset ones cleared)."""
    r = size.resources
    limits = ", ".join(f"{k} {v}" for k, v in (("CPU", r.limits.cpu), ("memory", r.limits.memory)) if v)
    label = size.display_name or _title(size.name)
    return {
        "display_name": f"{label} (limits: {limits})" if limits else label,
        "default": default,
        "kubespawner_override": resource_traits(r),
    }


def profile(image: NotebookImage, reference: str, section: JupyterHubSpec, default: bool) -> Json:
    """A KubeSpawner profile for one image, with the sizes as its one option."""
    overrides: Json = {"image": reference}
    if image.gpus > 0:
        overrides["extra_resource_limits"] = {GPU_RESOURCE: str(image.gpus)}
        overrides["tolerations"] = notebook_tolerations(section, image.gpus)
    entry: Json = {
        "display_name": image.display_name or _title(image.name),
        "slug": image.name,
        "default": default,
        "kubespawner_override": overrides,
    }
    if image.description:
        entry["description"] = image.description
    sizes = section.notebook.sizes
    if sizes:
        chosen = next((s.name for s in sizes if s.default), sizes[0].name)
        entry["profile_options"] = {"size": {
            "display_name": "Container size",
            # settings.json has sorted keys: the config file turns this list into the choices dict, in order.
            ORDERED_CHOICES: [[s.name, size_choice(s, s.name == chosen)] for s in sizes],
        }}
    return entry


def offered_images(spec: OpenDataHubSpec) -> list[NotebookImage]:
    """The images users may choose: the spec's list, the built-in gpu image only with the device plugin."""
    return [i for i in spec.jupyter_hub.notebook.images if i.name != "gpu" or spec.gpu_device_plugin.enabled]


def profile_list(spec: OpenDataHubSpec, image_refs: dict[str, str]) -> list[Json]:
    """KubeSpawner's profile_list: one profile per offered image (pinned or overridden), sizes as options."""
    offered = offered_images(spec)
    if not offered:
        return []
    chosen = next((i.name for i in offered if i.default), offered[0].name)
    return [
        profile(i, i.image or image_refs[f"notebook-{i.name}"], spec.jupyter_hub, i.name == chosen) for i in offered
    ]


def notebook_storage(spec: OpenDataHubSpec) -> Json:
    """One PVC per user server, created by KubeSpawner and mounted as the home directory; Spark's settings."""
    storage = spec.jupyter_hub.notebook.storage
    volumes: list[Json] = [{"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
    mounts: list[Json] = [{"name": "home", "mountPath": HOME}]
    if spec.rook_ceph.enabled:
        volumes.append({"name": "spark-conf", "configMap": {"name": SPARK_CONF_CONFIG_MAP}})
        mounts.append({"name": "spark-conf", "mountPath": spark_s3.SPARK_CONF_DIR, "readOnly": True})
    traits: Json = {
        "storage_pvc_ensure": True,
        "pvc_name_template": "claim-{user_server}",
        "storage_capacity": storage.size,
        "storage_access_modes": ["ReadWriteOnce"],
        "storage_extra_labels": {"opendatahub.io/data": "true"},
        "volumes": volumes,
        "volume_mounts": mounts,
    }
    if storage.storage_class_name:
        traits["storage_class"] = storage.storage_class_name
    return traits


def notebook_ids(platform: Platform) -> Json:
    """KubeSpawner's uid/gid/fs_gid/supplemental_gids: docker-stacks' jovyan (1000) with the users group (100)
    owning home and conda on Kubernetes; on OpenShift none, so restricted-v2 assigns UID and fsGroup from the
    namespace's range: the images' start.sh then adds that UID to /etc/passwd (group-0 writable), and the
    supplemental group 100 (restricted-v2: supplementalGroups RunAsAny) keeps conda writable for pip."""
    if platform == OPENSHIFT:
        return {"uid": None, "gid": None, "fs_gid": None, "supplemental_gids": [NOTEBOOK_FS_GID]}
    return {"uid": NOTEBOOK_UID, "fs_gid": NOTEBOOK_FS_GID}


def spawner_config(spec: OpenDataHubSpec, namespace: str, image_refs: dict[str, str],
                   platform: Platform = KUBERNETES) -> Json:
    """The KubeSpawner section: image, resources, storage, placement, security and environment of notebooks."""
    section = spec.jupyter_hub
    config: Json = {
        "namespace": namespace,
        "image": image_refs["notebook"],
        "profile_list": profile_list(spec, image_refs),
        "image_pull_policy": "IfNotPresent",
        "cmd": ["jupyterhub-singleuser"],
        "start_timeout": 300,
        # Labels of notebook pods and PVCs (KubeSpawner adds its component label, which it selects them by);
        # never the owner label, or the operator would prune them.
        "common_labels": {
            "app.kubernetes.io/name": "jupyterhub-notebook",
            "app.kubernetes.io/part-of": "opendatahub",
            "app.kubernetes.io/managed-by": "kubespawner",
        },
        **notebook_ids(platform),
        "allow_privilege_escalation": False,
        "pod_security_context": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "container_security_context": {
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        # Its own account; the token only when there is Spark to talk to (its Role covers nothing else).
        "service_account": NOTEBOOK_SERVICE_ACCOUNT,
        "automount_service_account_token": spec.spark_operator.enabled,
        "node_selector": dict(section.notebook.placement.node_selector),
        "tolerations": notebook_tolerations(section),
        "environment": notebook_environment(spec, namespace),
        **notebook_resources(section),
        **notebook_storage(spec),
    }
    if spec.image_pull_secrets:
        config["image_pull_secrets"] = list(spec.image_pull_secrets)
    return config


def culler_config(section: JupyterHubSpec) -> tuple[list[Json], list[Json]]:
    """The idle culler as a hub-managed service and its role, or nothing when culling is off."""
    if not section.culling.enabled:
        return [], []
    timeout = section.culling.timeout_seconds
    command = [
        "python3", "-m", "jupyterhub_idle_culler",
        f"--url=http://localhost:{HUB_PORT}/hub/api",
        f"--timeout={timeout}",
        f"--cull-every={min(CULL_EVERY_MAX_SECONDS, timeout // 2)}",
        f"--concurrency={CULL_CONCURRENCY}",
    ]
    service = {"name": CULLER, "command": command}
    role = {"name": CULLER, "scopes": list(CULLER_SCOPES), "services": [CULLER]}
    return [service], [role]


def hub_config(spec: OpenDataHubSpec, namespace: str, image_refs: dict[str, str],
               platform: Platform = KUBERNETES) -> dict[str, Json]:
    """Every traitlets section of the hub's configuration except the secrets (settings.json)."""
    services, roles = culler_config(spec.jupyter_hub)
    return {
        "JupyterHub": {
            "spawner_class": "kubespawner.KubeSpawner",
            "authenticator_class": "shared-password",
            "hub_bind_url": f"http://:{HUB_PORT}",
            "hub_connect_url": hub_url(namespace),
            "db_url": f"sqlite:///{DATA_DIR}/jupyterhub.sqlite",
            # User servers outlive hub restarts; the hub re-checks the proxy's routes every minute.
            "cleanup_servers": False,
            "last_activity_interval": 60,
            "tornado_settings": {"slow_spawn_timeout": 0},
            "services": services,
            "load_roles": roles,
            # Prometheus in the cluster scrapes /hub/metrics without a token (the monitoring component).
            "authenticate_prometheus": False,
        },
        "ConfigurableHTTPProxy": {"should_start": False, "api_url": proxy_api_url(namespace)},
        "Authenticator": {"allow_all": True},
        "KubeSpawner": spawner_config(spec, namespace, image_refs, platform),
    }


def checksum(*values: Any) -> str:
    """A stable digest of configuration, put on pod templates so a change rolls the pods."""
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _pvc_readiness(observed: list[Object]) -> Readiness:
    """Error when the hub's database volume lost its PersistentVolume."""
    for obj in observed:
        if obj.get("kind") == "PersistentVolumeClaim" and (obj.get("status") or {}).get("phase") == "Lost":
            name = obj["metadata"]["name"]
            return Readiness("Error", "HubVolumeLost", f"PersistentVolumeClaim/{name}: its volume is lost")
    return Readiness("Ready", "AllReady", "volumes bound")


class JupyterHub(Component):
    """The hub (KubeSpawner, idle culler), the proxy, and their RBAC, config, secret, volume and Services."""

    name = "jupyterhub"
    spec_key = "jupyter_hub"
    title = "JupyterHub"
    # Notebook images: Jupyter's docker-stacks, one dated build (quay.io/jupyter, tags are build dates).
    # pyspark-notebook carries Spark and pyspark; the base image (no profiles) is that one too.
    default_images = {
        "hub": "quay.io/jupyterhub/k8s-hub:4.4.0",
        "proxy": "quay.io/jupyterhub/configurable-http-proxy:5.2.0",
        "notebook": "quay.io/jupyter/pyspark-notebook:2025-12-15",
        "notebook-pyspark": "quay.io/jupyter/pyspark-notebook:2025-12-15",
        "notebook-datascience": "quay.io/jupyter/datascience-notebook:2025-12-15",
        "notebook-minimal": "quay.io/jupyter/minimal-notebook:2025-12-15",
        "notebook-gpu": "quay.io/jupyter/pytorch-notebook:cuda12-2025-12-15",
    }

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: JupyterHubSpec = spec.jupyter_hub
        return {"hub": section.hub_image, "proxy": section.proxy_image, "notebook": section.notebook.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        namespace = instance.namespace
        config = hub_config(spec, namespace, self.images(spec), instance.platform)
        # The config file is static text in the template: hash it too, so an operator upgrade that changes
        # it restarts the hub.
        template = (manifests_dir() / self.name / CONFIG_TEMPLATE).read_text()
        return {
            "hub": HUB,
            "proxy": PROXY,
            "proxy_api_service": PROXY_API_SERVICE,
            "proxy_public_service": PROXY_PUBLIC_SERVICE,
            "secret_name": SECRET,
            "secret_keys": SECRET_KEYS,
            "hub_db_claim": HUB_DB_CLAIM,
            "hub_port": HUB_PORT,
            "proxy_http_port": PROXY_HTTP_PORT,
            "proxy_api_port": PROXY_API_PORT,
            "hub_url": hub_url(instance.namespace),
            "config_dir": CONFIG_DIR,
            "data_dir": DATA_DIR,
            "hub_config": config,
            "notebook_service_account": NOTEBOOK_SERVICE_ACCOUNT,
            "notebook_token": spec.spark_operator.enabled,
            "spark_job_namespaces": job_namespaces(spec, namespace) if spec.spark_operator.enabled else [],
            "spark_conf_config_map": SPARK_CONF_CONFIG_MAP,
            "spark_conf": notebook_spark_conf(spec, namespace),
            "hub_config_checksum": checksum(config, template),
        }

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        return first_not_ready(_pvc_readiness(observed), workloads_readiness(observed))


COMPONENT = JupyterHub()
