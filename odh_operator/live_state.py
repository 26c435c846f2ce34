"""Where a reconcile pass reads the live state from: the operator's watches, or the API server.

The operator watches every kind it installs; kopf indexes those watches (``kopf.index``) and holds
every other handler until the initial listings are in, so a pass reads its objects, the cluster's
nodes and storage classes from memory: a converged pass makes no API request but the one-a-minute reading of
the served API groups (which tells OpenShift from Kubernetes). The indices
live on the event loop; passes run in threads, so each lookup is handed to the loop and waited for.
What a pass has just applied is remembered until the watch catches up, so a pass right after a write
never mistakes the older watched copy for drift. A kind whose CRD the operator itself just created may not
be watched yet (kopf rescans the API's kinds on CRD events, and discovery can lag the last of them): an
object the watch has not delivered a while after we applied it is read from the API server instead.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from odh_operator import diff, labels
from odh_operator.cluster_facts import ClusterFacts, operator_namespace
from odh_operator.inventory import list_owned
from odh_operator.kube import Kube

Object = dict[str, Any]
T = TypeVar("T")
INDEX_PREFIX = "odh_index_"
NODES_INDEX = f"{INDEX_PREFIX}nodes"
STORAGE_CLASSES_INDEX = f"{INDEX_PREFIX}storageclasses"
NAMESPACES_INDEX = f"{INDEX_PREFIX}namespaces"
ALL = "all"
UNWATCHED_AFTER = 3.0  # seconds after an apply with no watch event for the object: read it from the API


class LiveState(Protocol):
    """What a reconcile pass reads."""

    def get(self, desired: Object) -> Object | None:
        """The live object with the identity of ``desired``, or None."""

    def owned(self, odh: Object) -> list[Object]:
        """Every live object the OpenDataHub installed (its inventory label)."""

    def remember(self, live: Object) -> None:
        """An object as a write just returned it (newer than what the watch may have delivered yet)."""


class ApiState:
    """Reads straight from the API server (the CLI and tests without watches)."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube

    def get(self, desired: Object) -> Object | None:
        return self.kube.get(desired)

    def owned(self, odh: Object) -> list[Object]:
        return list_owned(self.kube, odh)

    def remember(self, live: Object) -> None:
        return None


def index_entries(body: Mapping[str, Any]) -> dict[tuple[str, Any], Object]:
    """What the watch index keeps of one owned object: by identity, and by owner when it has one."""
    obj = dict(body)
    entries: dict[tuple[str, Any], Object] = {("key", diff.key_of(obj)): obj}
    owner = (obj["metadata"].get("labels") or {}).get(labels.OWNER)
    if owner:
        entries[("owner", owner)] = obj
    return entries


def node_entry(body: Mapping[str, Any]) -> dict[str, Object]:
    """The parts of a Node that cluster facts read (labels, taints, readiness, allocatable)."""
    meta, spec, status = body.get("metadata", {}), body.get("spec") or {}, body.get("status") or {}
    return {ALL: {
        "metadata": {"name": meta.get("name"), "labels": dict(meta.get("labels") or {})},
        "spec": {"unschedulable": spec.get("unschedulable", False), "taints": list(spec.get("taints") or [])},
        "status": {"conditions": [{"type": c.get("type"), "status": c.get("status")}  # not the heartbeats
                                  for c in status.get("conditions") or []],
                   "allocatable": dict(status.get("allocatable") or {})},
    }}


def namespace_entry(body: Mapping[str, Any]) -> dict[str, Object]:
    """A Namespace as cluster facts read it: its name and labels (pod security levels)."""
    meta = body.get("metadata", {})
    return {ALL: {"metadata": {"name": meta.get("name"), "labels": dict(meta.get("labels") or {})}}}


def storage_class_entry(body: Mapping[str, Any]) -> dict[str, Object]:
    """A StorageClass as cluster facts read it."""
    return {ALL: dict(body)}


def _resource_version(obj: Object) -> int:
    try:
        return int(obj["metadata"].get("resourceVersion", 0))
    except (TypeError, ValueError):
        return 0


class WatchedState:
    """Reads from the kopf indices of the operator's watches (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, indices: Mapping[str, Any], kube: Kube) -> None:
        self.loop = loop
        self.kube = kube
        self.indices = {name: index for name, index in indices.items() if name.startswith(INDEX_PREFIX)}
        self._owned_indices = [i for n, i in self.indices.items() if n not in (NODES_INDEX, STORAGE_CLASSES_INDEX,
                                                                                 NAMESPACES_INDEX)]
        self._recent: dict[diff.Key, tuple[float, Object]] = {}  # key -> (when remembered, object)
        self._recent_lock = threading.Lock()
        self.operator_namespace = operator_namespace()

    def _on_loop(self, read: Callable[[], T]) -> T:
        """Run a read of the indices on the event loop, which is the only thread that changes them."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            return read()

        async def call() -> T:
            return read()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result()

    def _lookup(self, entry: tuple[str, Any]) -> list[Object]:
        found: list[Object] = []
        for index in self._owned_indices:
            found += list(index.get(entry, ()))
        return found

    def get(self, desired: Object) -> Object | None:
        key = diff.key_of(desired)
        watched = next(iter(self._on_loop(lambda: self._lookup(("key", key)))), None)
        with self._recent_lock:
            remembered, recent = self._recent.get(key, (0.0, None))
            if recent is None:
                return watched
            if watched is not None and _resource_version(watched) >= _resource_version(recent):
                del self._recent[key]  # the watch caught up
                return watched
            if watched is not None or time.monotonic() - remembered < UNWATCHED_AFTER:
                return recent
        live = self.kube.get(desired)  # never delivered by a watch: its kind is not watched (yet)
        if live is not None:
            self.remember(live)
        return live

    def owned(self, odh: Object) -> list[Object]:
        owner = labels.owner_value(odh["metadata"]["namespace"], odh["metadata"]["name"])
        return self._on_loop(lambda: self._lookup(("owner", owner)))

    def remember(self, live: Object) -> None:
        with self._recent_lock:
            self._recent[diff.key_of(live)] = (time.monotonic(), live)

    def facts(self) -> ClusterFacts:
        """Nodes and StorageClasses as watched; the served API groups from discovery (cached a minute)."""
        def read(name: str) -> tuple[Object, ...]:
            index = self.indices.get(name)
            return tuple(index.get(ALL, ())) if index is not None else ()

        groups = self.kube.served_group_versions()
        return self._on_loop(lambda: ClusterFacts(nodes=read(NODES_INDEX), storage_classes=read(STORAGE_CLASSES_INDEX),
                                                  group_versions=groups, namespaces=read(NAMESPACES_INDEX),
                                                  operator_namespace=self.operator_namespace))
