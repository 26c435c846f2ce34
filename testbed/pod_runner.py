"""The kubelet for the programs we can run: starts a real program "as" a kwok pod whose image it knows.

For each pod (with a pod IP, in a watched namespace) whose container image is in the catalog, the runner
computes what a kubelet would (:mod:`testbed.pod_env`): environment, command line, user, volume files with
the ``..data`` layout, the ServiceAccount token from the TokenRequest API bound to the pod, and starts the
program inside the pod network (:mod:`testbed.pod_network`) in a private mount namespace (``unshare -m``)
where each volume is bind-mounted at its mount path, as the pod's UID/GID (``setpriv``). It stops the
program when the pod is deleted. A pod a kubelet would refuse is refused: its error is kept
(:meth:`PodRunner.refusals`) and recorded as a ``Failed`` Event on the pod; nothing is started.

kwok still owns the pod's status (Running/Ready at once), as it does for every other pod, except the Ready
condition of the images in ``probed``, which follows the program's readiness probe.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shlex
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from testbed.control_plane import Cluster
from testbed.pod_env import (
    Identity,
    Image,
    Object,
    PodRefused,
    command_line,
    container_env,
    identity,
    passwd_with,
    volume_files,
    write_atomic,
)
from testbed.pod_network import Forwarder, PodNetwork, in_netns, kubernetes_service_ip


STAGE_ROOT = Path("/run/odh-pod-runner")


class NotYet(Exception):
    """The pod cannot start yet (an unbound volume); a later pass tries again, as a kubelet does."""


class Api:
    """A minimal JSON client for the control plane (admin token), safe to use from any thread."""

    def __init__(self, cluster: Cluster) -> None:
        self.server = cluster.server
        self.token = cluster.token
        self.context = ssl.create_default_context(cafile=str(cluster.ca_file)) if cluster.ca_file else None
        if self.context is None:
            self.context = ssl.create_default_context()
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE

    def request(self, method: str, path: str, body: Object | None = None,
                content_type: str = "application/json") -> Object | None:
        """The decoded answer, or None for 404."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self.context, timeout=30) as resp:
                return json.loads(resp.read())  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise RuntimeError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from exc


@dataclass
class ProbeVerdict:
    """A readiness probe's verdict over its runs, as a kubelet keeps it: Ready after ``success_threshold``
    passes in a row, not Ready after ``failure_threshold`` failures in a row (Kubernetes' defaults 1 and 3)."""

    success_threshold: int = 1
    failure_threshold: int = 3
    ready: bool = False
    _passes: int = 0
    _failures: int = 0

    @classmethod
    def of(cls, container: Object) -> ProbeVerdict:
        """The verdict for the container's readinessProbe thresholds."""
        probe = container.get("readinessProbe") or {}
        return cls(int(probe.get("successThreshold", 1)), int(probe.get("failureThreshold", 3)))

    def record(self, passed: bool) -> bool:
        """Count one probe run; returns whether the container is Ready now."""
        self._passes, self._failures = (self._passes + 1, 0) if passed else (0, self._failures + 1)
        if self._passes >= self.success_threshold:
            self.ready = True
        elif self._failures >= self.failure_threshold:
            self.ready = False
        return self.ready


@dataclass
class RunningPod:
    """One started container of a pod."""

    uid: str
    namespace: str
    name: str
    container: str
    process: subprocess.Popen[bytes]
    log: Path
    # Its own staging folder (None without mounts), removed at stop. The mount targets made on the host
    # (/mnt/models, the hub's config folder) stay: another pod may have its mount there, and removing a folder on
    # the host detaches every mount on it in every mount namespace (Linux unmounts a removed mount point lazily).
    staging: Path | None
    network: PodNetwork | None = None  # its own, if isolated
    readiness: ProbeVerdict = field(default_factory=ProbeVerdict)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group (as a kubelet does at deletion), then SIGKILL after ``timeout``."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            if self.process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(wait)
        if self.network is not None:
            self.network.stop()
        if self.staging is not None:  # its index folders, empty on the host, then itself
            for index in self.staging.glob("*"):
                with contextlib.suppress(OSError):
                    index.rmdir()
            with contextlib.suppress(OSError):
                self.staging.rmdir()


