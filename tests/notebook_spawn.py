"""Notebook pods exactly as the hub would create them: the rendered jupyterhub_config.py loaded through
traitlets (as JupyterHub loads it), and KubeSpawner's own profile and manifest code.

Shared by the unit tests (what the pod looks like) and the end-to-end tests (what the API server and RBAC
make of it).
"""

import asyncio
import os
from pathlib import Path
from typing import Any

import yaml

Object = dict[str, Any]
# The hub's secrets come from its environment; any values do for building pods.
SECRET_ENV = {
    "CONFIGPROXY_AUTH_TOKEN": "proxy-token",
    "JUPYTERHUB_COOKIE_SECRET_SEED": "not-hex-at-all",
    "JUPYTERHUB_USER_PASSWORD": "a-long-shared-password",
}
CONFIG_MAP = "jupyterhub-hub-config"


def hub_config_files(objects: list[Object]) -> dict[str, str]:
    """The files of the hub's rendered configuration ConfigMap."""
    [config_map] = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == CONFIG_MAP]
    files: dict[str, str] = config_map["data"]
    return files


def load_hub_config(objects: list[Object], directory: Path) -> Any:
    """Write the rendered configuration to ``directory`` and load it the way JupyterHub does."""
    from traitlets.config import loader

    for key, value in hub_config_files(objects).items():
        (directory / key).write_text(value)
    saved = {name: os.environ.get(name) for name in SECRET_ENV}
    os.environ.update(SECRET_ENV)
    try:
        return loader.PyFileConfigLoader("jupyterhub_config.py", path=str(directory)).load_config()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _dummy_kubeconfig(directory: Path) -> Path:
    """KubeSpawner loads a kubeconfig when constructed; building a manifest never calls the API."""
    path = directory / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "none",
        "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "none", "user": {"token": "none"}}],
        "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}],
    }))
    return path


def spawner(config: Any, directory: Path, user: str = "alice") -> Any:
    """A KubeSpawner configured as the hub's, for ``user`` (call inside a running event loop)."""
    from kubernetes_asyncio.config import kube_config
    from kubespawner import KubeSpawner
    from kubespawner.spawner import MockObject

    kube_config.KUBE_CONFIG_DEFAULT_LOCATION = str(_dummy_kubeconfig(directory))  # read when KubeSpawner starts
    person = MockObject()
    person.name, person.id, person.url = user, 1, f"/user/{user}/"
    return KubeSpawner(config=config, user=person, _mock=True)


def form_choices(config: Any, directory: Path, formdata: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    """The options form users see, and the user_options KubeSpawner makes of a submitted form."""
    async def submit() -> tuple[str, dict[str, Any]]:
        built = spawner(config, directory)
        form = await built.get_options_form()
        options: dict[str, Any] = built.options_from_form(formdata)
        return str(form), options

    return asyncio.run(submit())


def notebook_pod(config: Any, directory: Path, user_options: dict[str, str] | None = None,
                 user: str = "alice") -> Object:
    """The pod KubeSpawner would create for ``user`` with these form choices (profile, size)."""
    from kubernetes_asyncio.client import ApiClient

    async def build() -> Object:
        built = spawner(config, directory, user)
        built.user_options = dict(user_options or {})
        await built.load_user_options()
        pod = await built.get_pod_manifest()
        async with ApiClient() as api:
            manifest: Object = api.sanitize_for_serialization(pod)
        return manifest

    return asyncio.run(build())
