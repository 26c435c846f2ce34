"""The real operator as a process, its identity and RBAC, the API server audit log, and waiting: for tests and bench."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from prometheus_client.parser import text_string_to_metric_families

from odh_operator.cluster_facts import OPERATOR_NAMESPACE_ENV
from odh_operator.install_names import DEFAULT_NAMESPACE
from odh_operator.install_names import NAME as OPERATOR_NAME
from odh_operator.install import install_objects
from testbed.control_plane import Cluster

T = TypeVar("T")
OPERATOR_NAMESPACE = "odh-operator-system"
OPERATOR_USER = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{OPERATOR_NAME}"
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
PEERING_RESOURCES = frozenset({"clusterkopfpeerings", "kopfpeerings"})


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.5) -> T:
    """Poll until ``check`` returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            found = check()
        except subprocess.CalledProcessError as error:
            last = error.stderr
        else:
            if found:
                return found
            last = found
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}"[:2000])


def answers(url: str, process: "subprocess.Popen[bytes]", log: Path) -> bool:
    """Whether a program we started answers ``url`` with 200 yet; fails at once, with its log, if it exited."""
    if process.poll() is not None:
        raise AssertionError(f"{process.args!r} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def free_port(preferred: int = 0) -> int:
    """A TCP port free on loopback right now: ``preferred`` if it still is, else any."""
    for port in ((preferred, 0) if preferred else (0,)):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


def install_operator_rbac(cluster: Cluster) -> None:
    """Apply the operator's install manifests except its Deployment: CRDs, namespace, RBAC."""
    objects = [o for o in install_objects(namespace=OPERATOR_NAMESPACE) if o["kind"] != "Deployment"]
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(crds))
    names = [f"crd/{o['metadata']['name']}" for o in crds]
    jsonpath = '{range .items[*]}{.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}'

    def established() -> bool:  # polled: `kubectl wait` fails at once on a CRD that has no status yet
        found = cluster.kubectl("get", *names, "-o", f"jsonpath={jsonpath}", check=False).stdout.split()
        return found == ["True"] * len(names)

    wait_for("the operator's CRDs Established", established, timeout=120)
    rest = [o for o in objects if o not in crds]
    cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(rest))


def operator_kubeconfig(cluster: Cluster, path: Path) -> Path:
    """A kubeconfig that acts as the operator's ServiceAccount, so the tests prove its RBAC."""
    token = cluster.kubectl("create", "token", OPERATOR_NAME, "-n", OPERATOR_NAMESPACE, "--duration=24h").stdout
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    for user in config["users"]:
        user["user"] = {"token": token.strip()}
    path.write_text(yaml.safe_dump(config))
    return path


class Operator:
    """`odh-operator run` as a separate process, as it runs in its container."""

    def __init__(self, kubeconfig: Path, log: Path, priority: int = 100, python: str = sys.executable) -> None:
        self.python = python  # the interpreter of the environment it runs from
        self.kubeconfig = kubeconfig
        self.log = log
        self.priority = priority
        self.port = free_port()
        self.metrics_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until its health endpoint answers."""
        # As the install file runs it: in its own namespace, which no OpenDataHub may write to.
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), OPERATOR_NAMESPACE_ENV: DEFAULT_NAMESPACE}
        # The same ports again when they are still free; while it was stopped another program may have taken one.
        self.port, self.metrics_port = free_port(self.port), free_port(self.metrics_port)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.python, "-m", "odh_operator", "run", "--all-namespaces", "--health-port", str(self.port),
                 "--metrics-port", str(self.metrics_port), "--health-host", "127.0.0.1",
                 "--priority", str(self.priority)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.wait_healthy()

    def wait_healthy(self) -> None:
        """Wait until the started process answers /healthz (fail at once if it exits)."""
        process = self.process
        assert process is not None
        wait_for("the operator's /healthz",
                 lambda: answers(f"http://127.0.0.1:{self.port}/healthz", process, self.log), timeout=60)

    def metric(self, metric: str, **labels: str) -> float:
        """The sum of a metric's samples whose labels include ``labels``, from the operator's /metrics."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as response:
            text = response.read().decode()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == metric and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGKILL to simulate a crash) and wait for the process to end."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop gracefully and start again (its handlers resume every OpenDataHub)."""
        self.stop()
        self.start()

    def tail(self, lines: int = 60) -> str:
        """The end of its log, for failure messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class AuditLog:
    """The API server's audit log: who wrote what, as the server saw it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self) -> int:
        """A position to count from."""
        return self.path.stat().st_size if self.path.exists() else 0

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        """Audit events written after ``since``, whole lines only: the API server appends while we read, so the
        last line may be half written (left for a later read), and ``since`` (the size at some moment) may fall
        inside a line, one written before the mark (skipped)."""
        with self.path.open("rb") as fh:
            if since > 0:
                fh.seek(since - 1)
                if fh.read(1) != b"\n":
                    fh.readline()
            data = fh.read()
        complete = data[: data.rfind(b"\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def operator_requests(self, since: int, writes_only: bool) -> list[dict[str, Any]]:
        """The operator's requests after ``since``, leaving out kopf's peering heartbeats."""
        return [
            e for e in self.events(since)
            if e.get("user", {}).get("username") == OPERATOR_USER
            and e.get("objectRef", {}).get("resource") not in PEERING_RESOURCES
            and (not writes_only or e.get("verb") in WRITE_VERBS)
        ]


def describe_request(event: dict[str, Any]) -> str:
    """One audit event as 'verb resource namespace/name'."""
    ref = event.get("objectRef", {})
    return f"{event.get('verb')} {ref.get('resource')} {ref.get('namespace', '')}/{ref.get('name', '')}"
