"""What the journeys share: an OpenDataHub whose pods the pod runner runs as real programs, and a notebook
user's actions through the proxy (log in with the shared password, spawn from the profile form, run code through
the Jupyter kernel protocol)."""

import base64
import contextlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import websocket

from testbed import programs
from testbed.control_plane import Cluster
from testbed.harness import wait_for
from testbed.images import ai_library_images, platform_images, spark_operator_images
from testbed.platform import apply_odh
from testbed.pod_network import PodNetwork
from testbed.pod_runner import PodRunner, wait_running

Object = dict[str, Any]
USER = "alice"
PROGRAMS = ("python programs", "npm programs")


@dataclass
class Platform:
    """The running platform: its pod runner, pod network and the proxy's public address on the host."""

    runner: PodRunner
    network: PodNetwork
    base: str


def odh(namespace: str, spec: Object) -> Object:
    """An OpenDataHub named odh in ``namespace``."""
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": "odh", "namespace": namespace}, "spec": spec}


@contextlib.contextmanager
def running_platform(cluster: Cluster, namespace: str, spec: Object, workdir: Path,
                     extra_namespaces: tuple[str, ...] = (), programs_needed: tuple[str, ...] = PROGRAMS,
                     ) -> Iterator[Platform]:
    """Apply the OpenDataHub, run its hub and proxy (and whatever else of ``namespaces`` has a known image)."""
    programs.ensure_installed(*programs_needed)
    apply_odh(cluster, odh(namespace, spec))
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    with PodNetwork(name=f"odh-{uuid.uuid4().hex[:6]}", api_server=(host, int(port))) as network:
        runner = PodRunner(cluster, network, platform_images(), workdir / "pods", [namespace, *extra_namespaces],
                           # The model servers all listen on 8080-8082, the Spark operator's health port is the hub's.
                           isolated=frozenset({**spark_operator_images(), **ai_library_images()})).start()
        try:
            for component in ("jupyterhub-hub", "jupyterhub-proxy"):
                pod = wait_for(f"the {component} pod", lambda c=component: pod_named(cluster, namespace, c),
                               timeout=180)
                wait_running(runner, namespace, pod, timeout=120)
            proxy_ip = wait_for("the proxy's public Service", lambda: cluster.kubectl(
                "get", "svc", "jupyterhub-proxy-public", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}",
                check=False).stdout, timeout=60)
            public = network.expose((proxy_ip, 80))
            base = f"http://{public[0]}:{public[1]}"
            wait_for("the hub through the proxy", lambda: status(requests.Session(), f"{base}/hub/health") == 200,
                     timeout=120)
            yield Platform(runner, network, base)
        finally:
            runner.stop()
            for log in sorted((workdir / "pods").glob("*/*.log")):
                print(f"--- {log}\n{log.read_text(errors='replace')[-4000:]}")


def pod_named(cluster: Cluster, namespace: str, app: str) -> str:
    """The name of a pod with an IP labelled ``app.kubernetes.io/name=app``, or ''."""
    out = cluster.kubectl("get", "pods", "-n", namespace, "-l", f"app.kubernetes.io/name={app}",
                          "-o", "json", check=False).stdout
    for pod in json.loads(out or "{}").get("items", []):
        if (pod.get("status") or {}).get("podIP") and not pod["metadata"].get("deletionTimestamp"):
            return str(pod["metadata"]["name"])
    return ""


def secret_value(cluster: Cluster, namespace: str, name: str, key: str) -> str:
    """One key of a Secret, decoded."""
    data = cluster.kubectl("get", "secret", name, "-n", namespace, "-o", f"jsonpath={{.data.{key}}}").stdout
    return base64.b64decode(data).decode()


def status(session: requests.Session, url: str) -> int:
    """The HTTP status of a GET, 0 while nothing answers."""
    try:
        return session.get(url, timeout=10).status_code
    except requests.RequestException:
        return 0


