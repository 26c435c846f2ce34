"""Run a real MLServer process for one model from its settings files, as the image does: for tests and figures.

Each model server in the cluster reads two files from its ConfigMap (``settings.json``, ``model-settings.json``)
mounted as MLServer's model folder. ``model_folder`` writes the same two files, changing only the three ports
(several servers share this host, where each pod has its own), and ``LocalServer`` runs ``mlserver start`` on it.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

PORT_KEYS = ("http_port", "grpc_port", "metrics_port")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def model_folder(root: Path, settings: dict[str, Any], model_settings: dict[str, Any]) -> tuple[Path, dict[str, int]]:
    """``root/<model>/`` with the two files; the ports replaced by free ones (returned by key)."""
    folder = root / str(model_settings["name"])
    folder.mkdir(parents=True, exist_ok=True)
    ports = {key: free_port() for key in PORT_KEYS}
    (folder / "settings.json").write_text(json.dumps({**settings, **ports, "host": "127.0.0.1"}))
    (folder / "model-settings.json").write_text(json.dumps(model_settings))
    return folder, ports


def mlserver_command(python: str | None = None) -> list[str]:
    """The ``mlserver`` CLI of this interpreter's environment (or of the one ``python`` belongs to)."""
    beside = Path(python or sys.executable).parent / "mlserver"
    return [str(beside)] if beside.exists() else [shutil.which("mlserver") or "mlserver"]


class LocalServer:
    """``mlserver start <folder>`` as a child process, logging to ``<folder>/mlserver.log``.

    The process inherits this environment without its ``MLSERVER_*`` and ``AWS_*`` variables, plus ``env`` (what
    the pod's container would get); ``python`` picks the environment whose ``mlserver`` runs (default: this one).
    """

    def __init__(self, folder: Path, ports: dict[str, int], cpus: str | None = None,
                 env: dict[str, str] | None = None, python: str | None = None) -> None:
        self.folder, self.ports, self.cpus = folder, ports, cpus
        self.extra_env, self.python = env or {}, python
        self.model = json.loads((folder / "model-settings.json").read_text())["name"]
        self.url = f"http://127.0.0.1:{ports['http_port']}"
        self.metrics_url = f"http://127.0.0.1:{ports['metrics_port']}/metrics"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "LocalServer":
        command = mlserver_command(self.python) + ["start", str(self.folder)]
        if self.cpus and shutil.which("taskset"):
            command = ["taskset", "-c", self.cpus, *command]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLSERVER_", "AWS_"))} | self.extra_env
        self.log = (self.folder / "mlserver.log").open("wb")
        self.process = subprocess.Popen(command, cwd=self.folder, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until MLServer says the model is ready (what the readiness probe asks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"mlserver for {self.model} exited {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/v2/models/{self.model}/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"mlserver for {self.model} not ready after {timeout}s:\n{self.log_text()}")

    def log_text(self) -> str:
        path = self.folder / "mlserver.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def rss_mib(self) -> float:
        """Resident memory of the server process and its children, MiB (Linux /proc)."""
        if self.process is None:
            return 0.0
        total = 0
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if hasattr(self, "log"):
            self.log.close()
