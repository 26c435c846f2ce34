"""Run `odh-operator run` as a Deployment's pod would: the image's entry point, the container's args and
environment, and the pod's ServiceAccount. kwok's pods run no container, so this process stands in for it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from testbed.control_plane import Cluster
from testbed.harness import Operator, free_port
from tests.conftest import ROOT
from tests.e2e.accounts import token_kubeconfig

Object = dict[str, Any]
_ANNOTATION_REF = re.compile(r"^metadata\.annotations\['([^']+)'\]$")


def service_account_kubeconfig(cluster: Cluster, namespace: str, name: str, path: Path) -> Path:
    """A kubeconfig carrying a token of the ServiceAccount, from the TokenRequest API (`kubectl create token`)."""
    token = cluster.kubectl("create", "token", name, "-n", namespace, "--duration=2h").stdout.strip()
    return token_kubeconfig(cluster, token, path)  # valid longer than a slow test runs


def image_entrypoint_args() -> list[str]:
    """What the Dockerfile's ENTRYPOINT passes after the odh-operator program (``run``)."""
    final_stage = (ROOT / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    match = re.search(r"^ENTRYPOINT (.+)$", final_stage, flags=re.M)
    assert match, "the Dockerfile has an ENTRYPOINT"
    entrypoint: list[str] = json.loads(match.group(1))
    assert entrypoint[0].endswith("/odh-operator")
    return entrypoint[1:]


class PodProcess(Operator):
    """The operator process with a Deployment's container args and env (ports moved to free ones)."""

    def __init__(self, deployment: Object, kubeconfig: Path, log: Path, pod_annotations: dict[str, str],
                 priority: int = 1000) -> None:
        super().__init__(kubeconfig, log, priority)
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        args = list(container.get("args", []))
        for index, arg in enumerate(args[:-1]):
            if arg == "--health-port":
                args[index + 1] = str(self.port)
            elif arg == "--metrics-port":
                args[index + 1] = str(self.metrics_port)
            elif arg.endswith("-port"):
                args[index + 1] = str(free_port())
        self.args = [*image_entrypoint_args(), *args, "--priority", str(priority)]
        namespace = deployment["metadata"]["namespace"]
        self.env = {item["name"]: self._value(item, pod_annotations, namespace) for item in container.get("env", [])}
        self.service_account = pod["serviceAccountName"]

    @staticmethod
    def _value(item: Object, pod_annotations: dict[str, str], namespace: str) -> str:
        if "value" in item:
            return str(item["value"])
        path = item["valueFrom"]["fieldRef"]["fieldPath"]
        if path == "metadata.namespace":  # the downward API: the pod's own namespace
            return namespace
        match = _ANNOTATION_REF.match(path)
        assert match, f"unsupported env source {path}"
        return pod_annotations.get(match.group(1), "")

    def start(self) -> None:
        """Start and wait until /healthz answers."""
        env = {**os.environ, **self.env, "KUBECONFIG": str(self.kubeconfig)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "odh_operator", *self.args],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.wait_healthy()