@dataclass
class PodRunner:
    """Runs the pods of ``namespaces`` whose images are in ``images`` until :meth:`stop`."""

    cluster: Cluster
    network: PodNetwork
    images: dict[str, Image]
    workdir: Path
    namespaces: list[str]
    poll_seconds: float = 1.0
    # Images whose pods get a network namespace of their own (same routes and API relay): programs that listen
    # on a port another runner pod uses (the Spark operator's health port is the hub's 8081).
    isolated: frozenset[str] = frozenset()
    # Images whose pods get a network namespace of their own and are still reached from the shared one, as a real
    # pod is: each declared containerPort at the pod IP and each Service port selecting the pod at its ClusterIP are
    # relayed into the pod's namespace (several pods listening on the same ports: the AI Library's model servers).
    # A shared-network program listening on all addresses at one of those ports clashes with the relay.
    published: frozenset[str] = frozenset()
    # Images whose pods' readiness the runner reports, as a kubelet does: the pod's Ready and ContainersReady
    # conditions and the container's ready flag follow its httpGet readinessProbe (sent to the pod IP from the
    # pod's network every pass; no probe: ready while the program runs); a program that exited is not ready.
    # This overrides the Ready that kwok sets at scheduling. Other pods keep kwok's readiness.
    probed: frozenset[str] = frozenset()
    running: dict[tuple[str, str], RunningPod] = field(default_factory=dict, init=False)
    _refused: dict[str, str] = field(default_factory=dict, init=False)
    _forwarded: dict[tuple[str, int], Forwarder | None] = field(default_factory=dict, init=False)  # None: failed
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    errors: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.api = Api(self.cluster)

    # -- control ---------------------------------------------------------------------------

    def start(self) -> PodRunner:
        """Start watching (polling) the namespaces in a daemon thread."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="pod-runner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and stop every program."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        with self._lock:
            for pod in self.running.values():
                pod.stop()
            self.running.clear()

    def refusals(self) -> dict[str, str]:
        """``namespace/name`` -> why the pod was refused."""
        with self._lock:
            return dict(self._refused)

    def started(self, namespace: str, name: str) -> RunningPod | None:
        """The running program of a pod, if started."""
        with self._lock:
            return next((p for p in self.running.values() if (p.namespace, p.name) == (namespace, name)), None)

    def sync(self) -> None:
        """One pass: start new pods, stop the programs of deleted ones, refresh Services."""
        pods = [p for ns in self.namespaces for p in self._list(f"/api/v1/namespaces/{ns}/pods")]
        live = {p["metadata"]["uid"] for p in pods if not p["metadata"].get("deletionTimestamp")}
        with self._lock:
            for running_key, program in list(self.running.items()):
                if program.uid not in live:
                    program.stop()
                    del self.running[running_key]
        services = [s for ns in self.namespaces for s in self._list(f"/api/v1/namespaces/{ns}/services")]
        with self._lock:
            networks = [self.network, *(p.network for p in self.running.values() if p.network is not None)]
        for network in networks:  # an isolated pod's own too: Services created after it started resolve there
            network.set_services(services)
        for pod in pods:
            meta = pod["metadata"]
            if meta.get("deletionTimestamp") or not (pod.get("status") or {}).get("podIP"):
                continue
            key = f"{meta['namespace']}/{meta['name']}"
            for container in pod["spec"]["containers"]:
                image = self.images.get(container["image"])
                if image is None or (meta["uid"], container["name"]) in self.running or key in self._refused:
                    continue
                try:
                    started = self._start(pod, container, image, services)
                except NotYet:
                    continue  # a kubelet waits too
                except PodRefused as exc:
                    with self._lock:
                        self._refused[key] = str(exc)
                    self._event(pod, f"Error: {exc}")
                    continue
                with self._lock:
                    self.running[(meta["uid"], container["name"])] = started
        self._forward_services(services, pods)
        self._report_readiness(pods)

    # -- internals -------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception as exc:  # kept for the test to see; the loop goes on as a kubelet's would
                self.errors.append(repr(exc))
            self._stop.wait(self.poll_seconds)

    def _list(self, path: str) -> list[Object]:
        answer = self.api.request("GET", path) or {}
        items: list[Object] = answer.get("items") or []
        return items

    def _lookup(self, namespace: str) -> Any:
        def lookup(kind: str, name: str) -> Object | None:
            plural = "secrets" if kind == "Secret" else "configmaps"
            obj = self.api.request("GET", f"/api/v1/namespaces/{namespace}/{plural}/{name}")
            if obj is not None:
                obj.setdefault("kind", kind)
            return obj

        return lookup

    def _token(self, pod: Object) -> Any:
        def token(projection: Object) -> str:
            meta = pod["metadata"]
            body: Object = {
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": {
                    "audiences": [projection["audience"]] if projection.get("audience") else [],
                    "expirationSeconds": int(projection.get("expirationSeconds", 3607)),
                    "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": meta["name"], "uid": meta["uid"]},
                },
            }
            sa = pod["spec"].get("serviceAccountName") or "default"
            answer = self.api.request("POST", f"/api/v1/namespaces/{meta['namespace']}/serviceaccounts/{sa}/token", body)
            if answer is None:
                raise PodRefused(f'serviceaccount "{sa}" not found')
            return str(answer["status"]["token"])

        return token

    def _volume_source(self, pod: Object, volume: Object, poddir: Path, who: Identity, fs_group: int | None) -> Path:
        """The host directory that backs ``volume``."""
        ns = pod["metadata"]["namespace"]
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"]["claimName"]
            pvc = self.api.request("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{claim}")
            if pvc is None:
                raise PodRefused(f'persistentvolumeclaim "{claim}" not found')
            pv_name = (pvc.get("spec") or {}).get("volumeName")
            pv = self.api.request("GET", f"/api/v1/persistentvolumes/{pv_name}") if pv_name else None
            path = ((pv or {}).get("spec") or {}).get("hostPath", {}).get("path") or (
                ((pv or {}).get("spec") or {}).get("local", {}).get("path"))
            if not path:
                raise NotYet(f'persistentvolumeclaim "{claim}" is not bound yet')
            source = Path(str(path))
        else:
            source = poddir / "volumes" / str(volume["name"])
            files = volume_files(pod, volume, self._lookup(ns), self._token(pod))
            if files is not None:
                write_atomic(source, files, datetime.now(UTC).strftime("%Y_%m_%d_%H_%M_%S.%f"), fs_group)
                return source
            if "emptyDir" not in volume:
                raise PodRefused(f"unsupported volume {volume['name']}: {sorted(set(volume) - {'name'})}")
            source.mkdir(parents=True, exist_ok=True)
        if fs_group is not None:  # as the kubelet's volume ownership management: group-writable, setgid
            os.chown(source, -1, fs_group)
            source.chmod(0o2775)
        elif who.uid != 0 and "emptyDir" in volume:
            source.chmod(0o1777)
        return source

    def _start(self, pod: Object, container: Object, image: Image, services: list[Object]) -> RunningPod:
        meta = pod["metadata"]
        ns = meta["namespace"]
        env = container_env(pod, container, self._lookup(ns), [s for s in services if s["metadata"]["namespace"] == ns],
                            kubernetes_service_ip(), image=image)
        argv = command_line(container, image, env)
        who = identity(pod, container, image)
        fs_group = ((pod["spec"].get("securityContext") or {}).get("fsGroup"))
        poddir = self.workdir / f"{ns}_{meta['name']}_{meta['uid'][:8]}"
        poddir.mkdir(parents=True, exist_ok=True)
        volumes = {v["name"]: v for v in pod["spec"].get("volumes") or []}
        mounts: list[tuple[Path, Path, bool]] = []
        for mount in container.get("volumeMounts") or []:
            if mount["name"] not in volumes:
                raise PodRefused(f'volume "{mount["name"]}" not found in the pod')
            source = self._volume_source(pod, volumes[mount["name"]], poddir, who, fs_group)
            if mount.get("subPath"):
                source = source / mount["subPath"]
                source.mkdir(parents=True, exist_ok=True)
            mounts.append((source, Path(mount["mountPath"]), bool(mount.get("readOnly"))))
        # Every source is bind-mounted into a staging folder first: a later mount (an emptyDir on /tmp) may
        # cover the folder a source lives in.
        stage = STAGE_ROOT / f"{meta['uid'][:8]}-{container['name']}"  # this pod's alone (see RunningPod)
        script = ["set -e"]
        for index, (source, _, _) in enumerate(mounts):
            script.append(f"mkdir -p {stage}/{index}")
            script.append(f"mount --bind {shlex.quote(str(source))} {stage}/{index}")
        for index, (_, target, read_only) in enumerate(mounts):
            script.append(f"mkdir -p {shlex.quote(str(target))}")
            script.append(f"mount --bind {stage}/{index} {shlex.quote(str(target))}")
            if read_only:
                script.append(f"mount -o remount,bind,ro {shlex.quote(str(target))}")
        passwd = passwd_with(Path("/etc/passwd").read_text(), image, who.uid, who.gid)
        if passwd is not None:  # the image's user, as its /etc/passwd has it
            (poddir / "passwd").write_text(passwd)
            (poddir / "passwd").chmod(0o644)
            script.insert(1, f"mount --bind {poddir / 'passwd'} /etc/passwd")  # before a mount hides poddir
        hostname = pod["spec"].get("hostname") or meta["name"]
        script.append(f"echo {shlex.quote(hostname)} > /proc/sys/kernel/hostname")  # its own UTS namespace
        if (container.get("securityContext") or {}).get("readOnlyRootFilesystem"):
            # The image's file system read-only, as the container runtime makes it; its volumes stay writable.
            script.append("mount -o remount,bind,ro /")
        workdir = container.get("workingDir") or image.workdir
        script.append(f"cd {shlex.quote(workdir)}")
        groups = ",".join(str(g) for g in who.groups)
        env_args = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
        script.append(
            f"exec setpriv --reuid={who.uid} --regid={who.gid} --groups={groups} --inh-caps=-all "
            f"--no-new-privs env -i {env_args} {' '.join(shlex.quote(a) for a in argv)}"
        )
        launcher = poddir / f"{container['name']}.sh"
        launcher.write_text("\n".join(script) + "\n")
        log = poddir / f"{container['name']}.log"
        own = None
        if container["image"] in self.isolated | self.published:
            own = PodNetwork(name=f"odh-{meta['uid'][:8]}", api_server=self.network.api_server).start()
            own.set_services(services)
            if container["image"] in self.published:
                ip = pod["status"]["podIP"]
                for port in container.get("ports") or []:  # stopped with the pod's own network
                    address = (ip, int(port["containerPort"]))
                    self._relay(own.forwarders, Forwarder(address, address, self.network.path, own.path))
        network = own or self.network
        network.add_host(pod["status"]["podIP"], hostname)
        with log.open("ab") as out:
            process = subprocess.Popen(
                [*network.exec_prefix(), "unshare", "--mount", "--uts", "--propagation", "private", "sh",
                 str(launcher)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        return RunningPod(meta["uid"], ns, meta["name"], container["name"], process, log, stage if mounts else None,
                          own, ProbeVerdict.of(container))

    def _forward_services(self, services: list[Object], pods: list[Object]) -> None:
        """Relay a Service port to its target port when they differ, for Services selecting a running pod."""
        running = {p.uid for p in self.running.values()}
        for svc in services:
            spec = svc.get("spec") or {}
            ip, selector = spec.get("clusterIP"), spec.get("selector") or {}
            if not ip or ip == "None" or not selector:
                continue
            ns = svc["metadata"]["namespace"]
            backends = [p for p in pods if p["metadata"]["uid"] in running and p["metadata"]["namespace"] == ns
                        and selector.items() <= (p["metadata"].get("labels") or {}).items()]
            if not backends:
                continue
            pod = backends[0]
            # A published pod answers in the shared network only at its pod IP (relayed): its Service ports always
            # need a relay; another pod's program listening on all addresses answers at the ClusterIP itself.
            published = any(c["image"] in self.published for c in pod["spec"]["containers"])
            for port in spec.get("ports") or []:
                target = _target_port(pod, port.get("targetPort", port["port"]))
                if target is None or (target == port["port"] and not published):
                    continue
                key, backend = (str(ip), int(port["port"])), (str(pod["status"]["podIP"]), target)
                if key in self._forwarded:
                    relay = self._forwarded[key]
                    if relay is not None:
                        relay.target = backend  # read per connection: a replaced pod takes over its Service
                    continue
                relay = Forwarder(key, backend, self.network.path, self.network.path)
                self._forwarded[key] = relay if self._relay(self.network.forwarders, relay) else None

    def _relay(self, owner: list[Forwarder], forwarder: Forwarder) -> bool:
        """Start a relay kept in ``owner`` (stopped with it); a port already taken is recorded, not raised."""
        try:
            owner.append(forwarder.start())
        except OSError as exc:
            self.errors.append(f"relay {forwarder.listen} -> {forwarder.target}: {exc}")
            return False
        return True

    def _report_readiness(self, pods: list[Object]) -> None:
        """Set the Ready condition of the probed images' pods from their programs' readiness probes."""
        with self._lock:
            programs = list(self.running.values())
        for pod in pods:
            containers = [c for c in pod["spec"]["containers"] if c["image"] in self.probed]
            ours = {p.container: p for p in programs if p.uid == pod["metadata"]["uid"]}
            if not containers or not all(c["name"] in ours for c in containers):
                continue
            ready = {c["name"]: self._probe(pod, c, ours[c["name"]]) for c in containers}
            status = pod.get("status") or {}
            shown = {c["name"]: bool(c.get("ready")) for c in status.get("containerStatuses") or []}
            pod_ready = next((c["status"] == "True" for c in status.get("conditions") or [] if c["type"] == "Ready"),
                             False)
            if all(shown.get(n) == r for n, r in ready.items()) and pod_ready == all(ready.values()):
                continue
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            flag = "True" if all(ready.values()) else "False"
            patch = {"status": {
                "conditions": [{"type": t, "status": flag, "lastTransitionTime": now}
                               for t in ("Ready", "ContainersReady")],
                "containerStatuses": [{"name": n, "ready": r} for n, r in ready.items()]}}
            meta = pod["metadata"]
            with contextlib.suppress(RuntimeError):  # the pod may be gone; the next pass sees
                self.api.request("PATCH", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status", patch,
                                 "application/strategic-merge-patch+json")

    def _probe(self, pod: Object, container: Object, program: RunningPod) -> bool:
        """Whether the container is Ready: not when its program exited, else its readinessProbe's verdict over
        the runs so far (one run per pass, thresholds as the probe sets them)."""
        if program.process.poll() is not None:
            return False
        return program.readiness.record(self._probe_once(pod, container, program))

    def _probe_once(self, pod: Object, container: Object, program: RunningPod) -> bool:
        """The container's readinessProbe (httpGet), sent to the pod IP from the pod's network: 200-399 passes."""
        get = (container.get("readinessProbe") or {}).get("httpGet")
        if not get:
            return True
        port = _target_port(pod, get["port"])
        host = str(get.get("host") or pod["status"]["podIP"])
        timeout = float((container.get("readinessProbe") or {}).get("timeoutSeconds", 1))

        def call() -> bool:
            if port is None:
                return False
            if get.get("scheme") == "HTTPS":  # a kubelet does not verify the certificate
                unverified = ssl.create_default_context()
                unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
                connection: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                                                      context=unverified)
            else:
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            try:
                connection.request("GET", str(get.get("path") or "/"), headers={"User-Agent": "kube-probe/1.36"})
                return 200 <= connection.getresponse().status < 400
            except (OSError, http.client.HTTPException):
                return False
            finally:
                connection.close()

        return in_netns((program.network or self.network).path, call)

    def _event(self, pod: Object, message: str) -> None:
        meta = pod["metadata"]
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"generateName": f"{meta['name']}.", "namespace": meta["namespace"]},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": meta["name"],
                               "namespace": meta["namespace"], "uid": meta["uid"]},
            "reason": "Failed", "message": message, "type": "Warning",
            "source": {"component": "testbed-pod-runner"}, "firstTimestamp": now, "lastTimestamp": now, "count": 1,
        }
        with contextlib.suppress(RuntimeError):
            self.api.request("POST", f"/api/v1/namespaces/{meta['namespace']}/events", body)


def _target_port(pod: Object, target: int | str) -> int | None:
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in pod["spec"]["containers"]:
        for port in container.get("ports") or []:
            if port.get("name") == target:
                return int(port["containerPort"])
    return None


def wait_running(runner: PodRunner, namespace: str, name: str, timeout: float = 60.0) -> RunningPod:
    """Wait until the runner started the pod; raise at once if it refused it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"{namespace}/{name}" in runner.refusals():
            raise PodRefused(runner.refusals()[f"{namespace}/{name}"])
        started = runner.started(namespace, name)
        if started is not None:
            return started
        time.sleep(0.3)
    raise TimeoutError(f"pod {namespace}/{name} not started in {timeout:.0f}s; runner errors: {runner.errors[-3:]}")
