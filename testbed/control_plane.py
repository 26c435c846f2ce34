"""A real Kubernetes control plane on loopback: etcd, kube-apiserver, controller-manager, scheduler
and kwok (standing in for kubelets), run from the binaries that ``testbed/build.py`` builds.

Use ``with Cluster() as cluster:`` in tests, or ``python -m testbed up|down|env`` by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

from kubernetes import config as kube_config
from kubernetes.client import ApiClient

from testbed import build, kubeconfig, nodes, pki

STATE_FILE = "state.json"
BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
)
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"
# Everything the harness writes in a work dir; only these are wiped on a fresh start.
AUDIT_POLICY = "audit-policy.yaml"
AUDIT_LOG = "audit.log"
WORK_ENTRIES = (
    "etcd", "certs", "pv", "logs", "kubeconfig", "token.csv", "sa.key", AUDIT_POLICY, AUDIT_LOG, STATE_FILE,
)
# Every request at Metadata level once it completes: who did which verb to what, without bodies.
AUDIT_POLICY_TEXT = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: Metadata
"""


class ClusterError(RuntimeError):
    """The control plane failed to start or is not in the expected state."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_state_dir() -> Path:
    """The fixed work dir of the CLI cluster: ``$XDG_RUNTIME_DIR/odh-test-cluster`` or ``/tmp``."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / "odh-test-cluster"


def log_tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file (empty if it does not exist)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


@dataclass
class Process:
    """One control-plane process, running in its own process group (its pid is the pgid)."""

    name: str
    pid: int
    exe: str
    log: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def spawn(cls, name: str, argv: Sequence[str], log: Path) -> Process:
        """Start ``argv`` in a new session with stdout and stderr going to ``log``."""
        with log.open("ab") as out:
            popen = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(name=name, pid=popen.pid, exe=str(argv[0]), log=log, popen=popen)

    def alive(self) -> bool:
        """Whether the process still runs (and, for an adopted pid, is still our binary)."""
        if self.popen is not None:
            return self.popen.poll() is None
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
            argv0 = Path(f"/proc/{self.pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z" and argv0.decode() == self.exe

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the process group, wait, then SIGKILL it if it is still there."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            if not self.alive():
                break
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                break
            self._wait(wait)
        if self.popen is not None:
            self.popen.poll()

    def _wait(self, timeout: float) -> None:
        if self.popen is not None:
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
            return
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)

    def rss_kib(self) -> int:
        """Resident set size in KiB (0 if the process is gone)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def to_json(self) -> dict[str, Any]:
        """The persisted form (no Popen)."""
        return {"name": self.name, "pid": self.pid, "exe": self.exe, "log": str(self.log)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Process:
        """Adopt a process recorded by :meth:`to_json`."""
        return cls(name=data["name"], pid=data["pid"], exe=data["exe"], log=Path(data["log"]))


def _https_context(ca_file: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if ca_file is None:  # loopback only; the components serve self-signed certs
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def http_get(url: str, token: str = "", ca_file: Path | None = None, timeout: float = 3.0) -> int:
    """GET ``url`` and return the HTTP status (0 when the server is unreachable)."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    context = _https_context(ca_file) if url.startswith("https") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def _ok(url: str, token: str = "") -> Callable[[], bool]:
    """A probe that is true when ``url`` answers 200."""
    return lambda: http_get(url, token) == 200