def user_pod(cluster: Cluster, namespace: str) -> Object | None:
    """The user's notebook pod once it has an IP (and is not being deleted)."""
    out = cluster.kubectl("get", "pods", "-n", namespace, "-l", "component=singleuser-server", "-o", "json",
                          check=False).stdout
    items = [p for p in json.loads(out or "{}").get("items", []) if not p["metadata"].get("deletionTimestamp")]
    return items[0] if items and (items[0].get("status") or {}).get("podIP") else None


def login(base: str, password: str) -> requests.Session:
    """Log in through the proxy with the shared password, as the login form does."""
    session = requests.Session()
    page = session.get(f"{base}/hub/login", timeout=30)
    assert page.status_code == 200, page.text[:500]
    form_xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    assert form_xsrf, "the login form carries its xsrf token"
    answer = session.post(f"{base}/hub/login", data={"username": USER, "password": password,
                                                     "_xsrf": form_xsrf.group(1)}, timeout=30)
    assert answer.status_code == 200 and "/hub/login" not in answer.url, (answer.url, answer.text[:500])
    return session


def spawn(session: requests.Session, base: str, profile: str) -> None:
    """Choose a profile and its first size in the spawn form and submit it."""
    form = session.get(f"{base}/hub/spawn/{USER}", timeout=30)
    assert form.status_code == 200, form.text[:500]
    assert f'value="{profile}"' in form.text, f"the form offers the {profile} profile"
    option = re.search(rf'name="(profile-option-{profile}--[^"]+)"[^>]*>\s*<option value="([^"]+)"', form.text)
    # The page's xsrf token (JupyterHub's page script adds it to the form's submission).
    token = re.search(r'xsrf_token: "([^"]+)"', form.text) or re.search(r'name="_xsrf" value="([^"]+)"', form.text)
    assert token, "the spawn page carries its xsrf token"
    data = {"profile": profile, "_xsrf": token.group(1)}
    if option:
        data[option.group(1)] = option.group(2)
    answer = session.post(f"{base}/hub/spawn/{USER}", data=data, timeout=60, allow_redirects=False)
    assert answer.status_code in (200, 302), answer.text[:500]


def open_server(session: requests.Session, base: str) -> None:
    """Wait until the user's server answers through the proxy, then open it as a browser does (the OAuth round
    trip through the hub leaves the server's cookie)."""
    wait_for("the user's server through the proxy", lambda: status(session, f"{base}/user/{USER}/api") == 200,
             timeout=180)
    page = session.get(f"{base}/user/{USER}/lab", timeout=60)
    assert page.status_code == 200 and f"/user/{USER}/" in page.url, (page.url, page.text[:300])
    assert session.get(f"{base}/user/{USER}/api/status", timeout=30).status_code == 200


def _xsrf(session: requests.Session, path: str) -> str:
    return next(c.value for c in session.cookies if c.name == "_xsrf" and path.startswith(c.path or "/"))


def run_in_kernel(session: requests.Session, base: str, code: str, timeout: float = 180) -> str:
    """Start a kernel on the user's server and execute ``code`` over its websocket; the printed output."""
    prefix = f"/user/{USER}"
    headers = {"X-XSRFToken": _xsrf(session, prefix + "/")}
    kernel = session.post(f"{base}{prefix}/api/kernels", json={"name": "python3"}, headers=headers, timeout=60)
    assert kernel.status_code == 201, kernel.text[:500]
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws = websocket.create_connection(f"{base.replace('http', 'ws')}{prefix}/api/kernels/{kernel.json()['id']}/channels",
                                     header=[f"Cookie: {cookies}"], timeout=timeout)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": USER, "session": uuid.uuid4().hex,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    output: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream":
                output.append(message["content"]["text"])
            elif kind == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                return "".join(output)
    finally:
        ws.close()
    raise AssertionError(f"no answer from the kernel in {timeout:.0f}s; output so far: {''.join(output)!r}")
