"""A pod network for the processes that stand in for pods: one Linux network namespace where every kwok pod
IP and every Service ClusterIP is a local address.

Inside the namespace ``ip route add local 10.244.0.0/16 dev lo`` (and the same for the Service range) makes
a process listening on ``0.0.0.0:PORT`` answer at ``<any pod IP>:PORT`` and at ``<any ClusterIP>:PORT``.
``/etc/netns/<name>/hosts`` (bind-mounted over ``/etc/hosts`` by ``ip netns exec``) maps the Services'
DNS names to their ClusterIPs. The control plane stays on the host's loopback; :class:`Forwarder` relays
TCP between namespaces: the ``kubernetes`` Service (``10.96.0.1:443``) to the API server, a Service port to
its pods' target port when the two differ, and a host port to an address inside for the tests.

All processes in the namespace share one port space: two runner pods listening on the same port clash.
Needs root (CI runs as root).
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from testbed.control_plane import POD_CIDR, SERVICE_CIDR

NETNS_DIR = Path("/var/run/netns")
ETC_NETNS = Path("/etc/netns")
CLUSTER_DOMAIN = "cluster.local"
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
T = TypeVar("T")


def kubernetes_service_ip() -> str:
    """The ClusterIP the API server gives the ``kubernetes`` Service: the first address of the range."""
    return str(next(ipaddress.ip_network(SERVICE_CIDR).hosts()))


def in_netns(netns: Path | None, make: Callable[[], T]) -> T:
    """Run ``make`` in a thread that joined the network namespace at ``netns`` (``None``: the host's).

    Sockets keep the namespace they were created in, so a socket made here works from any thread.
    """
    if netns is None:
        return make()
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fd = os.open(netns, os.O_RDONLY)
            try:
                if _libc.setns(fd, _CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns({netns}): {os.strerror(err)}")
            finally:
                os.close(fd)
            result.append(make())
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"setns-{netns.name}", daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def hosts_lines(services: Iterable[dict[str, Any]]) -> list[str]:
    """``/etc/hosts`` lines mapping each Service's DNS names (``name.ns``, ``name.ns.svc``, FQDN) to its
    ClusterIP; headless Services (no ClusterIP) are left out."""
    lines = []
    for svc in services:
        ip = (svc.get("spec") or {}).get("clusterIP")
        if not ip or ip == "None":
            continue
        name, namespace = svc["metadata"]["name"], svc["metadata"]["namespace"]
        base = f"{name}.{namespace}"
        lines.append(f"{ip}\t{base}.svc.{CLUSTER_DOMAIN} {base}.svc {base}")
    return lines


def _pump(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


@dataclass
class Forwarder:
    """Relays TCP from ``listen`` (in namespace ``listen_ns``) to ``target`` (in ``target_ns``)."""

    listen: tuple[str, int]
    target: tuple[str, int]
    listen_ns: Path | None = None
    target_ns: Path | None = None
    _server: socket.socket | None = field(default=None, init=False, repr=False)

    def start(self) -> Self:
        """Bind and start accepting in a daemon thread; ``listen`` port 0 picks a free one."""

        def bind() -> socket.socket:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(self.listen)
            server.listen(64)
            return server

        self._server = in_netns(self.listen_ns, bind)
        self.listen = (self.listen[0], int(self._server.getsockname()[1]))
        threading.Thread(target=self._accept, name=f"forward-{self.listen}", daemon=True).start()
        return self

    def _accept(self) -> None:
        server = self._server
        assert server is not None
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = in_netns(self.target_ns, lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            upstream.connect(self.target)
        except OSError:
            client.close()
            return
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join()
        client.close()
        upstream.close()

    def stop(self) -> None:
        """Stop accepting (open connections end with their peers)."""
        if self._server is not None:
            server, self._server = self._server, None
            # Closing alone leaves the port bound while the accepting thread blocks; shutdown wakes it up.
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()


def update_hosts(path: Path, written: list[str], lines: list[str]) -> list[str]:
    """Bring the hosts file at ``path`` (last written as ``written``) to ``lines``; returns what it holds now.

    Processes in the namespace read the file at any moment (each name lookup), through a bind mount of its
    inode, so it is changed in place and never emptied: unchanged is not written, new lines are appended
    (every name a reader could find is still there), and only a changed line rewrites it, over the old
    content and then cut to length.
    """
    if lines == written:
        return written
    if written and lines[: len(written)] == written:
        with path.open("a") as fh:
            fh.write("".join(f"{line}\n" for line in lines[len(written):]))
        return lines
    with path.open("r+" if path.exists() else "w") as fh:
        fh.write("".join(f"{line}\n" for line in lines))
        fh.truncate()
    return lines


@dataclass
class PodNetwork:
    """The network namespace of the runner pods, with the routes, hosts file and API server relay."""

    name: str = field(default_factory=lambda: f"odh-pods-{os.getpid()}")
    api_server: tuple[str, int] | None = None  # the API server's host address, relayed as the kubernetes Service
    forwarders: list[Forwarder] = field(default_factory=list, init=False, repr=False)
    _hosts: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _written: list[str] = field(default_factory=list, init=False, repr=False)

    @property
    def path(self) -> Path:
        """The namespace's handle (``/var/run/netns/<name>``)."""
        return NETNS_DIR / self.name

    @property
    def hosts_file(self) -> Path:
        """The file ``ip netns exec`` mounts over ``/etc/hosts``."""
        return ETC_NETNS / self.name / "hosts"

    def exec_prefix(self) -> list[str]:
        """The command prefix that runs a program inside the namespace."""
        return ["ip", "netns", "exec", self.name]

    def start(self) -> Self:
        """Create the namespace; with ``api_server``, relay the ``kubernetes`` Service to it."""
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True, text=True)
        try:
            for argv in (
                ["ip", "link", "set", "lo", "up"],
                ["ip", "route", "add", "local", POD_CIDR, "dev", "lo"],
                ["ip", "route", "add", "local", SERVICE_CIDR, "dev", "lo"],
            ):
                subprocess.run([*self.exec_prefix(), *argv], check=True, capture_output=True, text=True)
            self.hosts_file.parent.mkdir(parents=True, exist_ok=True)
            self._write_hosts()
            if self.api_server is not None:
                self.forward_in((kubernetes_service_ip(), 443), self.api_server)
        except BaseException:
            self.stop()
            raise
        return self

    def set_services(self, services: Iterable[dict[str, Any]]) -> None:
        """Map the Services' DNS names in the namespace's ``/etc/hosts`` (changed in place, so running
        processes see it)."""
        for line in hosts_lines(services):
            ip, names = line.split("\t", 1)
            self._hosts[names] = ip
        self._write_hosts()

    def add_host(self, ip: str, names: str) -> None:
        """Map a pod's hostname to its IP (a kubelet writes that line into the pod's own /etc/hosts)."""
        self._hosts[names] = ip
        self._write_hosts()

    def _write_hosts(self) -> None:
        default = [f"127.0.0.1\tlocalhost", f"{kubernetes_service_ip()}\tkubernetes.default.svc.{CLUSTER_DOMAIN} "
                   "kubernetes.default.svc kubernetes.default"]
        self._written = update_hosts(self.hosts_file, self._written,
                                     default + [f"{ip}\t{names}" for names, ip in self._hosts.items()])

    def forward_in(self, listen: tuple[str, int], host_target: tuple[str, int]) -> Forwarder:
        """Relay ``listen`` inside the namespace to ``host_target`` on the host."""
        fwd = Forwarder(listen, host_target, listen_ns=self.path).start()
        self.forwarders.append(fwd)
        return fwd

    def forward_within(self, listen: tuple[str, int], target: tuple[str, int]) -> Forwarder:
        """Relay ``listen`` to ``target``, both inside (a Service port to a different target port)."""
        fwd = Forwarder(listen, target, listen_ns=self.path, target_ns=self.path).start()
        self.forwarders.append(fwd)
        return fwd

    def expose(self, target: tuple[str, int]) -> tuple[str, int]:
        """A host loopback address relaying to ``target`` inside the namespace (for the tests)."""
        fwd = Forwarder(("127.0.0.1", 0), target, target_ns=self.path).start()
        self.forwarders.append(fwd)
        return fwd.listen

    def stop(self) -> None:
        """Stop the relays and delete the namespace and its ``/etc/netns`` folder."""
        for fwd in self.forwarders:
            fwd.stop()
        self.forwarders = []
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True)
        self._written = []
        with contextlib.suppress(OSError):
            self.hosts_file.unlink()
            self.hosts_file.parent.rmdir()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
