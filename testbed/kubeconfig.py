"""Write a kubeconfig for the test control plane's admin token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONTEXT = "odh-test"


def render(server: str, token: str, ca_file: Path | None) -> dict[str, Any]:
    """A one-cluster, one-user kubeconfig; without ``ca_file`` TLS verification is skipped."""
    cluster: dict[str, Any] = {"server": server}
    if ca_file is None:
        cluster["insecure-skip-tls-verify"] = True
    else:
        cluster["certificate-authority"] = str(ca_file)
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": "admin"}}],
        "current-context": CONTEXT,
        "preferences": {},
    }


def write(path: Path, server: str, token: str, ca_file: Path | None) -> Path:
    """Write the kubeconfig to ``path`` (mode 0600) and return the path."""
    path.write_text(yaml.safe_dump(render(server, token, ca_file), sort_keys=False))
    path.chmod(0o600)
    return path