@dataclass
class Cluster:
    """A loopback control plane with three fake kwok nodes, default storage and an admin token."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="odh-cluster-")))
    bin_dir: Path = field(default_factory=build.bin_dir)
    stages_dir: Path = field(default_factory=build.stages_dir)
    node_specs: Sequence[nodes.NodeSpec] = field(default_factory=nodes.default_nodes)
    persistent_volumes: int = 20
    timeout: float = 120.0
    remove_workdir: bool = True
    server: str = field(init=False, default="")
    token: str = field(init=False, default="", repr=False)
    kubeconfig: Path = field(init=False)
    audit_log: Path = field(init=False)
    ca_file: Path | None = field(init=False, default=None)
    startup_seconds: float = field(init=False, default=0.0)
    processes: list[Process] = field(init=False, default_factory=list, repr=False)
    etcd_url: str = field(init=False, default="")
    _ports: dict[str, int] = field(init=False, default_factory=dict, repr=False)
    _node_names: list[str] = field(init=False, default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.workdir = Path(self.workdir).resolve()
        self.kubeconfig = self.workdir / "kubeconfig"
        self.audit_log = self.workdir / AUDIT_LOG

    # -- public interface -------------------------------------------------------------------

    def start(self) -> Self:
        """Start every process and wait until the cluster is usable; stop everything on failure."""
        started = time.monotonic()
        try:
            self._prepare()
            self._start_etcd()
            self._start_apiserver()
            self._start_controllers()
            self._populate()
            self._wait_usable()
        except BaseException:
            self.stop(remove=not (self.workdir / "logs").is_dir())  # keep logs to debug
            raise
        self.startup_seconds = time.monotonic() - started
        self._save_state()
        return self

    def stop(self, remove: bool | None = None) -> None:
        """Stop the processes in reverse start order; remove the work dir if ``remove_workdir``."""
        for proc in reversed(self.processes):
            proc.stop()
        self.processes = []
        (self.workdir / STATE_FILE).unlink(missing_ok=True)
        if self.remove_workdir if remove is None else remove:
            self._clean()
            with contextlib.suppress(OSError):
                self.workdir.rmdir()  # only if nothing else lives there

    def env(self) -> dict[str, str]:
        """``KUBECONFIG`` and ``PATH`` (``bin_dir`` first), to merge into a process environment."""
        path = os.pathsep.join([str(self.bin_dir), os.environ.get("PATH", "")])
        return {"KUBECONFIG": str(self.kubeconfig), "PATH": path}

    def kubectl(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """Run the matching kubectl against this cluster, capturing text output."""
        return subprocess.run(
            [str(self.bin_dir / "kubectl"), *args],
            env={**os.environ, **self.env()},
            input=input,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def api_client(self) -> ApiClient:
        """A new ``kubernetes`` client configured from this cluster's kubeconfig."""
        path = str(self.kubeconfig)
        api = kube_config.new_client_from_config(config_file=path)  # type: ignore[no-untyped-call]
        return cast(ApiClient, api)

    def rss_mib(self) -> dict[str, float]:
        """Resident memory of each process in MiB."""
        return {p.name: round(p.rss_kib() / 1024, 1) for p in self.processes}

    def running(self) -> bool:
        """Whether every process of the cluster is alive."""
        return bool(self.processes) and all(p.alive() for p in self.processes)

    @classmethod
    def attach(cls, workdir: Path) -> Cluster:
        """The cluster recorded in the state file of ``workdir`` (e.g. by the CLI ``up``)."""
        state = json.loads((Path(workdir) / STATE_FILE).read_text())
        cluster = cls(workdir=Path(workdir), bin_dir=Path(state["bin_dir"]), remove_workdir=False)
        cluster.server = state["server"]
        cluster.ca_file = Path(state["ca_file"]) if state["ca_file"] else None
        cluster.token = (cluster.workdir / "token.csv").read_text().split(",", 1)[0]
        cluster.startup_seconds = state["startup_seconds"]
        cluster.processes = [Process.from_json(p) for p in state["processes"]]
        return cluster

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- startup steps ----------------------------------------------------------------------

    def _prepare(self) -> None:
        missing = [b for b in BINARIES if not (self.bin_dir / b).is_file()]
        if not any(self.stages_dir.glob("*.yaml")):
            missing.append(f"kwok stages in {self.stages_dir}")
        if missing:
            raise ClusterError(
                f"missing {', '.join(missing)} in {self.bin_dir}; "
                "run `python -m testbed build`"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._clean()
        for sub in ("etcd", "certs", "pv", "logs"):
            (self.workdir / sub).mkdir(mode=0o700)
        self.token = pki.write_token_file(self.workdir / "token.csv")
        pki.write_rsa_key(self.workdir / "sa.key")

    def _clean(self) -> None:
        """Remove what the harness wrote in the work dir, and nothing else."""
        for name in WORK_ENTRIES:
            entry = self.workdir / name
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def _spawn(self, name: str, *args: str) -> Process:
        argv = [str(self.bin_dir / name), *args]
        proc = Process.spawn(name, argv, self.workdir / "logs" / f"{name}.log")
        self.processes.append(proc)
        return proc

    def _start_etcd(self) -> None:
        client_url = f"http://127.0.0.1:{free_port()}"
        peer_url = f"http://127.0.0.1:{free_port()}"
        self.etcd_url = client_url
        proc = self._spawn(
            "etcd",
            "--name=default",
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        )
        self._wait_for("etcd /health", _ok(f"{client_url}/health"), proc)

    def _start_apiserver(self) -> None:
        port = free_port()
        self.server = f"https://127.0.0.1:{port}"
        sa_key = self.workdir / "sa.key"
        (self.workdir / AUDIT_POLICY).write_text(AUDIT_POLICY_TEXT)
        proc = self._spawn(
            "kube-apiserver",
            f"--etcd-servers={self.etcd_url}",
            f"--cert-dir={self.workdir / 'certs'}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            f"--token-auth-file={self.workdir / 'token.csv'}",
            "--authorization-mode=Node,RBAC",
            f"--service-account-issuer={ISSUER}",
            f"--service-account-key-file={sa_key}",
            f"--service-account-signing-key-file={sa_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--endpoint-reconciler-type=none",  # 127.0.0.1 is not a valid Endpoints address
            "--allow-privileged=true",
            "--profiling=false",
            f"--audit-policy-file={self.workdir / AUDIT_POLICY}",
            f"--audit-log-path={self.audit_log}",
            "--audit-log-format=json",
        )
        self._wait_for("kube-apiserver /readyz", _ok(f"{self.server}/readyz", self.token), proc)
        self.ca_file = self._verifiable_ca()
        kubeconfig.write(self.kubeconfig, self.server, self.token, self.ca_file)

    def _verifiable_ca(self) -> Path | None:
        """The apiserver's self-signed cert if it verifies for 127.0.0.1, else ``None``."""
        ca = self.workdir / "certs" / "apiserver.crt"
        if ca.is_file() and http_get(f"{self.server}/readyz", self.token, ca) == 200:
            return ca
        return None

    def _start_controllers(self) -> None:
        kcfg = f"--kubeconfig={self.kubeconfig}"
        self._ports = {"kube-controller-manager": free_port(), "kube-scheduler": free_port()}
        root_ca = self.workdir / "certs" / "apiserver.crt"
        self._spawn(
            "kube-controller-manager",
            kcfg,
            f"--service-account-private-key-file={self.workdir / 'sa.key'}",
            f"--root-ca-file={root_ca}",
            "--controllers=*,-nodeipam",
            "--use-service-account-credentials=true",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={self._ports['kube-controller-manager']}",
        )
        self._spawn(
            "kube-scheduler",
            kcfg,
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={self._ports['kube-scheduler']}",
        )
        stages = [f"--config={path}" for path in sorted(self.stages_dir.glob("*.yaml"))]
        self._spawn(
            "kwok",
            kcfg,
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={nodes.KWOK_SELECTOR}",
            f"--node-port={free_port()}",
            f"--server-address=127.0.0.1:{free_port()}",
            f"--cidr={POD_CIDR}",
            "--node-lease-duration-seconds=40",
            *stages,
        )

    def _populate(self) -> None:
        with self.api_client() as api:
            self._node_names = nodes.create_nodes(api, self.node_specs)
            if self.persistent_volumes:
                nodes.create_storage(api, self.workdir / "pv", self.persistent_volumes)

    def _wait_usable(self) -> None:
        for name, port in self._ports.items():
            self._wait_for(
                f"{name} /healthz", _ok(f"https://127.0.0.1:{port}/healthz"), self._proc(name)
            )
        sa = f"{self.server}/api/v1/namespaces/default/serviceaccounts/default"
        self._wait_for(
            "default ServiceAccount", _ok(sa, self.token), self._proc("kube-controller-manager")
        )
        with self.api_client() as api:
            self._wait_for(
                "Ready nodes", lambda: nodes.nodes_ready(api, self._node_names), self._proc("kwok")
            )

    def _proc(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def _wait_for(self, what: str, ready: Callable[[], bool], blame: Process) -> None:
        """Poll ``ready`` until true; fail fast if any process died, with its log tail."""
        deadline = time.monotonic() + self.timeout
        while True:
            dead = next((p for p in self.processes if not p.alive()), None)
            if dead is not None:
                raise self._failure(f"{dead.name} exited while waiting for {what}", dead)
            if ready():
                return
            if time.monotonic() > deadline:
                raise self._failure(
                    f"timed out after {self.timeout:.0f}s waiting for {what}", blame
                )
            time.sleep(0.2)

    def _failure(self, message: str, proc: Process) -> ClusterError:
        return ClusterError(f"{message}; {proc.log} ends with:\n{log_tail(proc.log)}")

    def _save_state(self) -> None:
        state = {
            "server": self.server,
            "bin_dir": str(self.bin_dir),
            "ca_file": str(self.ca_file) if self.ca_file else None,
            "kubeconfig": str(self.kubeconfig),
            "startup_seconds": round(self.startup_seconds, 2),
            "processes": [p.to_json() for p in self.processes],
        }
        (self.workdir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
