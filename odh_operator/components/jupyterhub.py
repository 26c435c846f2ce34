"""JupyterHub (zero-to-jupyterhub 4.4.0 images): notebooks wired to the data lake, Spark and GPUs.

The hub runs KubeSpawner with a configuration of our own: a static ``jupyterhub_config.py`` that loads the
traitlets sections this module computes (``settings.json``, both in one ConfigMap) and takes its secrets
from the environment. Every URL is explicit, so nothing depends on the ``*_SERVICE_PORT`` variables
Kubernetes injects for Services (service links are off). Users log in with the shared password from the
generated Secret (JupyterHub's SharedPasswordAuthenticator); the idle culler runs as a hub-managed service.
"""

import hashlib
import json
import re
from decimal import ROUND_CEILING, Decimal
from typing import Any

from odh_operator.api.spec import JupyterHubSpec, OpenDataHubSpec
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.components.rook_ceph import s3_endpoint, s3_secret_name
from odh_operator.components.spark_operator import SPARK_SERVICE_ACCOUNT, default_job_namespace
from odh_operator.readiness import Readiness, first_not_ready, workloads_readiness
from odh_operator.resources import manifests_dir

Json = dict[str, Any]

HUB = "jupyterhub-hub"
PROXY = "jupyterhub-proxy"
PROXY_API_SERVICE = "jupyterhub-proxy-api"
PROXY_PUBLIC_SERVICE = "jupyterhub-proxy-public"
SECRET = "jupyterhub"
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
    """Environment of every notebook: S3 credentials of the data lake and where Spark jobs run, when enabled."""
    env: Json = {}
    if spec.rook_ceph.enabled:
        secret = s3_secret_name(spec)
        endpoint = s3_endpoint(spec, namespace)
        for name, key in (("AWS_ACCESS_KEY_ID", "AccessKey"), ("AWS_SECRET_ACCESS_KEY", "SecretKey")):
            env[name] = {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
        env["S3_ENDPOINT_URL"] = endpoint
        env["AWS_ENDPOINT_URL_S3"] = endpoint  # read by boto3 and the AWS CLI without extra configuration
    if spec.spark_operator.enabled:
        env["SPARK_NAMESPACE"] = default_job_namespace(spec, namespace)
        env["SPARK_SERVICE_ACCOUNT"] = SPARK_SERVICE_ACCOUNT
    return env


def notebook_resources(section: JupyterHubSpec) -> Json:
    """KubeSpawner's resource traits from the notebook section; the GPU limit only when GPUs are asked for."""
    notebook = section.notebook
    traits: Json = {
        "cpu_guarantee": cpu_cores(notebook.resources.requests.cpu),
        "cpu_limit": cpu_cores(notebook.resources.limits.cpu),
        "mem_guarantee": memory_bytes(notebook.resources.requests.memory),
        "mem_limit": memory_bytes(notebook.resources.limits.memory),
    }
    if notebook.gpus > 0:
        traits["extra_resource_limits"] = {GPU_RESOURCE: str(notebook.gpus)}
    return {key: value for key, value in traits.items() if value is not None}


def notebook_tolerations(section: JupyterHubSpec) -> list[Json]:
    """The notebook placement's tolerations, plus the GPU taint's when notebooks get GPUs."""
    tolerations: list[Json] = [
        t.model_dump(by_alias=True, exclude_none=True) for t in section.notebook.placement.tolerations
    ]
    if section.notebook.gpus > 0 and GPU_TOLERATION not in tolerations:
        tolerations.append(dict(GPU_TOLERATION))
    return tolerations


def notebook_storage(section: JupyterHubSpec) -> Json:
    """One PVC per user server, created by KubeSpawner and mounted as the home directory."""
    storage = section.notebook.storage
    traits: Json = {
        "storage_pvc_ensure": True,
        "pvc_name_template": "claim-{user_server}",
        "storage_capacity": storage.size,
        "storage_access_modes": ["ReadWriteOnce"],
        "storage_extra_labels": {"opendatahub.io/data": "true"},
        "volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}],
        "volume_mounts": [{"name": "home", "mountPath": HOME}],
    }
    if storage.storage_class_name:
        traits["storage_class"] = storage.storage_class_name
    return traits


def spawner_config(spec: OpenDataHubSpec, namespace: str, image: str) -> Json:
    """The KubeSpawner section: image, resources, storage, placement, security and environment of notebooks."""
    section = spec.jupyter_hub
    config: Json = {
        "namespace": namespace,
        "image": image,
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
        "uid": NOTEBOOK_UID,
        "fs_gid": NOTEBOOK_FS_GID,
        "allow_privilege_escalation": False,
        "pod_security_context": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "container_security_context": {
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "automount_service_account_token": False,
        "node_selector": dict(section.notebook.placement.node_selector),
        "tolerations": notebook_tolerations(section),
        "environment": notebook_environment(spec, namespace),
        **notebook_resources(section),
        **notebook_storage(section),
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


def hub_config(spec: OpenDataHubSpec, namespace: str, notebook_image: str) -> dict[str, Json]:
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
        },
        "ConfigurableHTTPProxy": {"should_start": False, "api_url": proxy_api_url(namespace)},
        "Authenticator": {"allow_all": True},
        "KubeSpawner": spawner_config(spec, namespace, notebook_image),
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
    default_images = {
        "hub": "quay.io/jupyterhub/k8s-hub:4.4.0",
        "proxy": "quay.io/jupyterhub/configurable-http-proxy:5.2.0",
        "notebook": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
    }

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: JupyterHubSpec = spec.jupyter_hub
        return {"hub": section.hub_image, "proxy": section.proxy_image, "notebook": section.notebook.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        config = hub_config(spec, instance.namespace, self.images(spec)["notebook"])
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
            "hub_config_checksum": checksum(config, template),
        }

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        return first_not_ready(_pvc_readiness(observed), workloads_readiness(observed))


COMPONENT = JupyterHub()
