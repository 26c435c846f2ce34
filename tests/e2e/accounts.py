"""Acting as a ServiceAccount in the end-to-end tests: a kubeconfig with only its token, and kubectl with it."""

import subprocess
from pathlib import Path

import yaml

from testbed.control_plane import Cluster


def token_kubeconfig(cluster: Cluster, token: str, path: Path) -> Path:
    """A kubeconfig that authenticates with this token only (no admin credentials left in it)."""
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    for user in config["users"]:
        user["user"] = {"token": token}
    path.write_text(yaml.safe_dump(config))
    return path


def account_token(cluster: Cluster, account: str, namespace: str, pod: str | None = None) -> str:
    """A TokenRequest for the account (bound to a pod, as the kubelet mounts it, when one is named)."""
    bound = ["--bound-object-kind", "Pod", "--bound-object-name", pod] if pod else []
    return cluster.kubectl("create", "token", account, "-n", namespace, *bound, "--duration", "10m").stdout.strip()


def as_account(cluster: Cluster, kubeconfig: Path, *args: str, input: str | None = None
               ) -> subprocess.CompletedProcess[str]:
    """kubectl with that kubeconfig; the result is returned whatever the exit status."""
    return cluster.kubectl("--kubeconfig", str(kubeconfig), *args, input=input, check=False)
